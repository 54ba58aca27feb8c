"""The live preview: loopback only, rebuilds after a saved change, shows
errors while keeping the last good pictures, and serves nothing else; it
answers only its own host names, escapes what it prints, serves from a
bounded pool, builds on one thread, and turns odd requests away cleanly."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pamphlet_builder import preview as preview_module
from pamphlet_builder.errors import BuildError
from pamphlet_builder.preview import serve


@contextlib.contextmanager
def running(root):
    """The preview of `root` on a free port, stopped afterwards."""
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=serve, args=(root, 0, ready, stop), daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield ready.port
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive(), "the preview did not stop"


@pytest.fixture
def preview(scratch):
    scratch.material()
    with running(scratch.root) as port:
        yield scratch, f"http://127.0.0.1:{port}", port


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
        for line in Path(table).read_text().splitlines()[1:]:
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
    "/styles/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "/styles/%2fetc%2fpasswd",
    "/styles/%2e%2e%2f%2e%2e%2fpamphlets%2fcontacts.yaml", "/templates/%2e%2e/pamphlets/contacts.yaml",
    "/html/test-card/..%2f..%2f..%2fpamphlets%2fcontacts.yaml", "/pdf/../pamphlets/contacts.yaml",
    "/png/test-card/en/..%2f..%2f..%2f..%2fpamphlets%2fcontacts.yaml", "//etc/passwd",
    "/pamphlets/contacts.yaml", "/.cache/preview/en/test-card.pdf",
])
def test_nothing_outside_the_project_is_served(preview, path):
    _, _, port = preview
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)      # sent as is, not normalised by a client
    response = connection.getresponse()
    body = response.read()
    assert response.status == 404 and b"root:" not in body and b"contacts:" not in body


# --- Requests as sent, byte for byte ---------------------------------------

def send_raw(port: int, request: bytes) -> tuple[int, bytes]:
    """Send `request` unchanged; the reply's status and its whole text (the
    server closes the connection after one HTTP/1.0 reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return (int(reply.split(b" ", 2)[1]) if reply else 0), reply


