"""Webhook deliveries as events, typed by their ``type``.

    WebhookEvent          any verified delivery; ``data`` is the plain dict that was sent
    ├── ResourceEvent     resource.errored, resource.ready_with_update: typed ``data``
    └── <Kind>Event       one class per other message schema openapi.yaml maps a type to

Which message schema a type has comes from the ``WebhookMessage`` discriminator
mapping in openapi.yaml, which ``./generate.sh`` writes into the generated models
package, so a new kind of event needs a spec edit and ``./generate.sh``, not code here.

A delivery is never rejected for its shape: a type the spec does not map, or a
mapped type whose data does not match its schema (version skew), arrives as a
plain ``WebhookEvent`` with ``data`` as the dict that was sent. Acknowledge it.

Example:

```python
match verify_webhook(body, headers, secret):
    case ResourceEvent(data=data):
        refresh(data.resource_type, data.resource_id)
    case event:
        log.info("ignoring %s", event.type)  # still answer 2xx
```
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
from typing import Any, ClassVar

import attrs
from faraday_webhooks_api.models import (
    EVENT_DATA_MODELS,
    EVENT_MESSAGE_MODELS,
    WebhookMessageForEnrichmentJob,
    WebhookMessageForEnrichmentJobData,
    WebhookMessageForResource,
    WebhookMessageForResourceData,
)

from ._responses import PARSE_ERRORS, describe_parse_error

__all__ = ["EnrichmentJobEvent", "ResourceEvent", "WebhookEvent", "event_from_message"]

logger: logging.Logger = logging.getLogger("faraday_webhooks")


class InvalidEnvelope(ValueError):
    """The body is not a delivery at all (not an object with type, timestamp and data)."""


@attrs.define
class WebhookEvent:
    """A verified delivery. ``data`` is the dict that was sent, for kinds this package
    does not type; subclasses hold the generated model instead. Like dicts (``data`` may
    be one), events compare by value (type, timestamp, data) and are not hashable.

    ``timestamp`` is timezone-aware (a value sent without a zone is read as UTC);
    ``message_id`` is the id inside the signed content: deduplicate on it, never on a
    header alone.

    Example:

    ```python
    event = verify_webhook(body, headers, secret)
    if not isinstance(event, ResourceEvent):
        return 204  # a kind added after this release: acknowledge, never reject
    ```
    """

    # The generated message model this class types, or None for "any kind".
    message_model: ClassVar[type[Any] | None] = None

    type: str
    timestamp: datetime.datetime
    data: Any
    _message: dict[str, Any] | None = attrs.field(default=None, eq=False, repr=False)
    message_id: str | None = attrs.field(default=None, eq=False)

    @property
    def type_(self) -> str:
        """The same as ``type`` (the generated models' spelling, kept for older code)."""
        return self.type

    def to_dict(self) -> dict[str, Any]:
        """The delivery as the JSON object that was sent.

        Example:

        ```python
        archive.write(json.dumps(event.to_dict()))
        ```
        """
        if self._message is not None:
            return dict(self._message)
        data = self.data if isinstance(self.data, dict) else self.data.to_dict()
        return {"type": self.type, "timestamp": self.timestamp.isoformat(), "data": data}


class ResourceEvent(WebhookEvent):
    """``resource.errored`` or ``resource.ready_with_update``: a resource changed.

    ``data.account_id`` and ``data.resource_id`` are UUIDs; ``data.resource_type`` is a
    str (a ``ResourceType`` member when it is a kind Faraday's models name).

    Example:

    ```python
    if isinstance(event, ResourceEvent) and event.type == WebhookEventType.RESOURCE_ERRORED:
        alert(event.data.resource_type, event.data.resource_id)
    ```
    """

    __slots__ = ()
    message_model: ClassVar[type[Any] | None] = WebhookMessageForResource

    data: WebhookMessageForResourceData


class EnrichmentJobEvent(WebhookEvent):
    """``enrichment_job.succeeded``, ``.failed`` or ``.skipped``: a run of an enrichment.

    Example:

    ```python
    if isinstance(event, EnrichmentJobEvent) and event.data.status == "failed":
        alert(event.data.enrichment_id, event.data.status_error)
    ```
    """

    __slots__ = ()
    message_model: ClassVar[type[Any] | None] = WebhookMessageForEnrichmentJob

    data: WebhookMessageForEnrichmentJobData


def _event_class(model: type[Any]) -> type[WebhookEvent]:
    """The event class for a generated message model: one named above, or one made for it.

    A message schema added to openapi.yaml gets a class named after it
    (``WebhookMessageForBilling`` -> ``BillingEvent``) with no code here.
    """
    name = model.__name__.removeprefix("WebhookMessageFor") + "Event"
    doc = f"A delivery whose body is openapi.yaml's {model.__name__}."
    namespace = {"__slots__": (), "__module__": __name__, "__doc__": doc, "message_model": model}
    return _NAMED.get(model) or type(name, (WebhookEvent,), namespace)


# Event type -> (its data's model, its event class). Only data is parsed: the envelope
# checks settle type and timestamp, so a delivery is parsed once. A message whose data
# has no model of its own arrives untyped.
_NAMED = {named.message_model: named for named in (ResourceEvent, EnrichmentJobEvent)}
_KINDS: dict[str, tuple[Any, type[WebhookEvent]]] = {
    kind: (EVENT_DATA_MODELS[kind], _event_class(model))
    for kind, model in EVENT_MESSAGE_MODELS.items()
    if kind in EVENT_DATA_MODELS
}


# A leap second (hh:mm:60) is read as hh:mm:59, which a datetime can hold.
_leap_to_59 = functools.partial(re.compile(r"(?<=\d\d:\d\d):60").sub, ":59", count=1)


def _timestamp(value: Any) -> datetime.datetime:
    if not isinstance(value, str):
        raise InvalidEnvelope("its timestamp is not a string")
    text = value.upper()  # RFC 3339 allows a lower-case t and z, and a leap second
    try:
        moment = datetime.datetime.fromisoformat(_leap_to_59(text) if ":60" in text else text)
    except ValueError:
        raise InvalidEnvelope("its timestamp is not an ISO 8601 date-time") from None
    # Faraday sends an offset; one without is read as UTC so every timestamp compares.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def event_from_message(message: Any, *, message_id: str | None = None) -> WebhookEvent:
    """The event for a decoded delivery body; ``InvalidEnvelope`` if it is not one at all.

    Example:

    ```pycon
    >>> event = event_from_message({"type": "something.new", "timestamp":
    ...     "2024-09-26T14:27:05+00:00", "data": {"id": 1}})
    >>> type(event).__name__, event.data
    ('WebhookEvent', {'id': 1})

    ```
    """
    if not isinstance(message, dict):
        raise InvalidEnvelope("it is not a JSON object")
    event_type = message.get("type")
    if not isinstance(event_type, str):
        raise InvalidEnvelope("its type is missing or not a string")
    data = message.get("data")
    if not isinstance(data, dict):
        raise InvalidEnvelope("its data is missing or not an object")
    timestamp = _timestamp(message.get("timestamp"))
    kind = _KINDS.get(event_type)
    if kind is not None:
        model, event_class = kind
        try:
            # from_dict checks every field it reads (and reads a zoneless date-time as UTC).
            typed = model.from_dict(data)
        except PARSE_ERRORS as exc:
            # Version skew, not an attack: the signature was good. Deliver it untyped.
            reason = describe_parse_error(exc)
            skewed = (
                "webhook %s: the body does not match %s (%s); delivered as a plain WebhookEvent"
            )
            logger.warning(skewed, event_type, model.__name__, reason)
        else:
            return event_class(event_type, timestamp, typed, message, message_id)
    return WebhookEvent(event_type, timestamp, data, message, message_id)
