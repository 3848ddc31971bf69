"""The HTTP server: one thread accepting on 127.0.0.1, one thread per connection,
each request routed by its first path segment to the network it stands in for."""

from __future__ import annotations

import contextlib
import selectors
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oncall.sandbox import bluesky, control, facebook, mastodon, x, youtube
from oncall.sandbox.state import PLATFORMS, Fault, State
from oncall.sandbox.wire import DROP, Reply, Request, json_reply

HOST = "127.0.0.1"
MAX_BODY = 256 * 1024 * 1024  # a demo video, not a feature film
_MODULES: dict[str, ModuleType] = {
    "facebook": facebook, "x": x, "mastodon": mastodon, "bluesky": bluesky,
    "youtube": youtube, "_sandbox": control,
}


class _BadBody(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real networks and httpx expect
    server_version = "oncall-sandbox/1"
    timeout = 120  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stall
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.sandbox._track(self.connection)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.sandbox._untrack(self.connection)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise _BadBody(400, "bad chunked body") from None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise _BadBody(413, "body too large for the sandbox")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _BadBody(400, "bad Content-Length") from None
        if length < 0 or length > MAX_BODY:
            raise _BadBody(413, "body too large for the sandbox")
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        sandbox = self.server.sandbox
        try:
            body = self._read_body()
        except _BadBody as exc:
            self.close_connection = True
            self._send(json_reply(exc.status, {"error": str(exc)}))
            return
        parts = urlsplit(self.path)
        _, name, rest = (parts.path + "/").split("/", 2) if parts.path.startswith("/") \
            else ("", "", "")
        module = _MODULES.get(name)
        if module is None:
            self._send(json_reply(404, {"error": f"nothing at {parts.path}; the networks are "
                                                 f"under /{'/, /'.join(PLATFORMS)}/",
                                        "bases": {p: sandbox.base_for(p) for p in PLATFORMS}}))
            return
        request = Request(
            method=self.command, path="/" + rest.rstrip("/") if rest else "",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()}, body=body,
            base=f"{sandbox.url}/{name}", root=sandbox.url)
        try:
            reply = module.handle(request, sandbox.state)
        except Exception:  # a bug in the sandbox: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            reply = json_reply(500, {"error": "the sandbox itself failed on this request"})
        if reply is DROP:
            self.close_connection = True
            sandbox._log(f"{self.command} {parts.path} -> dropped the connection")
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            if reply.status != 204:
                self.send_header("Content-Length", str(len(reply.body)))
            if self.server.sandbox.state.stopping.is_set():
                self.close_connection = True
                self.send_header("Connection", "close")
            self.end_headers()
            if reply.body and self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:  # the client gave up (a timeout fault, usually)
            self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urlsplit(self.path).path  # never the query: it may hold access_token
        self.server.sandbox._log(f"{self.command} {path} -> {code}")

    def log_message(self, format: str, *args: Any) -> None:
        self.server.sandbox._log(format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # never keeps the interpreter alive; `stop` joins them itself
    # socketserver's default backlog of 5 drops the SYNs of a 20-site fan-out whose
    # requests all start at once, and the client's retry comes a second later: a delay
    # no network would add.
    request_queue_size = 128

    def __init__(self, sandbox: Sandbox, port: int) -> None:
        self.sandbox = sandbox
        super().__init__((HOST, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self.process_request_thread,
                                  args=(request, client_address),
                                  name=f"oncall-sandbox-conn-{client_address[1]}", daemon=True)
        threads = self.sandbox._threads
        threads[:] = [t for t in threads if t.is_alive()]
        threads.append(thread)
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            traceback.print_exc(file=sys.stderr)


class Sandbox:
    """A local stand-in for Facebook, X, Mastodon, Bluesky and YouTube.

    `with Sandbox() as sb:` starts it on a free port; `sb.base_for("x")` is the base URL
    to give an X site. Any token "sandbox-<site id>" is accepted and <site id> is the
    account; see the network modules for the paths and error shapes.
    """

    def __init__(self, port: int = 0, *, quiet: bool = True) -> None:
        self.state = State()
        self.quiet = quiet
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._url = ""

    # ---- life cycle
    def start(self) -> Sandbox:
        """Listen on 127.0.0.1 and serve from a background thread; OSError if the port
        is taken."""
        if self._server is not None or self.state.stopping.is_set():
            raise RuntimeError("a Sandbox starts once")
        self._server = _Server(self, self._port)
        self._url = f"http://{HOST}:{self._server.server_address[1]}"
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="oncall-sandbox",
                                        daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        # socketserver's serve_forever polls for shutdown; this waits on the listening
        # socket and a wake-up socket, so `stop` takes effect at once.
        assert self._server is not None and self._wake is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._server.socket, selectors.EVENT_READ)
            selector.register(self._wake[0], selectors.EVENT_READ)
            while not self.state.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._server.socket \
                            and not self.state.stopping.is_set():
                        # socketserver's own single-request step (private, stable since 2.x)
                        self._server._handle_request_noblock()  # type: ignore[attr-defined]

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, cut open connections, wake sleeping faults and wait for every
        thread of the sandbox to end (at most about `timeout` seconds)."""
        if self._server is None or self.state.stopping.is_set():
            self.state.stopping.set()
            return
        self.state.stopping.set()
        if self._wake is not None:
            with contextlib.suppress(OSError):
                self._wake[1].send(b"x")
        if self._thread is not None:
            self._thread.join(timeout)
        with self._conns_lock:
            for conn in list(self._conns):
                _shut(conn)
        self._server.server_close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        if self._wake is not None:
            for end in self._wake:
                end.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """e.g. http://127.0.0.1:54321"""
        if not self._url:
            raise RuntimeError("the sandbox has not been started")
        return self._url

    def base_for(self, platform: str) -> str:
        """The base URL a site of `platform` should use, e.g. http://127.0.0.1:54321/x."""
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; expected one of {PLATFORMS}")
        return f"{self.url}/{platform}"

    # ---- what tests and the demo look at or change
    def posts(self, account: str | None = None, *, live_only: bool = False) \
            -> list[dict[str, Any]]:
        """Every post (oldest first): platform, account, id, text, title, url, created_at,
        deleted, deleted_at, extra, and media: the photos attached, each {"type" (MIME
        type), "size" (bytes), "alt"}."""
        return self.state.posts(account, live_only=live_only)

    def inject(self, account: str, fault: Fault) -> None:
        """Queue `fault` for the account (a site id); faults fire in the order queued."""
        self.state.inject(account, fault)

    def clear_faults(self, account: str | None = None) -> int:
        """Drop waiting faults (of one account, or all); returns how many."""
        return self.state.clear_faults(account)

    def faults(self) -> dict[str, list[dict[str, Any]]]:
        return self.state.faults()

    def add_inbox(self, account: str, message: dict[str, Any]) -> dict[str, Any]:
        """Queue a message for the account's inbox: {"text", "author"?, "author_name"?,
        "created_at"?, "in_reply_to"? (a post id), "kind"?, "id"?}; returns it stored."""
        return self.state.add_inbox(account, message)

    def inbox(self, account: str | None = None) -> list[dict[str, Any]]:
        return self.state.inbox(account)

    def expire_sessions(self, account: str | None = None) -> int:
        """Make Bluesky access tokens (of one account, or all) answer ExpiredToken."""
        return bluesky.expire_sessions(self.state, account)

    def reset(self) -> None:
        """Forget every post, fault, message, idempotency key and session."""
        self.state.reset()

    # ---- used by the handler threads
    def _track(self, conn: socket.socket) -> None:
        with self._conns_lock:
            self._conns.add(conn)
            if self.state.stopping.is_set():
                _shut(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._conns_lock:
            self._conns.discard(conn)

    def _log(self, line: str) -> None:
        if not self.quiet:
            print(f"{time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


def _shut(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


def run_sandbox(port: int) -> int:
    """Serve on 127.0.0.1:`port` until Ctrl+C, logging each request; 0 when stopped,
    2 if the port cannot be used."""
    sandbox = Sandbox(port, quiet=False)
    try:
        sandbox.start()
    except OSError as exc:
        print(f"oncall: cannot listen on {HOST}:{port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    try:
        print(f"oncall sandbox on {sandbox.url} (Ctrl+C to stop)")
        for platform in PLATFORMS:
            print(f"  {platform:<9} api_base = {sandbox.base_for(platform)}")
        print("  tokens: sandbox-<site id> (Bluesky: the app password for createSession)")
        print(f"  control: curl {sandbox.url}/_sandbox   (posts, faults, inbox)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping the sandbox", file=sys.stderr)
    finally:
        sandbox.stop()
    return 0
