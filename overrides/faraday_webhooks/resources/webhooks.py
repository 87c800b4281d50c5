"""``client.webhooks``: create, list, retrieve, update, delete, enable and disable endpoints.

Each operation is built once, as an ``APICall``, by a function shared by the
sync and async namespaces: inputs are checked (nothing is sent on failure),
then the generated endpoint module builds the request from the generated model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from faraday_api_client.models import (
    WebhookEndpointMergePatch,
    WebhookEndpointPost,
    WebhookEndpointStatus,
)
from faraday_api_client.types import UNSET

from .._base_client import NOT_GIVEN, APICall, NotGiven
from .._config import TimeoutTypes
from .._models import WebhookEndpoint
from .._validation import (
    check_endpoint_id,
    check_endpoint_ids,
    check_event_types,
    check_status,
    check_url,
)
from ..errors import InvalidRequestError

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient

__all__ = ["MAX_IDS_PER_REQUEST", "AsyncWebhooks", "Webhooks"]

# openapi.yaml's maxItems for the ids query parameter (Faraday: "up to 100").
MAX_IDS_PER_REQUEST = 100


def _parse_endpoint(body: Any) -> WebhookEndpoint:
    return WebhookEndpoint.from_dict(body)


def _parse_endpoint_list(body: Any) -> list[WebhookEndpoint]:
    if not isinstance(body, list):
        raise TypeError(f"expected a JSON array of webhook endpoints, got {type(body).__name__}")
    return [WebhookEndpoint.from_dict(item) for item in body]


def create_call(url: str, enabled_events: Sequence[str]) -> APICall[WebhookEndpoint]:
    """The checked ``POST /webhook_endpoints`` call."""
    # Each generated endpoint module is imported where its operation is built, so a
    # program pays the import cost of only the operations it uses.
    from faraday_api_client.api.webhooks import create_webhook_endpoint

    body = WebhookEndpointPost(enabled_events=check_event_types(enabled_events), url=check_url(url))
    return APICall.from_generated(
        create_webhook_endpoint._get_kwargs(body=body), success_status=201, parse=_parse_endpoint
    )


def list_calls(ids: Iterable[str | UUID] | None) -> list[APICall[list[WebhookEndpoint]]]:
    """The checked ``GET /webhook_endpoints`` calls: one, or one per 100 ``ids``.

    Faraday takes at most ``MAX_IDS_PER_REQUEST`` ids a request; more are split into
    batches whose answers ``list`` concatenates. No ids at all means no request.
    """
    from faraday_api_client.api.webhooks import get_webhook_endpoints

    if ids is None:
        kwargs = get_webhook_endpoints._get_kwargs()
        return [APICall.from_generated(kwargs, success_status=200, parse=_parse_endpoint_list)]
    checked = check_endpoint_ids(ids)
    return [
        APICall.from_generated(
            get_webhook_endpoints._get_kwargs(ids=checked[start : start + MAX_IDS_PER_REQUEST]),
            success_status=200,
            parse=_parse_endpoint_list,
        )
        for start in range(0, len(checked), MAX_IDS_PER_REQUEST)
    ]


def retrieve_call(endpoint_id: str | UUID) -> APICall[WebhookEndpoint]:
    """The checked ``GET /webhook_endpoints/{id}`` call."""
    from faraday_api_client.api.webhooks import get_webhook_endpoint

    kwargs = get_webhook_endpoint._get_kwargs(check_endpoint_id(endpoint_id))
    return APICall.from_generated(kwargs, success_status=200, parse=_parse_endpoint)


def update_call(
    endpoint_id: str | UUID,
    *,
    url: str | NotGiven,
    enabled_events: Sequence[str] | NotGiven,
    status: str | WebhookEndpointStatus | NotGiven,
) -> APICall[WebhookEndpoint]:
    """The checked ``PATCH /webhook_endpoints/{id}`` merge patch: only the fields given."""
    from faraday_api_client.api.webhooks import update_webhook_endpoint

    checked_id = check_endpoint_id(endpoint_id)
    if all(isinstance(value, NotGiven) for value in (url, enabled_events, status)):
        raise InvalidRequestError("update needs at least one of url, enabled_events or status")
    patch = WebhookEndpointMergePatch(
        url=UNSET if isinstance(url, NotGiven) else check_url(url),
        enabled_events=UNSET
        if isinstance(enabled_events, NotGiven)
        else check_event_types(enabled_events),
        status=UNSET if isinstance(status, NotGiven) else check_status(status),
    )
    kwargs = update_webhook_endpoint._get_kwargs(checked_id, body=patch)
    return APICall.from_generated(kwargs, success_status=200, parse=_parse_endpoint)


def delete_call(endpoint_id: str | UUID) -> APICall[None]:
    """The checked ``DELETE /webhook_endpoints/{id}`` call."""
    from faraday_api_client.api.webhooks import delete_webhook_endpoint

    kwargs = delete_webhook_endpoint._get_kwargs(check_endpoint_id(endpoint_id))
    return APICall.from_generated(kwargs, success_status=204, parse=None)


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

        Never retried after the request may have reached Faraday, so a retry
        cannot register the endpoint twice.

        Example::

            endpoint = client.webhooks.create(
                url="https://example.com/hooks",
                enabled_events=["resource.ready_with_update"],
            )
            store_secret(endpoint.id, endpoint.secret)
        """
        call = create_call(url, enabled_events)
        result = self._client.request(call, timeout=timeout, extra_headers=extra_headers)
        return cast(WebhookEndpoint, result)

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
        for call in list_calls(ids):
            result = self._client.request(call, timeout=timeout, extra_headers=extra_headers)
            found.extend(cast(list[WebhookEndpoint], result))
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
        call = retrieve_call(endpoint_id)
        return cast(
            WebhookEndpoint,
            self._client.request(call, timeout=timeout, extra_headers=extra_headers),
        )

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
        call = update_call(endpoint_id, url=url, enabled_events=enabled_events, status=status)
        return cast(
            WebhookEndpoint,
            self._client.request(call, timeout=timeout, extra_headers=extra_headers),
        )

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
        self._client.request(delete_call(endpoint_id), timeout=timeout, extra_headers=extra_headers)

    def disable(self, endpoint_id: str | UUID, **options: Any) -> WebhookEndpoint:
        """Stop deliveries to an endpoint without deleting it: ``update(id, status="disabled")``."""
        return self.update(endpoint_id, status=WebhookEndpointStatus.DISABLED, **options)

    def enable(self, endpoint_id: str | UUID, **options: Any) -> WebhookEndpoint:
        """Resume deliveries to an endpoint: ``update(id, status="enabled")``."""
        return self.update(endpoint_id, status=WebhookEndpointStatus.ENABLED, **options)


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
        call = create_call(url, enabled_events)
        result = await self._client.request(call, timeout=timeout, extra_headers=extra_headers)
        return cast(WebhookEndpoint, result)

    async def list(
        self,
        *,
        ids: Iterable[str | UUID] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> list[WebhookEndpoint]:
        """Every webhook endpoint on the account, or only those with ``ids`` (100 a request)."""
        found: list[WebhookEndpoint] = []
        for call in list_calls(ids):
            result = await self._client.request(call, timeout=timeout, extra_headers=extra_headers)
            found.extend(cast(list[WebhookEndpoint], result))
        return found

    async def retrieve(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WebhookEndpoint:
        """One webhook endpoint by id; ``NotFoundError`` if there is none."""
        call = retrieve_call(endpoint_id)
        result = await self._client.request(call, timeout=timeout, extra_headers=extra_headers)
        return cast(WebhookEndpoint, result)

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
        """Change only the fields given (a JSON merge patch)."""
        call = update_call(endpoint_id, url=url, enabled_events=enabled_events, status=status)
        result = await self._client.request(call, timeout=timeout, extra_headers=extra_headers)
        return cast(WebhookEndpoint, result)

    async def delete(
        self,
        endpoint_id: str | UUID,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Delete a webhook endpoint; ``NotFoundError`` if it does not exist."""
        await self._client.request(
            delete_call(endpoint_id), timeout=timeout, extra_headers=extra_headers
        )

    async def disable(self, endpoint_id: str | UUID, **options: Any) -> WebhookEndpoint:
        """Stop deliveries to an endpoint without deleting it."""
        return await self.update(endpoint_id, status=WebhookEndpointStatus.DISABLED, **options)

    async def enable(self, endpoint_id: str | UUID, **options: Any) -> WebhookEndpoint:
        """Resume deliveries to an endpoint."""
        return await self.update(endpoint_id, status=WebhookEndpointStatus.ENABLED, **options)
