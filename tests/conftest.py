"""Shared fixtures: a real sandbox on 127.0.0.1, clients pointed at it, and helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from faraday_webhooks import Faraday, RetryPolicy
from faraday_webhooks.testing import Sandbox

API_KEY = "sk_test_4f9a2c7e1b"
EXPIRED_KEY = "sk_test_expired_0c3d"
EVENT = "resource.ready_with_update"
ENDPOINT_ID = "2c1881c4-a0c0-424d-89e1-b481f3cb118c"
ERROR_ID = "082f9513-901c-4308-8081-902a8fe22d7e"

# Retries in tests wait milliseconds, not seconds.
FAST_RETRIES = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05, max_retry_after=0.2)


# Every async test runs under both event loops httpx supports.
@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(api_keys=[API_KEY], expired_api_keys=[EXPIRED_KEY]) as running:
        yield running


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Faraday]:
    with Faraday(api_key=API_KEY, base_url=sandbox.base_url, retry_policy=FAST_RETRIES) as made:
        yield made


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
        return answer

    def client(self, **options: Any) -> Faraday:
        options.setdefault("retry_policy", FAST_RETRIES)
        return Faraday(
            api_key=API_KEY,
            base_url="https://api.faraday.test/v1",
            http_client=httpx.Client(transport=httpx.MockTransport(self)),
            **options,
        )

    def sent_json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)
