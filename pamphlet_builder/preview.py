"""Live preview for designers: `python make_pamphlets.py preview`.

Each material and language has a page showing its PDF pages as pictures and
the HTML they were made from. A watcher notices any saved change under
pamphlets/, templates/, styles/ or translations/, rebuilds what is being
previewed, and tells open pages to reload (server-sent events). A failed
build shows its message in the page; the last good pictures stay.

It is a local tool, but any web page the designer opens can send requests
to it, so it is careful:
- it listens on 127.0.0.1 only, and answers only requests addressed to
  127.0.0.1, localhost or [::1] at its own port (a page elsewhere cannot
  read it by pointing its own name at 127.0.0.1: DNS rebinding);
- its pages are autoescaped templates (templates/preview*.html);
- it serves its own pages, the files it rendered, and styles/ and
  templates/ read-only; nothing that resolves outside them;
- a fixed pool of threads with socket timeouts serves requests, and one
  builder thread builds, so neither a flood nor two saves at once can pile
  up threads or race over the same files;
- odd requests get a 4xx status, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import mimetypes
import queue
import re
import select
import socket
import sys
import threading
import time
import unicodedata
from collections.abc import Container, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import cast
from urllib.parse import unquote_to_bytes

import jinja2
import pypdfium2 as pdfium

from . import paths
from .build import build
from .content import load_project
from .errors import BuildError
from .model import BuildOptions
from .outputs import output_file, write_output
from .variants import STANDARD
from .templating import make_environment

log = logging.getLogger(__name__)

WATCHED = ("pamphlets", "templates", "styles", "translations")
SERVED = ("styles", "templates")      # read-only, for the HTML view's stylesheets
POLL_SECONDS = 0.25
HOST = "127.0.0.1"
HOST_NAMES = ("127.0.0.1", "localhost", "[::1]")   # what a Host header may name

WORKERS = 8             # requests served at once
BACKLOG = 8             # accepted connections waiting for a worker; more get 503
SOCKET_TIMEOUT = 10     # seconds a client may stall a read or write
EVENT_STREAMS = 4       # open /events streams (each holds a worker while open)
KEEPALIVE_SECONDS = 15  # a comment on an idle event stream, so proxies keep it
FIRST_BUILD_WAIT = 30   # seconds a first look waits for its pictures
MAX_TARGET = 2000       # characters in a request's path and query

Key = tuple[str, str]   # (material id, language code)


@dataclass
class PreviewState:
    """What the server knows: the last good pictures and the last error, per page."""

    root: Path
    out: Path
    stop: threading.Event = field(default_factory=threading.Event)
    generation: int = 0
    errors: dict[Key, str] = field(default_factory=dict)
    pages: dict[Key, int] = field(default_factory=dict)
    wanted: set[Key] = field(default_factory=set)
    changed: threading.Condition = field(default_factory=threading.Condition)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rebuild(self, keys: set[Key]) -> None:
        """Build the given (material, lang) pairs; keep old pictures on failure.
        Called by the builder thread only (see `Builder`)."""
        project = load_project(self.root)
        for material, lang in sorted(keys):
            options = BuildOptions(out=self.out, materials=[material], langs=[lang],
                                   variants=[STANDARD.name], sheets=False, catalog=False, jobs=1,
                                   allow_fallback=True, keep_html=True)
            if project.errors:
                message = "\n".join(e.format(self.root) for e in project.errors)
            else:
                report = build(project, options)
                failures = report.config_errors + [r.error for r in report.failed if r.error]
                message = "\n".join(e.format(self.root) for e in failures)
                if not message:
                    self._pictures(material, lang)
            self.record({(material, lang)}, message)
        self.announce()

    def record(self, keys: Iterable[Key], message: str) -> None:
        """Remember the outcome of a build: an error message, or '' for success."""
        with self.lock:
            for key in keys:
                if message:
                    self.errors[key] = message
                else:
                    self.errors.pop(key, None)

    def announce(self) -> None:
        """Wake the event streams: something was built."""
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def event(self) -> str:
        """The event every open page gets after a build."""
        with self.lock:
            return json.dumps({"generation": self.generation, "errors": {
                f"{m}/{lang}": e for (m, lang), e in self.errors.items()}})

    def _pictures(self, material: str, lang: str) -> None:
        pdf = pdfium.PdfDocument(output_file(self.out, paths.document(material, lang, STANDARD)))
        try:
            for number, page in enumerate(pdf, start=1):
                buffer = io.BytesIO()
                page.render(scale=110 / 72).to_pil().save(buffer, format="PNG")
                write_output(self.out, paths.preview_page(material, lang, number), buffer.getvalue())
            with self.lock:
                self.pages[(material, lang)] = len(pdf)
        finally:
            pdf.close()


class Builder:
    """The one thread that builds. Requests and the watcher only enqueue
    (`submit`), so two builds never write the same output at once; what
    piles up while one build runs is built together after it."""

    def __init__(self, state: PreviewState):
        self.state = state
        self.jobs: queue.Queue[tuple[set[Key], threading.Event] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="preview-builder", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def submit(self, keys: Iterable[Key]) -> threading.Event:
        """Queue a build of `keys`; the event is set when it is done."""
        done = threading.Event()
        self.jobs.put((set(keys), done))
        return done

    def stop(self) -> None:
        self.jobs.put(None)

    def _run(self) -> None:
        while True:
            batch = [self.jobs.get()]
            while not self.jobs.empty():          # this thread is the only reader
                batch.append(self.jobs.get_nowait())
            jobs = [job for job in batch if job is not None]
            keys = set().union(*(wanted for wanted, _ in jobs))
            try:
                if keys and not self.state.stop.is_set():
                    self.state.rebuild(keys)
            except Exception as exc:              # a bug in one build must not end the preview
                log.error("preview build of %s failed: %s", sorted(keys), exc)
                log.debug("preview build failed", exc_info=True)
                self.state.record(keys, f"the preview could not build this: {exc}")
                self.state.announce()
            finally:
                for _, done in jobs:
                    done.set()
            if None in batch:
                return


def snapshot(root: Path) -> dict[str, float]:
    """Modification times of every watched file."""
    found: dict[str, float] = {}
    for folder in WATCHED:
        for path in (root / folder).rglob("*"):
            if path.is_file() and not path.name.endswith((".tmp", "~")):
                found[str(path)] = path.stat().st_mtime_ns
    return found


def watch(state: PreviewState, builder: Builder) -> None:
    """Poll for saved changes; queue a rebuild of what is being previewed."""
    before = snapshot(state.root)
    while not state.stop.wait(POLL_SECONDS):
        now = snapshot(state.root)
        if now != before:
            before = now
            with state.lock:
                keys = set(state.wanted)
            if keys:
                log.info("change seen; rebuilding %s", sorted(keys))
                builder.submit(keys)


# --- Requests: what is refused before any route runs ----------------------

PRINTABLE_ASCII = re.compile(r"[!-~]*")                # what a raw request target may hold
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class Refused(Exception):
    """A request answered with an error status instead of a route."""

    def __init__(self, status: int, message: str, headers: Sequence[tuple[str, str]] = ()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def check_host(values: list[str], port: int) -> None:
    """One Host header naming this computer at our port. A page served from
    elsewhere that rebinds its name to 127.0.0.1 still sends its own name."""
    allowed = {f"{name}:{port}" for name in HOST_NAMES}
    if len(values) != 1 or values[0].strip().lower() not in allowed:
        raise Refused(400, f"this preview answers only to http://{HOST}:{port}/")


def path_segments(target: str) -> list[str]:
    """The decoded segments of a request's path. Anything that could step
    out of a folder (`..`, `.x`, empty segments, absolute paths after
    decoding) is not found; malformed targets are refused."""
    if len(target) > MAX_TARGET:
        raise Refused(414, f"the path is longer than {MAX_TARGET} characters")
    if not PRINTABLE_ASCII.fullmatch(target):
        raise Refused(400, "the path holds spaces, control or non-ASCII characters")
    if not target.startswith("/"):
        raise Refused(400, "the path must start with /")
    path = target.split("?", 1)[0].split("#", 1)[0]
    if BAD_ESCAPE.search(path):
        raise Refused(400, "bad percent-encoding in the path")
    try:
        decoded = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the path is not UTF-8") from None
    if any(unicodedata.category(char) == "Cc" for char in decoded):
        raise Refused(400, "control characters in the path")
    if decoded == "/":
        return []
    segments = decoded[1:].split("/")
    if any(not part or part.startswith(".") for part in segments):
        raise Refused(404, "not found")
    return segments


def file_inside(folder: Path, names: Sequence[str], area: Path) -> Path | None:
    """`folder/names...` if it is a file that, with every link followed, is
    still inside `folder` and `area` (the project, or the preview's output)."""
    target = folder.joinpath(*names).resolve()
    inside = target.is_relative_to(folder.resolve()) and target.is_relative_to(area.resolve())
    return target if inside and target.is_file() else None


# --- The server: a fixed pool of threads ----------------------------------

BUSY_TEXT = b"the preview is busy: try again\n"
BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
        % (len(BUSY_TEXT), BUSY_TEXT))


