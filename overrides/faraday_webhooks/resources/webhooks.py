"""``client.webhooks``: create, list, retrieve, update, delete, enable and disable endpoints.

A thin, typed layer over ``client.call``: each method checks its inputs and builds
the generated request model (``_webhook_requests.py``; nothing is sent on
failure), then calls the generated operation through the one request path. Sync
and async share every step but the ``await``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from faraday_webhooks_api.models import WebhookEndpointStatus

from .._call import NOT_GIVEN, NotGiven
from .._config import TimeoutTypes
from .._models import WebhookEndpoint
from ._webhook_requests import (
    MAX_IDS_PER_REQUEST,
    create_webhook_endpoint,
    delete_webhook_endpoint,
    get_webhook_endpoint,
    get_webhook_endpoints,
    id_batches,
    merge_patch,
    new_endpoint,
    public_endpoint,
    public_endpoints,
    update_webhook_endpoint,
)

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient

__all__ = ["MAX_IDS_PER_REQUEST", "AsyncWebhooks", "Webhooks"]


class Webhooks:
    """``client.webhooks`` on the sync ``Faraday`` client."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def create(
        self,
        *,
        url: str,
        enabled_events: Sequence[str],
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Register a webhook endpoint; the result's ``secret`` signs its deliveries.

        Never retried after the request may have reached Faraday (unless openapi.yaml
        declares an ``Idempotency-Key`` for it), so a retry cannot register it twice.

        Example::

            endpoint = client.webhooks.create(
                url="https://example.com/hooks",
                enabled_events=["resource.ready_with_update"],
            )
            store_secret(endpoint.id, endpoint.secret)
        """
        body = new_endpoint(url, enabled_events)
        created = self._client.call(
            create_webhook_endpoint, body=body, timeout=timeout, extra_headers=extra_headers
        )
        return public_endpoint(created)

    def list(
        self,
        *,
        ids: Iterable[str | UUID] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> list[WebhookEndpoint]:
        """Every webhook endpoint on the account, or only those with ``ids``.

        ``ids`` may be any number of str or UUID ids: they are asked for 100 a request,
        and the answers joined. If any request fails, its exception is raised and
        nothing is returned. ``ids=[]`` returns ``[]`` without a request.

        Example::

            for endpoint in client.webhooks.list():
                print(endpoint.id, endpoint.url, endpoint.status)
        """
        found: list[WebhookEndpoint] = []
        for params in id_batches(ids):
            batch = self._client.call(
                get_webhook_endpoints, timeout=timeout, extra_headers=extra_headers, **params
            )
            found += public_endpoints(batch)
        return found

    def retrieve(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """One webhook endpoint by id; ``NotFoundError`` if there is none.

        Example::

            endpoint = client.webhooks.retrieve("2c1881c4-a0c0-424d-89e1-b481f3cb118c")
        """
        found = self._client.call(
            get_webhook_endpoint,
            webhook_endpoint_id=endpoint_id,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        return public_endpoint(found)

    def update(
        self,
        endpoint_id: str | UUID,
        *,
        url: str | NotGiven = NOT_GIVEN,
        enabled_events: Sequence[str] | NotGiven = NOT_GIVEN,
        status: str | WebhookEndpointStatus | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Change only the fields given (a JSON merge patch).

        Example::

            client.webhooks.update(endpoint.id, enabled_events=["resource.errored"])
        """
        patch = merge_patch(url, enabled_events, status)
        found = self._client.call(
            update_webhook_endpoint,
            webhook_endpoint_id=endpoint_id,
            body=patch,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        return public_endpoint(found)

    def delete(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Delete a webhook endpoint; ``NotFoundError`` if it does not exist.

        Example::

            client.webhooks.delete(endpoint.id)
        """
        self._client.call(
            delete_webhook_endpoint,
            webhook_endpoint_id=endpoint_id,
            timeout=timeout,
            extra_headers=extra_headers,
        )

    def disable(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Stop deliveries to an endpoint without deleting it: ``update(id, status="disabled")``.

        Example::

            client.webhooks.disable(endpoint.id)
        """
        return self.update(
            endpoint_id,
            status=WebhookEndpointStatus.DISABLED,
            timeout=timeout,
            extra_headers=extra_headers,
        )

    def enable(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Resume deliveries to an endpoint: ``update(id, status="enabled")``.

        Example::

            client.webhooks.enable(endpoint.id)
        """
        return self.update(
            endpoint_id,
            status=WebhookEndpointStatus.ENABLED,
            timeout=timeout,
            extra_headers=extra_headers,
        )


class AsyncWebhooks:
    """``client.webhooks`` on ``AsyncFaraday``: the same methods, awaited."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        url: str,
        enabled_events: Sequence[str],
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Register a webhook endpoint (see ``Webhooks.create``).

        Example::

            endpoint = await client.webhooks.create(url=url, enabled_events=["resource.errored"])
        """
        body = new_endpoint(url, enabled_events)
        created = await self._client.call(
            create_webhook_endpoint, body=body, timeout=timeout, extra_headers=extra_headers
        )
        return public_endpoint(created)

    async def list(
        self,
        *,
        ids: Iterable[str | UUID] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> list[WebhookEndpoint]:
        """Every webhook endpoint on the account, or only those with ``ids`` (100 a request).

        Example::

            endpoints = await client.webhooks.list(ids=wanted)
        """
        found: list[WebhookEndpoint] = []
        for params in id_batches(ids):
            batch = await self._client.call(
                get_webhook_endpoints, timeout=timeout, extra_headers=extra_headers, **params
            )
            found += public_endpoints(batch)
        return found

    async def retrieve(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """One webhook endpoint by id; ``NotFoundError`` if there is none.

        Example::

            endpoint = await client.webhooks.retrieve(endpoint_id)
        """
        found = await self._client.call(
            get_webhook_endpoint,
            webhook_endpoint_id=endpoint_id,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        return public_endpoint(found)

    async def update(
        self,
        endpoint_id: str | UUID,
        *,
        url: str | NotGiven = NOT_GIVEN,
        enabled_events: Sequence[str] | NotGiven = NOT_GIVEN,
        status: str | WebhookEndpointStatus | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Change only the fields given (a JSON merge patch).

        Example::

            await client.webhooks.update(endpoint_id, url="https://example.com/new")
        """
        patch = merge_patch(url, enabled_events, status)
        found = await self._client.call(
            update_webhook_endpoint,
            webhook_endpoint_id=endpoint_id,
            body=patch,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        return public_endpoint(found)

    async def delete(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Delete a webhook endpoint; ``NotFoundError`` if it does not exist.

        Example::

            await client.webhooks.delete(endpoint_id)
        """
        await self._client.call(
            delete_webhook_endpoint,
            webhook_endpoint_id=endpoint_id,
            timeout=timeout,
            extra_headers=extra_headers,
        )

    async def disable(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Stop deliveries to an endpoint without deleting it.

        Example::

            await client.webhooks.disable(endpoint_id)
        """
        return await self.update(
            endpoint_id,
            status=WebhookEndpointStatus.DISABLED,
            timeout=timeout,
            extra_headers=extra_headers,
        )

    async def enable(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """Resume deliveries to an endpoint.

        Example::

            await client.webhooks.enable(endpoint_id)
        """
        return await self.update(
            endpoint_id,
            status=WebhookEndpointStatus.ENABLED,
            timeout=timeout,
            extra_headers=extra_headers,
        )
