"""Helpers shared by the tests: constants, bodies, a MockTransport recorder, a scripted server.

Fixtures live in conftest.py; this is a plain module the tests import.
"""

from __future__ import annotations

import functools
import http.server
import inspect
import json
import sys
import threading
import uuid
import wsgiref.simple_server
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, cast

import faraday_webhooks as fw
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from faraday_webhooks import AsyncFaraday, Faraday, RetryPolicy

API_KEY = "sk_test_4f9a2c7e1b"
EXPIRED_KEY = "sk_test_expired_0c3d"
EVENT = "resource.ready_with_update"
ENDPOINT_ID = "2c1881c4-a0c0-424d-89e1-b481f3cb118c"
ERROR_ID = "082f9513-901c-4308-8081-902a8fe22d7e"

# Retries in tests wait milliseconds, not seconds.
FAST_RETRIES = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05, max_retry_after=0.2)


# Every Faraday error code and the exception it raises.
ALL_CODES = {
    "BAD_REQUEST": fw.BadRequestError,
    "FORBIDDEN": fw.ForbiddenError,
    "MAX_RESOURCES_REACHED": fw.MaxResourcesReachedError,
    "INTERNAL_SERVER_ERROR": fw.InternalServerError,
    "INVALID_AUTHORIZATION": fw.InvalidAuthorizationError,
    "NOT_FOUND": fw.NotFoundError,
    "MALFORMED_API_KEY": fw.MalformedAPIKeyError,
    "MISSING_API_KEY": fw.MissingAPIKeyError,
    "EXPIRED_API_KEY": fw.ExpiredAPIKeyError,
    "VALIDATION_FAILED": fw.ValidationFailedError,
    "CONFLICT": fw.ConflictError,
}


def create(client: Faraday, **overrides: Any) -> fw.WebhookEndpoint:
    """``client.webhooks.create`` with a valid URL and event, unless ``overrides`` say otherwise."""
    arguments: dict[str, Any] = {"url": "https://example.com/hooks", "enabled_events": [EVENT]}
    arguments.update(overrides)
    return client.webhooks.create(**arguments)


def endpoint_body(**overrides: Any) -> dict[str, Any]:
    """A valid 201 body for POST /webhook_endpoints."""
    body: dict[str, Any] = {
        "created_at": "2024-09-26T14:27:05.944507+00:00",
        "updated_at": "2024-09-26T14:27:05.944507+00:00",
        "enabled_events": [EVENT],
        "id": ENDPOINT_ID,
        "status": "enabled",
        "url": "https://example.com/hooks",
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }
    body.update(overrides)
    return body


def resource_message(kind: str = EVENT, timestamp: str = "2024-09-26T14:27:05+00:00") -> bytes:
    """A delivery body of a resource kind, with fresh ids: a distinct message each call."""
    data = {"account_id": str(uuid.uuid4()), "resource_id": str(uuid.uuid4())}
    message = {"type": kind, "timestamp": timestamp, "data": {**data, "resource_type": "cohorts"}}
    return json.dumps(message).encode()


def error_body(code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "id": ERROR_ID, "note": f"note for {code}"}
    body.update(overrides)
    return body


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a list and keeps every request."""

    def __init__(self, *responses: httpx.Response | Exception | Handler) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses[min(len(self.requests), len(self.responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        # A fresh copy each time: httpx rewraps a response's stream for the client that
        # receives it, so one object cannot serve a sync and then an async client.
        return httpx.Response(
            answer.status_code, headers=answer.headers, content=answer.read(), request=request
        )

    def client(self, kind: str = "sync", **options: Any) -> Faraday:
        """A client whose transport is this recorder: ``Faraday``, or (``kind="async"``)
        an ``AsyncFaraday`` seen through ``blocking`` so one test body drives either."""
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("api_key", API_KEY)
        options.setdefault("base_url", "https://api.faraday.test/v1")
        transport = httpx.MockTransport(self)
        if kind == "async":
            return blocking(
                AsyncFaraday(http_client=httpx.AsyncClient(transport=transport), **options)
            )
        return Faraday(http_client=httpx.Client(transport=transport), **options)

    def sent_json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


_PORTAL: list[BlockingPortal] = []
_PORTAL_STACK = ExitStack()


def portal() -> BlockingPortal:
    """One event loop in a background thread, shared by every blocking view (see conftest)."""
    if not _PORTAL:
        _PORTAL.append(_PORTAL_STACK.enter_context(start_blocking_portal()))
    return _PORTAL[0]


def close_portal() -> None:
    _PORTAL_STACK.close()
    _PORTAL.clear()


class _Blocking:
    """An async object whose coroutine methods run to completion on the shared portal."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.iscoroutinefunction(value):
            return lambda *args, **kwargs: portal().call(functools.partial(value, *args, **kwargs))
        if type(value).__module__.startswith("faraday_webhooks"):
            return _Blocking(value)  # a resource namespace: client.webhooks
        return value

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        portal().call(self._target.close)


def blocking(client: AsyncFaraday) -> Faraday:
    """``client`` with the sync client's surface: ``client.webhooks.create(...)`` returns
    the result. Tests written once for ``Faraday`` run unchanged against ``AsyncFaraday``."""
    return cast(Faraday, _Blocking(client))


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@contextmanager
def scripted_server(
    status: int, body: bytes, content_type: str = "application/json", **headers: str
) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that answers every request the same way; yields its URL.

    For what the sandbox never does on purpose: a proxy's page, a server that echoes.
    """

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():  # retry_after="2" -> Retry-After: 2
                self.send_header(name.replace("_", "-").title(), value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield url


def _client_hung_up() -> bool:
    # A client resetting mid-request is what many tests do on purpose; socketserver
    # would print its traceback in the middle of a passing run. Anything else prints.
    return isinstance(sys.exc_info()[1], ConnectionError)


class QuietHTTPServer(http.server.ThreadingHTTPServer):
    """A test server that prints no traceback when a client resets its connection."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not _client_hung_up():
            super().handle_error(request, client_address)


class QuietWSGIServer(wsgiref.simple_server.WSGIServer):
    """``wsgiref``'s server, as quiet about a reset connection as ``QuietHTTPServer``."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not _client_hung_up():
            super().handle_error(request, client_address)


@contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served by a real threaded HTTP server on 127.0.0.1; yields its URL."""
    server = QuietHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
