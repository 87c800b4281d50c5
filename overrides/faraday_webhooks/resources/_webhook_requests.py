"""What each ``client.webhooks`` call sends: checked inputs as the generated request
models, and the generated endpoint modules that build the requests.

Every check happens here, before anything is sent (``InvalidRequestError``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from faraday_webhooks_api.models import WebhookEndpoint as GeneratedWebhookEndpoint
from faraday_webhooks_api.models import (
    WebhookEndpointMergePatch,
    WebhookEndpointPost,
    WebhookEndpointStatus,
)

from .._call import NotGiven
from .._models import WebhookEndpoint
from .._operations import lazy_module
from .._validation import check_endpoint_ids, check_event_types, check_status, check_url
from ..errors import InvalidRequestError

__all__ = [
    "MAX_IDS_PER_REQUEST",
    "create_webhook_endpoint",
    "delete_webhook_endpoint",
    "get_webhook_endpoint",
    "get_webhook_endpoints",
    "id_batches",
    "merge_patch",
    "new_endpoint",
    "public_endpoint",
    "public_endpoints",
    "update_webhook_endpoint",
]

if TYPE_CHECKING:
    from faraday_webhooks_api.api.webhooks import (
        create_webhook_endpoint,
        delete_webhook_endpoint,
        get_webhook_endpoint,
        get_webhook_endpoints,
        update_webhook_endpoint,
    )

else:
    # Loaded at their first call: each imports the generator's Client classes.
    _API = "faraday_webhooks_api.api.webhooks."
    create_webhook_endpoint = lazy_module(_API + "create_webhook_endpoint")
    delete_webhook_endpoint = lazy_module(_API + "delete_webhook_endpoint")
    get_webhook_endpoint = lazy_module(_API + "get_webhook_endpoint")
    get_webhook_endpoints = lazy_module(_API + "get_webhook_endpoints")
    update_webhook_endpoint = lazy_module(_API + "update_webhook_endpoint")

# openapi.yaml's maxItems for the ids query parameter (Faraday: "up to 100").
MAX_IDS_PER_REQUEST = 100


def public_endpoint(endpoint: GeneratedWebhookEndpoint) -> WebhookEndpoint:
    """The endpoint as users receive it (``call`` parses into the public subclass)."""
    if not isinstance(endpoint, WebhookEndpoint):  # pragma: no cover - PUBLIC_MODELS says so
        raise TypeError(f"expected a WebhookEndpoint, got {type(endpoint).__name__}")
    return endpoint


def public_endpoints(endpoints: list[GeneratedWebhookEndpoint]) -> list[WebhookEndpoint]:
    """``public_endpoint`` for a whole list answer, in one C-level pass."""
    if not all(map(isinstance, endpoints, itertools.repeat(WebhookEndpoint))):  # pragma: no cover
        raise TypeError("expected a list of WebhookEndpoint")
    return cast(list[WebhookEndpoint], endpoints)


def new_endpoint(url: str, enabled_events: Sequence[str]) -> WebhookEndpointPost:
    """The body of a create: a checked URL and a checked, non-empty list of event types."""
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
    enabled_events: Sequence[str] | NotGiven,
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