class PooledHTTPServer(HTTPServer):
    """An HTTPServer whose requests run on WORKERS threads. At most WORKERS +
    BACKLOG connections are held at once; any more are answered 503 and
    closed, so no number of clients makes more threads."""

    request_queue_size = WORKERS + BACKLOG   # the kernel's listen queue: a page's burst of pictures

    def __init__(self, address, handler, workers: int = WORKERS, backlog: int = BACKLOG):
        # Before binding: a failed bind calls server_close, which needs the pool.
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="preview-request")
        self.slots = threading.BoundedSemaphore(workers + backlog)
        self.open: set[socket.socket] = set()       # connections being served, closed on stop
        self.open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        if not self.slots.acquire(blocking=False):
            return self._turn_away(request)
        self.pool.submit(self._serve, request, client_address)

    def _serve(self, request, client_address) -> None:
        with self.open_lock:
            self.open.add(request)
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - as socketserver does: log it, serve the next
            self.handle_error(request, client_address)
        finally:
            with self.open_lock:
                self.open.discard(request)
            self.shutdown_request(request)
            self.slots.release()

    def _turn_away(self, request) -> None:
        try:
            request.setblocking(False)      # never wait on a client from the accepting thread
            request.send(BUSY)
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        # One line, not socketserver's traceback on stderr.
        exc = sys.exc_info()[1]
        level = logging.DEBUG if isinstance(exc, (ConnectionError, TimeoutError)) else logging.ERROR
        log.log(level, "preview: a request failed: %r", exc)

    def server_close(self) -> None:
        super().server_close()
        with self.open_lock:    # a worker waiting on an idle client wakes now, not in 10 s
            for request in self.open:
                with contextlib.suppress(OSError):
                    request.shutdown(socket.SHUT_RDWR)
        self.pool.shutdown(wait=False)


