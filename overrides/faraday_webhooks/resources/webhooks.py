"""``client.webhooks``: create, list, retrieve, update, delete, enable and disable endpoints.

A thin, typed layer over ``client.call``: each method checks its inputs, builds the
generated request model (nothing is sent on failure) and names its generated operation
once; ``call`` sends it through the one request path. Sync and async share every step
but the ``await``. ``unwrap`` verifies a delivery with the client's webhook secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypedDict, TypeVar, Unpack
from uuid import UUID

from faraday_webhooks_api.api.webhooks import (
    create_webhook_endpoint,
    delete_webhook_endpoint,
    get_webhook_endpoint,
    get_webhook_endpoints,
    update_webhook_endpoint,
)
from faraday_webhooks_api.models import (
    WebhookEndpointMergePatch,
    WebhookEndpointPost,
    WebhookEndpointStatus,
    WebhookEventType,
)

from .._base_client import NOT_GIVEN, AsyncAPIClient, BaseClient, NotGiven, SyncAPIClient
from .._config import WEBHOOK_SECRET_ENV, TimeoutTypes
from .._models import WebhookEndpoint
from .._validation import check_endpoint_ids, check_event_types, check_status, check_url
from ..errors import ConfigurationError, InvalidRequestError, WebhookVerificationError
from ..events import WebhookEvent
from ..verify import DEFAULT_TOLERANCE, Body, Headers, verify_webhook

__all__ = ["MAX_IDS_PER_REQUEST", "AsyncWebhooks", "RequestOptions", "Webhooks"]

# Faraday's known types complete in an editor; any string is taken (a kind added later).
EventTypes = Sequence[WebhookEventType | str]
# The ids query parameter's maxItems in openapi.yaml (Faraday: "up to 100").
MAX_IDS_PER_REQUEST = 100


class RequestOptions(TypedDict, total=False):
    """What every ``client.webhooks`` method also takes, for that call alone."""

    timeout: TimeoutTypes | NotGiven  # seconds or an httpx.Timeout, instead of the client's
    extra_headers: Mapping[str, str] | None  # headers added to the request


def new_endpoint(url: str, enabled_events: EventTypes) -> WebhookEndpointPost:
    """The body of a create: a checked URL and a checked list of event types."""
    return WebhookEndpointPost(enabled_events=check_event_types(enabled_events), url=check_url(url))


def id_batches(ids: Iterable[str | UUID] | None) -> list[dict[str, Any]]:
    """The list calls' parameters: one call, or one per 100 ``ids`` (none for no ids)."""
    if ids is None:
        return [{}]
    checked = check_endpoint_ids(ids)
    return [
        {"ids": checked[start : start + MAX_IDS_PER_REQUEST]}
        for start in range(0, len(checked), MAX_IDS_PER_REQUEST)
    ]


def merge_patch(
    url: str | NotGiven,
    enabled_events: EventTypes | NotGiven,
    status: str | WebhookEndpointStatus | NotGiven,
) -> WebhookEndpointMergePatch:
    """Only the fields given: the others stay out of the JSON merge patch."""
    if all(isinstance(value, NotGiven) for value in (url, enabled_events, status)):
        raise InvalidRequestError("update needs at least one of url, enabled_events or status")
    return WebhookEndpointMergePatch(
        url=None if isinstance(url, NotGiven) else check_url(url),
        enabled_events=None
        if isinstance(enabled_events, NotGiven)
        else check_event_types(enabled_events),
        status=None if isinstance(status, NotGiven) else check_status(status),
    )


ClientT = TypeVar("ClientT", bound=BaseClient[Any])


