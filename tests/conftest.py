"""Shared fixtures: a real sandbox on 127.0.0.1 and clients pointed at it (helpers: helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from faraday_webhooks import Faraday
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, EXPIRED_KEY, FAST_RETRIES


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