def listen(handler, port: int) -> PooledHTTPServer:
    """The server on 127.0.0.1:port, or a BuildError the CLI can print."""
    try:
        return PooledHTTPServer((HOST, port), handler)
    except OverflowError:
        raise BuildError(f"port {port} is not a port number (1-65535)",
                         hint="pick another with --port") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BuildError(f"port {port} is in use: pick another with --port") from None
        raise BuildError(f"cannot listen on {HOST}:{port}: {exc.strerror}",
                         hint="pick another port with --port") from None


# --- Routes -----------------------------------------------------------------

PICTURE = re.compile(r"[1-9][0-9]{0,3}\.png")


def make_handler(state: PreviewState, builder: Builder, env: jinja2.Environment):
    streams = threading.BoundedSemaphore(EVENT_STREAMS)

    class Handler(BaseHTTPRequestHandler):
        timeout = SOCKET_TIMEOUT             # a stalled client frees its worker
        default_request_version = "HTTP/1.0"  # a status line even on a garbled request line
        # http.server's own errors (a malformed request line): plain text, not HTML.
        error_message_format = "%(code)d %(message)s\n"
        error_content_type = "text/plain; charset=utf-8"

        def log_message(self, fmt, *args):   # quiet: designers watch the page, not the log
            log.debug(fmt, *args)

        def parse_request(self) -> bool:
            """http.server's parsing, then the host, method and path checks."""
            self.replied = False
            if not super().parse_request():
                return False
            try:
                check_host(self.headers.get_all("Host") or [], cast(HTTPServer, self.server).server_port)
                if self.command != "GET":
                    raise Refused(405, "only GET", [("Allow", "GET")])
                self.segments = path_segments(self.path)
            except Refused as refusal:
                self.close_connection = True
                self._send(refusal.status, "text/plain", refusal.message + "\n", refusal.headers)
                return False
            return True

        def do_GET(self):
            try:
                self._route(self.segments)
            except (ConnectionError, TimeoutError):
                self.close_connection = True      # the client left
            except Exception as exc:              # a bug, or a broken preview template
                log.error("preview: %s failed: %s", self.path, exc)
                log.debug("preview request failed", exc_info=True)
                if not self.replied:
                    self._send(500, "text/plain", f"the preview failed: {exc}\n")

        def _route(self, parts: list[str]) -> None:
            match parts:
                case []:
                    return self._send(200, "text/html", index_page(env, state))
                case ["view", material, lang]:
                    return self._view(material, lang)
                case ["png", material, lang, picture] if PICTURE.fullmatch(picture):
                    page = int(picture.removesuffix(".png"))
                    return self._built((material, lang), paths.preview_page(material, lang, page),
                                       state.pages)
                case ["html", material, lang]:
                    return self._built((material, lang), paths.document_html(material, lang),
                                       state.wanted)
                case ["pdf", material, lang]:
                    return self._built((material, lang), paths.document(material, lang, STANDARD),
                                       state.wanted)
                case ["events"]:
                    return self._events()
                case [folder, *names] if folder in SERVED and names:
                    return self._file(file_inside(state.root / folder, names, state.root))
            self._send(404, "text/plain", "not found\n")

        def _view(self, material: str, lang: str) -> None:
            key = (material, lang)
            project = load_project(state.root)
            if material not in project.materials or lang not in project.languages:
                return self._send(404, "text/plain", "no such material or language\n")
            with state.lock:
                new = key not in state.wanted
                state.wanted.add(key)
            if new:   # the first look waits for its build, so the page opens with pictures
                builder.submit({key}).wait(FIRST_BUILD_WAIT)
            self._send(200, "text/html", view_page(env, state, material, lang))

        def _built(self, key: Key, rel: str, made: Container[Key]) -> None:
            """A file the preview rendered, for a page it was asked to show."""
            with state.lock:
                known = key in made
            target = file_inside(state.out, rel.split("/"), state.out) if known else None
            self._file(target, base=rel.endswith(".html"))

        def _file(self, target: Path | None, base: bool = False) -> None:
            if target is None:
                return self._send(404, "text/plain", "not found\n")
            data = target.read_bytes()
            if base:   # the HTML's stylesheets are relative to the project root
                data = data.replace(b"<head>", b'<head><base href="/">', 1)
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, mime, data)

        def _events(self) -> None:
            if not streams.acquire(blocking=False):
                return self._send(503, "text/plain", f"at most {EVENT_STREAMS} preview pages "
                                  "can watch for changes at once: close one and reload\n",
                                  [("Retry-After", "5")])
            try:
                self._stream()
            finally:
                streams.release()

        def _stream(self) -> None:
            self.replied = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.flush()
            seen, last_write = state.generation, time.monotonic()
            while not state.stop.is_set() and not self._client_left():
                with state.changed:   # short waits: notice a closed tab or a stop soon
                    def moved(last: int = seen) -> bool:
                        return state.generation != last or state.stop.is_set()
                    state.changed.wait_for(moved, timeout=1)
                if state.generation != seen:
                    seen = state.generation
                    message = f"data: {state.event()}\n\n".encode()
                elif time.monotonic() - last_write >= KEEPALIVE_SECONDS:
                    message = b": keep-alive\n\n"
                else:
                    continue
                self.wfile.write(message)
                self.wfile.flush()
                last_write = time.monotonic()

        def _client_left(self) -> bool:
            """An event stream's client sends nothing more: readable means it hung up."""
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            try:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def _send(self, code: int, mime: str, body: str | bytes,
                  headers: Sequence[tuple[str, str]] = ()) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.replied = True
            self.send_response(code)
            self.send_header("Content-Type", f"{mime}; charset=utf-8" if mime.startswith("text") else mime)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def index_page(env: jinja2.Environment, state: PreviewState) -> str:
    project = load_project(state.root)
    return env.get_template("preview-index.html").render(
        materials=list(project.materials),
        languages=[(code, lang.name) for code, lang in project.languages.items()])


