"""The live preview: loopback only, rebuilds after a saved change, shows
errors while keeping the last good pictures, and serves nothing else."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from pamphlet_builder.preview import serve


@pytest.fixture
def preview(scratch):
    scratch.material()
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=serve, args=(scratch.root, 0, ready, stop), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield scratch, f"http://127.0.0.1:{ready.port}", ready.port
    stop.set()
    thread.join(10)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def next_event(base: str, timeout: float) -> dict:
    """Wait for the next server-sent event (after the one already sent)."""
    with urllib.request.urlopen(base + "/events", timeout=timeout) as stream:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = stream.readline().decode()
            if line.startswith("data: "):
                return json.loads(line[6:])
    raise AssertionError("no event")


def event_after(base: str, change) -> tuple[dict, float]:
    """Make a change while listening; return the next event and how long it took."""
    result = {}
    listener = threading.Thread(target=lambda: result.update(event=next_event(base, 20)))
    listener.start()
    time.sleep(0.5)                     # the listener is connected before the change
    started = time.monotonic()
    change()
    listener.join(25)
    return result["event"], time.monotonic() - started


def test_serves_on_loopback_only(preview):
    """The listening socket is bound to 127.0.0.1, read from the kernel's
    table of sockets (no traffic to any other address)."""
    _, base, port = preview
    assert get(base + "/")[0] == 200
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":            # 0A: LISTEN
                listening.append(address)
    assert listening == ["0100007F"]                                   # 127.0.0.1, nothing else


def test_page_shows_pictures_of_the_pdf_and_its_html(preview):
    _, base, _ = preview
    status, page = get(base + "/view/test-card/en")
    assert status == 200 and b'src="/png/test-card/en/1.png' in page and b"/png/test-card/en/2.png" in page
    status, picture = get(base + "/png/test-card/en/1.png")
    assert status == 200 and picture[:4] == b"\x89PNG"
    status, source = get(base + "/html/test-card/en")
    assert status == 200 and b'<base href="/">' in source and b"styles/theme.css" in source
    assert get(base + "/styles/theme.css")[0] == 200


def test_saved_change_rebuilds_and_reloads(preview):
    scratch, base, _ = preview
    get(base + "/view/test-card/en")
    before = get(base + "/png/test-card/en/1.png")[1]
    theme = scratch.root / "styles/theme.css"
    event, elapsed = event_after(base, lambda: theme.write_text(
        theme.read_text().replace("--color-primary: #0b5563;", "--color-primary: #6a1b9a;")))
    assert event["errors"] == {}
    assert get(base + "/png/test-card/en/1.png")[1] != before
    print(f"rebuilt and announced in {elapsed:.2f} s")


def test_error_shows_and_last_good_picture_stays(preview):
    scratch, base, _ = preview
    get(base + "/view/test-card/en")
    good = get(base + "/png/test-card/en/1.png")[1]
    meta = scratch.root / "pamphlets/test-card/material.yaml"
    event, _ = event_after(base, lambda: meta.write_text("title: [broken\n"))
    message = event["errors"]["test-card/en"]
    assert "material.yaml:1" in message and "invalid YAML" in message
    assert get(base + "/png/test-card/en/1.png")[1] == good
    assert b"invalid YAML" in get(base + "/view/test-card/en")[1]


@pytest.mark.parametrize("path", [
    "/styles/../pamphlets/contacts.yaml", "/styles/%2e%2e/pamphlets/contacts.yaml",
    "/png/x/..%2f..%2f..%2fetc/passwd", "/templates/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/html/..%2f..%2fpamphlets/en", "/styles//etc/passwd", "/etc/passwd",
])
def test_nothing_outside_the_project_is_served(preview, path):
    _, base, port = preview
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)      # sent as is, not normalised by a client
    response = connection.getresponse()
    body = response.read()
    assert response.status == 404 and b"root:" not in body and b"contacts:" not in body
