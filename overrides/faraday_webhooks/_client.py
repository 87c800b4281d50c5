"""``Faraday`` and ``AsyncFaraday``: the clients users construct (their arguments are
``BaseClient``'s, in ``_base_client.py``)."""

from __future__ import annotations

import functools

from ._base_client import AsyncAPIClient, SyncAPIClient
from .resources.webhooks import AsyncWebhooks, Webhooks

__all__ = ["AsyncFaraday", "Faraday"]


class Faraday(SyncAPIClient):
    """The Faraday API client.

    Arguments fall back to ``FARADAY_API_KEY`` and ``FARADAY_BASE_URL``; with no
    key anywhere, construction raises ``ConfigurationError``. ``timeout`` applies
    to each network operation (httpx's meaning); ``total_timeout``, when set, bounds
    a whole call: every attempt, the waits between them and reading the body. A
    cleartext ``http://`` base URL must be loopback unless ``allow_insecure_http=True``.

    Example:

    ```python
    from faraday_webhooks import Faraday

    with Faraday() as client:
        endpoint = client.webhooks.create(
            url="https://example.com/hooks",
            enabled_events=["resource.ready_with_update"],
        )
    ```
    """

    @functools.cached_property
    def webhooks(self) -> Webhooks:
        """Webhook endpoints: create, list, retrieve, update, enable, disable, delete."""
        return Webhooks(self)

    def __enter__(self) -> Faraday:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncFaraday(AsyncAPIClient):
    """The Faraday API client for async code (asyncio or trio, as httpx supports).

    Takes the same arguments as ``Faraday`` (``http_client`` an ``httpx.AsyncClient``).

    Example:

    ```python
    from faraday_webhooks import AsyncFaraday

    async with AsyncFaraday() as client:
        endpoint = await client.webhooks.create(
            url="https://example.com/hooks",
            enabled_events=["resource.ready_with_update"],
        )
    ```
    """

    @functools.cached_property
    def webhooks(self) -> AsyncWebhooks:
        """Webhook endpoints: the ``Faraday.webhooks`` methods, awaited."""
        return AsyncWebhooks(self)

    async def __aenter__(self) -> AsyncFaraday:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