def view_page(env: jinja2.Environment, state: PreviewState, material: str, lang: str) -> str:
    with state.lock:
        pages = state.pages.get((material, lang), 0)
        error = state.errors.get((material, lang), "")
        generation = state.generation
    return env.get_template("preview.html").render(
        material=material, lang=lang, pages=pages, error=error, generation=generation)


def serve(root: Path, port: int = 8000, ready: threading.Event | None = None,
          stop: threading.Event | None = None) -> None:
    """Run the preview until interrupted (or until `stop` is set). A port
    that cannot be used is a BuildError, raised before anything starts."""
    state = PreviewState(root=root, out=root / ".cache" / "preview", stop=stop or threading.Event())
    state.out.mkdir(parents=True, exist_ok=True)
    builder = Builder(state)
    server = listen(make_handler(state, builder, make_environment(root)), port)
    builder.start()
    threading.Thread(target=watch, args=(state, builder), name="preview-watcher", daemon=True).start()
    threading.Thread(target=server.serve_forever, name="preview-accept", daemon=True).start()
    print(f"Preview on http://{HOST}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    if ready:
        ready.port = server.server_address[1]   # type: ignore[attr-defined]
        ready.set()
    try:
        while not state.stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        state.stop.set()
        with state.changed:      # event streams end now, not at their next wait
            state.changed.notify_all()
        builder.stop()
        server.shutdown()
        server.server_close()