class WebhooksBase(Generic[ClientT]):
    """What ``Webhooks`` and ``AsyncWebhooks`` share: the client, and ``unwrap``."""

    def __init__(self, client: ClientT) -> None:
        self._client = client

    def unwrap(
        self, body: Body, headers: Headers, *, tolerance: float = DEFAULT_TOLERANCE
    ) -> WebhookEvent:
        """Verify a delivery with the client's ``webhook_secret`` and return its typed event
        (``verify_webhook``, as openai's ``client.webhooks.unwrap``). With several secrets
        (a rotation), the first that verifies wins; when none does, the first one's
        ``WebhookVerificationError`` is raised. Not awaited on ``AsyncFaraday`` either.

        Example:

        ```python
        client = Faraday(webhook_secret=endpoint.secret)  # or FARADAY_WEBHOOK_SECRET
        event = client.webhooks.unwrap(request.body, request.headers)
        ```
        """
        secrets = self._client._config.webhook_secrets
        if not secrets:
            raise ConfigurationError(
                f"No webhook secret: pass webhook_secret=... or set {WEBHOOK_SECRET_ENV}"
            )
        problems = []
        for secret in secrets:
            try:
                return verify_webhook(body, headers, secret, tolerance=tolerance)
            except WebhookVerificationError as problem:
                problems.append(problem)
        raise problems[0]


class Webhooks(WebhooksBase[SyncAPIClient]):
    """``client.webhooks`` on the sync ``Faraday`` client.

    Every method also takes ``timeout=`` and ``extra_headers=`` (``RequestOptions``).
    """

    def create(
        self, *, url: str, enabled_events: EventTypes, **options: Unpack[RequestOptions]
    ) -> WebhookEndpoint:
        """Register a webhook endpoint; the result's ``secret`` signs its deliveries.

        Never retried after the request may have reached Faraday (unless openapi.yaml
        declares an ``Idempotency-Key`` for it), so a retry cannot register it twice.

        Example:

        ```python
        endpoint = client.webhooks.create(
            url="https://example.com/hooks",
            enabled_events=["resource.ready_with_update"],
        )
        store_secret(endpoint.id, endpoint.secret)
        ```
        """
        body = new_endpoint(url, enabled_events)
        return self._client.call(create_webhook_endpoint, body=body, **options)

    def list(
        self, *, ids: Iterable[str | UUID] | None = None, **options: Unpack[RequestOptions]
    ) -> list[WebhookEndpoint]:
        """Every webhook endpoint on the account, or only those with ``ids``.

        ``ids`` may be any number of str or UUID ids: they are asked for 100 a request,
        and the answers joined. If any request fails, its exception is raised and
        nothing is returned. ``ids=[]`` returns ``[]`` without a request.

        Example:

        ```python
        for endpoint in client.webhooks.list():
            print(endpoint.id, endpoint.url, endpoint.status)
        ```
        """
        found: list[WebhookEndpoint] = []
        for params in id_batches(ids):
            found += self._client.call(get_webhook_endpoints, **params, **options)
        return found

    def retrieve(
        self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]
    ) -> WebhookEndpoint:
        """One webhook endpoint by id; ``NotFoundError`` if there is none.

        Example:

        ```python
        endpoint = client.webhooks.retrieve("2c1881c4-a0c0-424d-89e1-b481f3cb118c")
        ```
        """
        return self._client.call(get_webhook_endpoint, webhook_endpoint_id=endpoint_id, **options)

    def update(
        self,
        endpoint_id: str | UUID,
        *,
        url: str | NotGiven = NOT_GIVEN,
        enabled_events: EventTypes | NotGiven = NOT_GIVEN,
        status: str | WebhookEndpointStatus | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> WebhookEndpoint:
        """Change only the fields given (a JSON merge patch).

        Example:

        ```python
        client.webhooks.update(endpoint.id, enabled_events=["resource.errored"])
        ```
        """
        patch = merge_patch(url, enabled_events, status)
        return self._client.call(
            update_webhook_endpoint, webhook_endpoint_id=endpoint_id, body=patch, **options
        )

    def delete(self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]) -> None:
        """Delete a webhook endpoint; ``NotFoundError`` if it does not exist.

        Example:

        ```python
        client.webhooks.delete(endpoint.id)
        ```
        """
        self._client.call(delete_webhook_endpoint, webhook_endpoint_id=endpoint_id, **options)

    def disable(
        self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]
    ) -> WebhookEndpoint:
        """Stop deliveries to an endpoint without deleting it: ``update(id, status="disabled")``.

        Example:

        ```python
        client.webhooks.disable(endpoint.id)
        ```
        """
        return self.update(endpoint_id, status=WebhookEndpointStatus.DISABLED, **options)

    def enable(self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]) -> WebhookEndpoint:
        """Resume deliveries to an endpoint: ``update(id, status="enabled")``.

        Example:

        ```python
        client.webhooks.enable(endpoint.id)
        ```
        """
        return self.update(endpoint_id, status=WebhookEndpointStatus.ENABLED, **options)


