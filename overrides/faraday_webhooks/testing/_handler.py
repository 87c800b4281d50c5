"""The sandbox's HTTP side: one handler per connection, between the socket and the API.

A request is recorded, authenticated, given any fault it asked for, then answered
by the fake API (``_api.py``). The handler sees the sandbox only through ``Parts``:
the API, the fault plan, the request log, the stop signal and the sandbox routes.
"""

from __future__ import annotations

import collections
import logging
import socket
import struct
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import attrs

from ._api import FakeAPI, Reply, error_reply, json_reply
from ._server import LoopbackHTTPServer, QuietHandler, UnreadableBody, declared_body_length
from .faults import FAULT_HEADER, Fault, FaultPlan, serve

__all__ = ["Handler", "Parts", "RecordedRequest", "RequestLog", "SandboxServer"]

logger = logging.getLogger("faraday_webhooks.sandbox")

_MAX_REQUEST_BYTES = 1024 * 1024
# Requests ``Sandbox.requests`` remembers (the oldest are forgotten first).
MAX_RECORDED_REQUESTS = 10_000


@attrs.frozen
class RecordedRequest:
    """One request the sandbox received: what a test asserts request counts on."""

    method: str
    path: str
    status: int | None
    fault: str | None
    user_agent: str | None = None


@attrs.define
class _Entry:
    """A request being handled; its status is filled in when it is answered."""

    method: str
    path: str
    user_agent: str | None
    status: int | None = None
    fault: str | None = None

    def frozen(self) -> RecordedRequest:
        return RecordedRequest(self.method, self.path, self.status, self.fault, self.user_agent)


class RequestLog:
    """The last ``MAX_RECORDED_REQUESTS`` requests, in arrival order. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: collections.deque[_Entry] = collections.deque(maxlen=MAX_RECORDED_REQUESTS)

    def record(self, method: str, path: str, user_agent: str | None) -> _Entry:
        entry = _Entry(method, path, user_agent)
        with self._lock:
            self._entries.append(entry)
        return entry

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return [entry.frozen() for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@attrs.frozen
class Parts:
    """What the HTTP handler may use: the narrow interface between it and the sandbox."""

    api: FakeAPI
    faults: FaultPlan
    log: RequestLog
    stopping: threading.Event
    sandbox_route: Callable[[str, bytes], Reply]  # POST /_sandbox/trigger and /redeliver
    verbose: bool


class SandboxServer(LoopbackHTTPServer):
    def __init__(self, address: tuple[str, int], parts: Parts) -> None:
        self.parts = parts
        super().__init__(address, Handler)


class _Stop(Exception):
    """The request is finished (answered, reset or closed): stop handling it."""


class Handler(QuietHandler):
    """One connection: auth, then any fault, then the API's answer. Also a ``faults.Exchange``."""

    server: SandboxServer
    _entry: _Entry | None = None

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (unsupported method, bad request line) as Faraday's JSON.

        Its default is an HTML page, which no client of this API expects. A method with no
        ``do_`` handler (HEAD, TRACE, anything invented) is a 405, as for PUT.
        """
        parts = self.server.parts
        # A malformed request line fails before http.server sets path (or command).
        path = getattr(self, "path", "") or ""
        if getattr(self, "request_version", "") not in ("HTTP/1.0", "HTTP/1.1"):
            # http.server answers an unreadable request line as HTTP/0.9: no status line.
            self.request_version = "HTTP/1.1"
        self._entry = parts.log.record(self.command or "", path, None)
        self.close_connection = True
        if code == 501 and self.command:
            self.send(parts.api.method_not_allowed(urlsplit(path).path, self.command))
        else:
            self.send(error_reply(code, "BAD_REQUEST", message or "Bad request"))

    # -- faults.Exchange ---------------------------------------------------------------

    def send(self, reply: Reply) -> None:
        self._answering(reply.status)
        self.send_response(reply.status)
        if reply.body or reply.status != 204:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def write_raw(self, data: bytes) -> None:
        if data.startswith(b"HTTP/"):
            self._answering(int(data.split(b" ", 2)[1]))
        self.wfile.write(data)
        self.wfile.flush()

    def reset(self) -> None:
        # SO_LINGER with zero timeout makes close() send RST, as a crashed peer would.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        raise _Stop()

    def close(self) -> None:
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True
        raise _Stop()

    def wait(self, seconds: float) -> bool:
        return self.server.parts.stopping.wait(seconds)

    # -- one request -------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        parts = self.server.parts
        path = urlsplit(self.path).path
        # Recorded on arrival, so a test that got its answer always sees the request.
        self._entry = parts.log.record(method, path, self.headers.get("User-Agent"))
        try:
            self._answer(method, path)
        except _Stop:
            pass
        except OSError:
            self.close_connection = True  # the client went away mid-answer: nothing to say
        except Exception:
            # A bug in the sandbox must show, not become an empty reply: log it, answer 500.
            logger.exception("sandbox: %s %s failed", method, path)
            if self._entry.status is None:
                self.close_connection = True
                self.send(error_reply(500, "INTERNAL_SERVER_ERROR", "The sandbox failed"))
        if parts.verbose and self._entry.status is None:
            print(f"sandbox: {method} {path} -> no answer", flush=True)

    def _answering(self, status: int) -> None:
        # Logged before the answer's first byte: whoever has the answer can rely on the line.
        entry = self._entry
        if entry is None or entry.status is not None:
            return
        entry.status = status
        if self.server.parts.verbose:
            print(f"sandbox: {entry.method} {entry.path} -> {status}", flush=True)

    def _answer(self, method: str, path: str) -> None:
        parts = self.server.parts
        if path == "/_sandbox/health" and method == "GET":
            self._read_body()
            self.send(json_reply(200, {"ok": True}))
            return
        api_key, denied = parts.api.authenticate(self.headers)
        if denied is not None:  # faults serve authenticated requests only
            self._read_body()
            self.send(denied)
            return
        fault = self._take_fault()
        if fault is not None and fault.before_body:
            serve(self, fault)
        body = self._read_body()
        if fault is not None and not fault.before_body:
            serve(self, fault)
        if fault is not None and not fault.acts_normally:
            return  # the fault was the answer
        if path in ("/_sandbox/trigger", "/_sandbox/redeliver") and method == "POST":
            reply = parts.sandbox_route(path, body)
        else:
            reply = parts.api.handle(method, self.path, self.headers, body, api_key=api_key or "")
        if fault is not None and fault.kind == "wrong-content-type":
            reply = attrs.evolve(reply, content_type="text/plain")
        self.send(reply)

    def _take_fault(self) -> Fault | None:
        header = self.headers.get(FAULT_HEADER)
        try:
            fault = self.server.parts.faults.take(header)
        except ValueError as problem:
            self._read_body()
            self.send(error_reply(400, "BAD_REQUEST", f"Unknown {FAULT_HEADER} value: {problem}"))
            raise _Stop() from None
        if fault is not None and self._entry is not None:
            self._entry.fault = header.split(";", 1)[0] if header else fault.kind
        return fault

    def _read_body(self) -> bytes:
        try:
            length = declared_body_length(self.headers, _MAX_REQUEST_BYTES)
        except UnreadableBody as problem:
            # The body's end on the socket is unknown: answer, then close the connection.
            self.close_connection = True
            reply = error_reply(problem.status, "BAD_REQUEST", str(problem))
            self.send(attrs.evolve(reply, headers={"Connection": "close"}))
            raise _Stop() from None
        return self.rfile.read(length) if length else b""