def ask(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    host = f"127.0.0.1:{port}" if host is None else host
    return send_raw(port, f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode("latin-1"))


def test_only_requests_for_this_computer_and_port_are_answered(preview):
    """A page elsewhere that points its own name at 127.0.0.1 (DNS
    rebinding) still sends its own name in Host: refused, nothing read."""
    _, _, port = preview
    other_port = port + 1 if port < 65535 else port - 1
    for host in (f"evil.example:{port}", f"127.0.0.1:{other_port}", "127.0.0.1",
                 f"localhost.evil.example:{port}", f"127.0.0.1.evil.example:{port}", ""):
        for path in ("/", "/styles/theme.css", "/events", "/view/test-card/en"):
            status, reply = ask(port, path, host)
            assert status == 400, (host, path)
            assert b"test-card" not in reply and b"--color-primary" not in reply, (host, path)
    assert send_raw(port, b"GET / HTTP/1.0\r\n\r\n")[0] == 400                     # no Host at all
    assert send_raw(port, f"GET / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n"
                          f"Host: evil.example:{port}\r\n\r\n".encode())[0] == 400  # two of them
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LocalHost:{port}"):
        status, reply = ask(port, "/", host)
        assert status == 200 and b"test-card" in reply, host


def test_names_in_pages_are_escaped(preview):
    """A folder name and a language name that look like markup come back as
    text on the index, and on the material's page with its error message."""
    scratch, base, port = preview
    scratch.material("x<script>alert(1)")
    languages = scratch.root / "pamphlets/languages.yaml"
    listed = languages.read_text()
    assert "name: English}" in listed
    languages.write_text(listed.replace("name: English}", 'name: "<b onmouseover=alert(2)>English"}'))
    status, index = get(base + "/")
    assert status == 200
    assert b"<script" not in index and b"<b onmouseover" not in index
    assert b"x&lt;script&gt;alert(1)" in index and b"&lt;b onmouseover=alert(2)&gt;" in index
    assert b'href="/view/x%3Cscript%3Ealert%281%29/en"' in index
    status, page = ask(port, "/view/x%3Cscript%3Ealert%281%29/en")
    assert status == 200
    assert b"<script>alert" not in page and b"alert(1)</" not in page
    assert page.count(b"x&lt;script&gt;alert(1)") >= 3               # title, key, heading
    assert b"material folder names must be lowercase" in page           # its error, as text


def test_symlinks_out_of_the_project_are_not_followed(preview, tmp_path):
    scratch, _, port = preview
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    (scratch.root / "styles/leak.css").symlink_to(secret)
    (scratch.root / "styles/outside").symlink_to(tmp_path)
    (scratch.root / "templates/leak.html").symlink_to(secret)
    for path in ("/styles/leak.css", "/styles/outside/secret.txt", "/templates/leak.html"):
        status, reply = ask(port, path)
        assert status == 404 and b"SECRET" not in reply, path
    assert ask(port, "/styles/theme.css")[0] == 200


def test_only_rendered_files_of_previewed_pages_are_served(preview):
    """Before a page is previewed there is nothing of it to serve; after,
    its pictures, HTML and PDF, and pictures by number only."""
    _, _, port = preview
    assert ask(port, "/png/test-card/en/1.png")[0] == 404
    assert ask(port, "/pdf/test-card/en")[0] == 404
    assert ask(port, "/view/test-card/en")[0] == 200
    status, pdf = ask(port, "/pdf/test-card/en")
    assert status == 200 and b"\r\n\r\n%PDF" in pdf
    assert ask(port, "/png/test-card/en/1.png")[0] == 200
    assert ask(port, "/png/test-card/en/0.png")[0] == 404
    assert ask(port, "/png/test-card/en/1.pdf")[0] == 404


ODD_REQUESTS = [
    (b"GET /" + b"a" * 3000 + b" HTTP/1.0\r\n", 414),
    (b"GET /styles/theme.css\x00.png HTTP/1.0\r\n", 400),
    (b"GET /styles/theme.css%00.png HTTP/1.0\r\n", 400),
    (b"GET /styles/\x7ftheme.css HTTP/1.0\r\n", 400),
    (b"GET /styles/%0d%0aSet-Cookie:x HTTP/1.0\r\n", 400),
    (b"GET /styles/%zz HTTP/1.0\r\n", 400),
    (b"GET /styles/theme.css% HTTP/1.0\r\n", 400),
    (b"GET /styles/%ff%fe HTTP/1.0\r\n", 400),
    (b"GET /styles/caf\xc3\xa9 HTTP/1.0\r\n", 400),
    (b"GET styles/theme.css HTTP/1.0\r\n", 400),
    (b"GET http://evil.example/ HTTP/1.0\r\n", 400),
    (b"GET / HTTP/9.x\r\n", 400),
    (b"GET /a b HTTP/1.0\r\n", 400),
    (b"POST / HTTP/1.0\r\nContent-Length: 0\r\n", 405),
    (b"BREW /pot HTTP/1.0\r\n", 405),
    (b"DELETE /styles/theme.css HTTP/1.0\r\n", 405),
]


def test_odd_requests_are_refused_and_the_server_goes_on(preview, capfd, caplog):
    _, _, port = preview
    host = f"Host: 127.0.0.1:{port}\r\n\r\n".encode()
    for request, expected in ODD_REQUESTS:
        status, reply = send_raw(port, request + host)
        assert status == expected, request[:60]
        assert b"Traceback" not in reply and b"theme" not in reply.split(b"\r\n\r\n", 1)[1]
        assert ask(port, "/")[0] == 200, f"no answer after {request[:60]!r}"
    allowed = send_raw(port, b"POST / HTTP/1.0\r\n" + host)[1]
    assert b"\r\nAllow: GET\r\n" in allowed
    assert "Traceback" not in capfd.readouterr().err
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_port_in_use_is_a_clear_error(scratch, capsys):
    from pamphlet_builder.cli import main
    scratch.material()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stop = threading.Event()
        stop.set()                     # were the port free, serve() would return at once
        with pytest.raises(BuildError, match=f"^port {port} is in use: pick another with --port$"):
            serve(scratch.root, port, stop=stop)
        assert main(["--root", str(scratch.root), "preview", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"error: port {port} is in use: pick another with --port" in err
    assert "Traceback" not in err


def test_builds_run_one_at_a_time(scratch, monkeypatch):
    """First looks at two pages at once, then a saved change beside a third
    look: every build is queued for the one builder, none overlaps."""
    for mid in ("card-a", "card-b", "card-c"):
        scratch.material(mid)
    guard, calls, active, most = threading.Lock(), [], [0], [0]

    def slow_rebuild(self, keys):
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
            calls.append(set(keys))
        time.sleep(0.3)                # a build takes a while; overlap would show
        with guard:
            active[0] -= 1

    monkeypatch.setattr(preview_module.PreviewState, "rebuild", slow_rebuild)
    with running(scratch.root) as port:
        def look_at_once(*actions):
            start, statuses = threading.Barrier(len(actions)), []
            def run(action):
                start.wait()
                statuses.append(action())
            threads = [threading.Thread(target=run, args=(a,)) for a in actions]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(20)
            return statuses

        assert look_at_once(lambda: ask(port, "/view/card-a/en")[0],
                            lambda: ask(port, "/view/card-b/en")[0]) == [200, 200]
        before = len(calls)
        theme = scratch.root / "styles/theme.css"
        look_at_once(lambda: theme.write_text(theme.read_text() + "\n/* changed */\n") and 200,
                     lambda: ask(port, "/view/card-c/en")[0])
        deadline = time.monotonic() + 10
        while not any(("card-a", "en") in keys for keys in calls[before:]):
            assert time.monotonic() < deadline, "the saved change was not rebuilt"
            time.sleep(0.05)
    built = set().union(*calls)
    assert {("card-a", "en"), ("card-b", "en"), ("card-c", "en")} <= built
    assert most[0] == 1, f"{most[0]} builds ran at once"


def test_connections_are_served_by_a_bounded_pool(preview):
    """Idle connections fill the workers and the queue; one more is told
    503 at once, no thread is made for it, and the server recovers."""
    _, _, port = preview
    threads_before = threading.active_count()
    held = [socket.create_connection(("127.0.0.1", port), timeout=5)
            for _ in range(preview_module.WORKERS + preview_module.BACKLOG)]
    extra = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
    try:
        for sock in extra:
            assert sock.recv(100).startswith(b"HTTP/1.0 503")
        assert threading.active_count() <= threads_before + preview_module.WORKERS
    finally:
        for sock in held + extra:
            sock.close()
    deadline = time.monotonic() + 10
    while ask(port, "/")[0] != 200:
        assert time.monotonic() < deadline, "the server did not recover"
        time.sleep(0.05)


def test_event_streams_are_capped_and_freed(preview):
    _, _, port = preview

    def open_stream():
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(f"GET /events HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        return sock, sock.recv(200)    # the status line and headers come in one write

    streams = []
    try:
        for _ in range(preview_module.EVENT_STREAMS):
            streams.append(open_stream())
            assert streams[-1][1].startswith(b"HTTP/1.0 200")
        sock, head = open_stream()
        sock.close()
        assert head.startswith(b"HTTP/1.0 503")
        assert ask(port, "/")[0] == 200                    # pages still load beside them
        streams.pop()[0].close()                           # a tab is closed: its place frees
        deadline = time.monotonic() + 5
        while True:
            sock, head = open_stream()
            streams.append((sock, head))
            if head.startswith(b"HTTP/1.0 200"):
                break
            assert time.monotonic() < deadline, "a closed stream kept its place"
            time.sleep(0.1)
    finally:
        for sock, _ in streams:
            sock.close()


def test_a_silent_client_is_dropped_after_the_socket_timeout(scratch, monkeypatch, caplog):
    scratch.material()
    monkeypatch.setattr(preview_module, "SOCKET_TIMEOUT", 0.5)
    with running(scratch.root) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\n")          # and the headers never come
            started = time.monotonic()
            assert sock.recv(100) == b""                 # closed by the server, not by us
            assert time.monotonic() - started < 4
        assert ask(port, "/")[0] == 200
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_stopping_closes_open_connections(scratch):
    """An idle connection and an event stream end when the preview stops,
    so quitting does not wait for their timeouts."""
    scratch.material()
    with running(scratch.root) as port:
        idle = socket.create_connection(("127.0.0.1", port), timeout=5)
        stream = socket.create_connection(("127.0.0.1", port), timeout=5)
        stream.sendall(f"GET /events HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert stream.recv(200).startswith(b"HTTP/1.0 200")   # so the idle one was taken too
    started = time.monotonic()
    with idle, stream:
        assert idle.recv(100) == b"" and stream.recv(100) == b""
    assert time.monotonic() - started < 3
