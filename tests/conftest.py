"""Shared fixtures: a real sandbox on 127.0.0.1 and clients pointed at it (helpers: helpers.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engines import postgres_server, redis_server
from faraday_webhooks import AsyncFaraday, Faraday
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, EXPIRED_KEY, FAST_RETRIES, blocking, close_portal

# ./generate.sh runs the generator of the Python running the tests, not .venv's.
os.environ.setdefault("FARADAY_GENERATOR_BIN", str(Path(sys.executable).parent))


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


@pytest.fixture(params=["sync", "async"])
def client_kind(request: pytest.FixtureRequest) -> str:
    """Run a test against ``Faraday`` and against ``AsyncFaraday`` (through ``blocking``)."""
    kind: str = request.param
    return kind


@pytest.fixture
def either_client(sandbox: Sandbox, client_kind: str) -> Iterator[Faraday]:
    """A sync or an async client on the sandbox, one test body for both."""
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": sandbox.base_url,
        "retry_policy": FAST_RETRIES,
    }
    made = Faraday(**options) if client_kind == "sync" else blocking(AsyncFaraday(**options))
    with made:
        yield made


@pytest.fixture(scope="session", autouse=True)
def _shared_event_loop_for_blocking_views() -> Iterator[None]:
    yield
    close_portal()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: spread over pytest-xdist's workers from the start, they
    overlap the rest of the suite instead of finishing alone at its end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# The database servers of the receiving-side tests (Debian's packages, started by
# engines.py): one of each per test module, and only for a module that asks.
@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    with redis_server() as port:
        yield port


@pytest.fixture(scope="module")
def postgres_conninfo() -> Iterator[str]:
    with postgres_server() as conninfo:
        yield conninfo
