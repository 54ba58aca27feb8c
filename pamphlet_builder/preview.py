"""Live preview for designers: `python make_pamphlets.py preview`.

Serves on 127.0.0.1 only. Each material and language has a page showing its
PDF pages as pictures and the HTML they were made from. A watcher notices
any saved change under pamphlets/, templates/, styles/ or translations/,
rebuilds what is being previewed, and tells open pages to reload (server-
sent events). A failed build shows its message in the page; the last good
pictures stay.
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import pypdfium2 as pdfium

from .build import BuildOptions, build
from .content import load_project

log = logging.getLogger(__name__)

WATCHED = ("pamphlets", "templates", "styles", "translations")
SERVED = ("styles", "templates")      # read-only, for the HTML view's stylesheets
POLL_SECONDS = 0.25
HOST = "127.0.0.1"


@dataclass
class PreviewState:
    """What the server knows: the last good pictures and the last error, per page."""

    root: Path
    out: Path
    generation: int = 0
    errors: dict[tuple[str, str], str] = field(default_factory=dict)
    pages: dict[tuple[str, str], int] = field(default_factory=dict)
    wanted: set[tuple[str, str]] = field(default_factory=set)
    changed: threading.Condition = field(default_factory=threading.Condition)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rebuild(self, keys: set[tuple[str, str]]) -> None:
        """Build the given (material, lang) pairs; keep old pictures on failure."""
        project = load_project(self.root)
        for material, lang in sorted(keys):
            options = BuildOptions(out=self.out, materials=[material], langs=[lang],
                                   variants=["standard"], sheets=False, catalog=False, jobs=1,
                                   allow_fallback=True, keep_html=True)
            if project.errors:
                message = "\n".join(e.format(self.root) for e in project.errors)
            else:
                report = build(project, options)
                failures = report.config_errors + [r.error for r in report.failed if r.error]
                message = "\n".join(e.format(self.root) for e in failures)
                if not message:
                    self._pictures(material, lang)
            with self.lock:
                if message:
                    self.errors[(material, lang)] = message
                else:
                    self.errors.pop((material, lang), None)
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def _pictures(self, material: str, lang: str) -> None:
        pdf = pdfium.PdfDocument(self.out / lang / f"{material}.pdf")
        try:
            for number, page in enumerate(pdf, start=1):
                image = page.render(scale=110 / 72).to_pil()
                target = self.out / lang / f"{material}-{number}.png"
                image.save(target.with_suffix(".tmp.png"))
                target.with_suffix(".tmp.png").replace(target)
            with self.lock:
                self.pages[(material, lang)] = len(pdf)
        finally:
            pdf.close()


def snapshot(root: Path) -> dict[str, float]:
    """Modification times of every watched file."""
    found = {}
    for folder in WATCHED:
        for path in (root / folder).rglob("*"):
            if path.is_file() and not path.name.endswith((".tmp", "~")):
                found[str(path)] = path.stat().st_mtime_ns
    return found


def watch(state: PreviewState, stop: threading.Event) -> None:
    """Poll for saved changes; rebuild what is being previewed."""
    before = snapshot(state.root)
    while not stop.wait(POLL_SECONDS):
        now = snapshot(state.root)
        if now != before:
            before = now
            with state.lock:
                keys = set(state.wanted)
            if keys:
                log.info("change seen; rebuilding %s", sorted(keys))
                state.rebuild(keys)


def make_handler(state: PreviewState):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):   # quiet: designers watch the page, not the log
            log.debug(fmt, *args)

        def do_GET(self):  # noqa: N802 - the http.server API
            path = unquote(urlparse(self.path).path)
            parts = [p for p in path.split("/") if p]
            try:
                if not parts:
                    return self._send(200, "text/html", index_page(state))
                if parts[0] == "view" and len(parts) == 3:
                    return self._view(parts[1], parts[2])
                if parts[0] == "png" and len(parts) == 4:
                    return self._file(state.out / parts[2], f"{parts[1]}-{parts[3]}")
                if parts[0] == "html" and len(parts) == 3:
                    return self._file(state.out / parts[2], f"{parts[1]}.html", base=True)
                if parts[0] == "events":
                    return self._events()
                if parts[0] in SERVED:
                    return self._file(state.root / parts[0], "/".join(parts[1:]))
            except (BrokenPipeError, ConnectionResetError):
                return None
            return self._send(404, "text/plain", "not found")

        def _view(self, material: str, lang: str) -> None:
            key = (material, lang)
            project = load_project(state.root)
            if material not in project.materials or lang not in project.languages:
                return self._send(404, "text/plain", "no such material or language")
            with state.lock:
                new = key not in state.wanted
                state.wanted.add(key)
            if new:
                state.rebuild({key})
            self._send(200, "text/html", view_page(state, material, lang))

        def _file(self, folder: Path, name: str, base: bool = False) -> None:
            """A file inside `folder` only: no `..`, no links out, no absolute paths."""
            target = (folder / name).resolve()
            if not name or not target.is_relative_to(folder.resolve()) or not target.is_file():
                return self._send(404, "text/plain", "not found")
            data = target.read_bytes()
            if base:   # the HTML's stylesheets are relative to the project root
                data = data.replace(b"<head>", b'<head><base href="/">', 1)
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, mime, data)

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = state.generation
            while True:
                with state.changed:
                    state.changed.wait_for(lambda: state.generation != seen, timeout=15)
                if state.generation == seen:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    seen = state.generation
                    with state.lock:
                        payload = json.dumps({"generation": seen, "errors": {
                            f"{m}/{lang}": e for (m, lang), e in state.errors.items()}})
                    self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()

        def _send(self, code: int, mime: str, body) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", f"{mime}; charset=utf-8" if mime.startswith("text") else mime)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

    return Handler


def index_page(state: PreviewState) -> str:
    project = load_project(state.root)
    rows = []
    for material in project.materials.values():
        links = " ".join(f'<a href="/view/{html.escape(material.id)}/{html.escape(code)}" '
                         f'lang="{html.escape(code)}">{html.escape(lang.name)}</a>'
                         for code, lang in project.languages.items())
        rows.append(f"<li><strong>{html.escape(material.id)}</strong>: {links}</li>")
    return _page("Preview", f"<h1>Preview</h1><ul>{''.join(rows)}</ul>")


def view_page(state: PreviewState, material: str, lang: str) -> str:
    with state.lock:
        pages = state.pages.get((material, lang), 0)
        error = state.errors.get((material, lang), "")
        generation = state.generation
    pictures = "".join(f'<img src="/png/{material}/{lang}/{n}.png?g={generation}" '
                       f'alt="Page {n}" data-page="{n}">' for n in range(1, pages + 1))
    body = (f'<h1>{html.escape(material)} <small>{html.escape(lang)}</small></h1>'
            f'<p><a href="/">All materials</a> · <a href="/html/{material}/{lang}" target="_blank">'
            f'HTML it was made from</a> · <span id="state">watching for changes</span></p>'
            f'<pre id="error" role="alert"{"" if error else " hidden"}>{html.escape(error)}</pre>'
            f'<div id="pages">{pictures}</div>')
    script = f"""
