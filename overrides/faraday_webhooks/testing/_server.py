"""The background HTTP/1.1 server under the sandbox and the webhook receiver."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from typing import Any


class LoopbackHTTPServer(http.server.ThreadingHTTPServer):
    """A threaded server for loopback (IPv4 or IPv6) that can close every open connection.

    Quiet about clients that hang up and about injected resets: both are expected here.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    # One thread per connection: beyond this many open at once, new ones are closed at
    # once, so a flood of idle connections cannot exhaust threads or starve real clients.
    max_connections = 256

    def __init__(
        self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(address, handler)

    @property
    def port(self) -> int:
        """The bound port (useful after binding port 0)."""
        return int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            full = len(self.open_connections) >= self.max_connections
            if not full:
                self.open_connections.add(request)
        if full:
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass

    def start_in_background(self, name: str) -> None:
        """Serve from a daemon thread; a short poll interval lets ``stop()`` return promptly."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close kept-alive connections and the listening socket."""
        self.shutdown()
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class UnreadableBody(Exception):
    """The request's body cannot be read safely; the message says why, ``status`` what to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def declared_body_length(headers: Any, limit: int) -> int:
    """The request's Content-Length, or ``UnreadableBody`` if it cannot be trusted.

    Garbage, a size over ``limit``, two different lengths, or a chunked body (these
    servers do not decode chunks; 411 asks for a length). Either way the body's end on
    the socket is unknown: answer, then close the connection.
    """
    if headers.get("Transfer-Encoding") is not None:
        raise UnreadableBody("Send the body with a Content-Length, not chunked", status=411)
    values = {value.strip() for value in headers.get_all("Content-Length") or []}
    if len(values) > 1:
        raise UnreadableBody("Content-Length is given twice with different values")
    declared = values.pop() if values else "0"
    if not (declared.isascii() and declared.isdigit() and len(declared) <= 12):
        raise UnreadableBody("Content-Length must be a whole number of bytes")
    if int(declared) > limit:
        raise UnreadableBody("The request body is too large")
    return int(declared)


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no access log, and no Nagle stalls."""

    protocol_version = "HTTP/1.1"
    # A connection idle (or dripping) this long is closed: its thread is freed.
    timeout = 30.0
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
    # algorithm and the peer's delayed ACK stall every keep-alive response ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass
