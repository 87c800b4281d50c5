"""``Faraday`` and ``AsyncFaraday``: the clients users construct."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

import httpx

from ._base_client import AsyncAPIClient, SyncAPIClient
from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    TimeoutTypes,
    resolve_config,
)
from ._retries import RetryPolicy
from .resources.webhooks import AsyncWebhooks, Webhooks

__all__ = ["AsyncFaraday", "Faraday"]


class Faraday(SyncAPIClient):
    """The Faraday API client.

    Arguments fall back to ``FARADAY_API_KEY`` and ``FARADAY_BASE_URL``; with no
    key anywhere, construction raises ``ConfigurationError``. ``timeout`` applies
    to each network operation (httpx's meaning); ``total_timeout``, when set, bounds
    a whole call: every attempt, the waits between them, the wait for headers and
    reading the body. A cleartext ``http://`` base URL must be loopback unless
    ``allow_insecure_http=True``.

    Example::

        from faraday_webhooks import Faraday

        with Faraday() as client:
            endpoint = client.webhooks.create(
                url="https://example.com/hooks",
                enabled_events=["resource.ready_with_update"],
            )
    """

    webhooks: Webhooks

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        total_timeout: float | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        config = resolve_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            total_timeout=total_timeout,
            allow_insecure_http=allow_insecure_http,
        )
        super().__init__(config, http_client, retry_policy)
        self.webhooks = Webhooks(self)

    def __enter__(self) -> Faraday:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncFaraday(AsyncAPIClient):
    """The Faraday API client for async code (asyncio or trio, as httpx supports).

    Takes the same arguments as ``Faraday`` (``http_client`` an ``httpx.AsyncClient``).

    Example::

        from faraday_webhooks import AsyncFaraday

        async with AsyncFaraday() as client:
            endpoint = await client.webhooks.create(
                url="https://example.com/hooks",
                enabled_events=["resource.ready_with_update"],
            )
    """

    webhooks: AsyncWebhooks

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        total_timeout: float | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        config = resolve_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            total_timeout=total_timeout,
            allow_insecure_http=allow_insecure_http,
        )
        super().__init__(config, http_client, retry_policy)
        self.webhooks = AsyncWebhooks(self)

    async def __aenter__(self) -> AsyncFaraday:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