class AsyncWebhooks(WebhooksBase[AsyncAPIClient]):
    """``client.webhooks`` on ``AsyncFaraday``: the same methods, awaited (``unwrap``
    is not: it only computes)."""

    async def create(
        self, *, url: str, enabled_events: EventTypes, **options: Unpack[RequestOptions]
    ) -> WebhookEndpoint:
        """Register a webhook endpoint (see ``Webhooks.create``).

        Example:

        ```python
        endpoint = await client.webhooks.create(url=url, enabled_events=["resource.errored"])
        ```
        """
        body = new_endpoint(url, enabled_events)
        return await self._client.call(create_webhook_endpoint, body=body, **options)

    async def list(
        self, *, ids: Iterable[str | UUID] | None = None, **options: Unpack[RequestOptions]
    ) -> list[WebhookEndpoint]:
        """Every webhook endpoint on the account, or only those with ``ids`` (100 a request).

        Example:

        ```python
        endpoints = await client.webhooks.list(ids=wanted)
        ```
        """
        found: list[WebhookEndpoint] = []
        for params in id_batches(ids):
            found += await self._client.call(get_webhook_endpoints, **params, **options)
        return found

    async def retrieve(
        self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]
    ) -> WebhookEndpoint:
        """One webhook endpoint by id; ``NotFoundError`` if there is none.

        Example:

        ```python
        endpoint = await client.webhooks.retrieve(endpoint_id)
        ```
        """
        return await self._client.call(
            get_webhook_endpoint, webhook_endpoint_id=endpoint_id, **options
        )

    async def update(
        self,
        endpoint_id: str | UUID,
        *,
        url: str | NotGiven = NOT_GIVEN,
        enabled_events: EventTypes | NotGiven = NOT_GIVEN,
        status: str | WebhookEndpointStatus | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> WebhookEndpoint:
        """Change only the fields given (a JSON merge patch).

        Example:

        ```python
        await client.webhooks.update(endpoint_id, url="https://example.com/new")
        ```
        """
        patch = merge_patch(url, enabled_events, status)
        return await self._client.call(
            update_webhook_endpoint, webhook_endpoint_id=endpoint_id, body=patch, **options
        )

    async def delete(self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]) -> None:
        """Delete a webhook endpoint; ``NotFoundError`` if it does not exist.

        Example:

        ```python
        await client.webhooks.delete(endpoint_id)
        ```
        """
        await self._client.call(delete_webhook_endpoint, webhook_endpoint_id=endpoint_id, **options)

    async def disable(
        self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]
    ) -> WebhookEndpoint:
        """Stop deliveries to an endpoint without deleting it.

        Example:

        ```python
        await client.webhooks.disable(endpoint_id)
        ```
        """
        return await self.update(endpoint_id, status=WebhookEndpointStatus.DISABLED, **options)

    async def enable(
        self, endpoint_id: str | UUID, **options: Unpack[RequestOptions]
    ) -> WebhookEndpoint:
        """Resume deliveries to an endpoint.

        Example:

        ```python
        await client.webhooks.enable(endpoint_id)
        ```
        """
        return await self.update(endpoint_id, status=WebhookEndpointStatus.ENABLED, **options)
