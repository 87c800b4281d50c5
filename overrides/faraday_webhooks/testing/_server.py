"""The background HTTP/1.1 server under the sandbox and the webhook receiver."""

from __future__ import annotations

import contextlib
import http.server
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

from .._validation import _has_control_or_space, check_number

logger = logging.getLogger("faraday_webhooks.sandbox")


class LoopbackHTTPServer(http.server.ThreadingHTTPServer):
    """A threaded server for loopback (IPv4 or IPv6) that can close every open connection.

    Quiet about clients that hang up and about injected resets: both are expected here.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    # One thread per connection: with this many open, a new one closes the connection
    # that has been quiet longest, so a flood of idle connections cannot exhaust
    # threads or lock real clients out. (Idle ones also close after the handler's timeout.)
    max_connections = 256

    def __init__(
        self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        # Each open connection, with when it last started a request (or was accepted).
        self.open_connections: dict[socket.socket, float] = {}
        self.connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(address, handler)

    @property
    def port(self) -> int:
        """The bound port (useful after binding port 0)."""
        return int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            quietest = None
            if len(self.open_connections) >= self.max_connections:
                quietest = min(self.open_connections, key=self.open_connections.__getitem__)
                del self.open_connections[quietest]
            self.open_connections[request] = time.monotonic()
        if quietest is not None:
            with contextlib.suppress(OSError):
                quietest.shutdown(socket.SHUT_RDWR)  # its thread reads EOF and ends
        super().process_request(request, client_address)

    def touch(self, connection: socket.socket) -> None:
        """Note that ``connection`` started a request: it is in use, not idle."""
        with self.connections_lock:
            if connection in self.open_connections:
                self.open_connections[connection] = time.monotonic()

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A peer that hangs up, resets or idles out is expected here; anything else is a
        # bug in the server, and must show.
        problem = sys.exc_info()[1]
        if not isinstance(problem, OSError):
            logger.error("loopback server: a connection failed", exc_info=problem)

    def start_in_background(self, name: str) -> None:
        """Serve from a daemon thread; a short poll interval lets ``stop()`` return promptly."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.01}, name=name, daemon=True
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

    def parse_request(self) -> bool:
        self.server.touch(self.connection)  # type: ignore[attr-defined]
        return super().parse_request()

    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
    # algorithm and the peer's delayed ACK stall every keep-alive response ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


def check_port(port: Any, *, name: str = "port") -> int:
    """A TCP port to listen on, 0 (any free one) to 65535, or ``ValueError`` saying so.

    Example:

    ```pycon
    >>> check_port(8765)
    8765

    ```
    """
    return int(check_number(port, name=name, maximum=65535, whole=True, error=ValueError))


def check_key_list(keys: Any, *, name: str) -> tuple[str, ...]:
    """API keys a sandbox accepts, as a tuple; refuses one bare string, which would
    otherwise be taken a character at a time. Never echoes a key.

    Example:

    ```pycon
    >>> check_key_list(["sk_test"], name="api_keys")
    ('sk_test',)

    ```
    """
    if isinstance(keys, str | bytes) or not isinstance(keys, Iterable):
        raise TypeError(
            f"{name} takes a list of keys, not a {type(keys).__name__}: {name}=['sk_test']"
        )
    checked = tuple(keys)
    for key in checked:
        if not isinstance(key, str):
            raise TypeError(f"each of {name} must be a str, not {type(key).__name__}")
        if not key or not key.isascii() or _has_control_or_space(key):
            raise ValueError(f"each of {name} must be non-empty ASCII without spaces")
    return checked
