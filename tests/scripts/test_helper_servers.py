"""The suite's own helper servers stay quiet when a client resets its connection, as
many tests do on purpose: a passing ``make test`` prints no traceback."""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import time
import wsgiref.simple_server
from typing import Any

import pytest
from helpers import QuietWSGIServer, serving


class Answers(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def reset_mid_request(port: int) -> None:
    """Send half a request line, then close with RST (SO_LINGER 0), not FIN."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET / HT")
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.2)  # let the server's thread meet the reset


def test_serving_prints_no_traceback_for_a_reset(capfd: pytest.CaptureFixture[str]) -> None:
    with serving(Answers) as url:
        reset_mid_request(int(url.rsplit(":", 1)[1]))
    assert "Traceback" not in capfd.readouterr().err


def test_the_wsgi_helper_prints_no_traceback_for_a_reset(
    capfd: pytest.CaptureFixture[str],
) -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    server = wsgiref.simple_server.make_server("127.0.0.1", 0, app, server_class=QuietWSGIServer)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        reset_mid_request(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert "Traceback" not in capfd.readouterr().err
