#!/usr/bin/env bash
# One command that installs whatever is missing, then does the job.
#
#   ./run.sh build [options]   build every default material into output/
#   ./run.sh test [pytest options]   run the tests
#   ./run.sh lint              ruff and mypy (settings in pyproject.toml); .ci/run runs it before the tests
#   ./run.sh doctor | list | translations ... | any make_pamphlets.py command
#
# System packages come from apt (as root, or with sudo); Python packages go
# into .venv/ from the pinned requirements files, with this project installed
# in editable mode (so .venv/bin/pamphlets works too). Nothing is reinstalled
# when it is already there.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
              fontconfig fonts-noto-core fonts-noto-cjk poppler-utils)
# The tests also drive a real browser over the catalog, and check print-shop
# files against a CMYK profile (Ghostscript's, from libgs-common). Playwright's
# bundled Node.js driver needs libatomic1, which a minimal Debian lacks.
TEST_APT_PACKAGES=(chromium libgs-common libatomic1)
PYTHON=${PYTHON:-python3}
VENV=.venv

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

install_system_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "Missing system packages: ${missing[*]}. This is not a Debian/Ubuntu machine: install Pango, HarfBuzz (subset), Noto fonts and poppler by hand."
    return 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo=(sudo); else
      say "Missing system packages: ${missing[*]}. Ask an administrator to run: apt-get install ${missing[*]}"
      return 1
    fi
  fi
  say "Installing system packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_python_packages() {
  local requirements=$1 stamp="$VENV/.installed-$1"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the Python environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local want backend
  want=$(cat pyproject.toml requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "Installing Python packages from $requirements"
    # The project is built by the venv's own setuptools (no build isolation),
    # pinned in requirements.txt and installed first: the one a venv comes
    # with (65.5 or 66.1 on Python 3.11) cannot build a wheel without the
    # `wheel` package, and Python 3.12's venv has none.
    backend=$(sed -n 's/^\(setuptools==[^ ]*\).*/\1/p' requirements.txt)
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${backend:?no setuptools pin in requirements.txt}"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation -r "$requirements"
    echo "$want" > "$stamp"
  fi
}

command=${1:-build}
[ $# -gt 0 ] && shift
case "$command" in
  test)
    install_system_packages "${APT_PACKAGES[@]}" "${TEST_APT_PACKAGES[@]}"
    install_python_packages requirements-test.txt
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  lint)
    # Both run, so that one run lists every finding; either failing fails.
    install_python_packages requirements-test.txt
    status=0
    "$VENV/bin/ruff" check pamphlet_builder make_pamphlets.py bench || status=1
    "$VENV/bin/mypy" || status=1   # files and settings: pyproject.toml
    exit $status
    ;;
  *)
    install_system_packages "${APT_PACKAGES[@]}"
    install_python_packages requirements.txt
    exec "$VENV/bin/python" make_pamphlets.py "$command" "$@"
    ;;
esac