<script>
var key = {json.dumps(material + "/" + lang)};
var events = new EventSource("/events");
events.onmessage = function (message) {{
  var data = JSON.parse(message.data), box = document.getElementById("error");
  if (data.errors[key]) {{ box.textContent = data.errors[key]; box.hidden = false; return; }}
  box.hidden = true;
  document.querySelectorAll("#pages img").forEach(function (img) {{
    img.src = img.src.replace(/\\?g=\\d+/, "?g=" + data.generation);
  }});
  document.getElementById("state").textContent = "updated " + new Date().toLocaleTimeString();
  if (!document.querySelector("#pages img")) location.reload();
}};
</script>"""
    return _page(f"{material} ({lang})", body + script)


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>"
            "body{font:16px/1.4 'Noto Sans',sans-serif;margin:1rem}"
            "img{border:1px solid #ccc;margin:0 1rem 1rem 0;max-width:100%}"
            "pre{background:#fde;color:#600;padding:1rem;white-space:pre-wrap}"
            "a{color:#0b5563}</style></head><body>" + body + "</body></html>")


def serve(root: Path, port: int = 8000, ready: threading.Event | None = None,
          stop: threading.Event | None = None) -> None:
    """Run the preview until interrupted (or until `stop` is set)."""
    state = PreviewState(root=root, out=root / ".cache" / "preview")
    state.out.mkdir(parents=True, exist_ok=True)
    stop = stop or threading.Event()
    server = ThreadingHTTPServer((HOST, port), make_handler(state))
    server.daemon_threads = True
    watcher = threading.Thread(target=watch, args=(state, stop), daemon=True)
    watcher.start()
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    print(f"Preview on http://{HOST}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    if ready:
        ready.port = server.server_address[1]   # type: ignore[attr-defined]
        ready.set()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


