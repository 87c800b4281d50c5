"""Checks made on arguments before anything is sent.

Each returns the value in the form the generated models want, or raises
``InvalidRequestError`` naming the argument and the problem.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import h11  # httpx's HTTP/1.1 layer (through httpcore)
from faraday_webhooks_api.models import WebhookEndpointStatus, WebhookEventType

from .errors import InvalidRequestError

# The longest base URL the client takes: it protects the client's own URL handling.
MAX_URL_LENGTH = 2048
# A wait longer than a day is a mistake, and far larger ones overflow the socket layer.
MAX_SECONDS = 86_400.0
# What a message id is, wherever the package reads one (signing, verification, dedupe):
# printable text of 1 to 1,000 UTF-8 bytes. Svix's are 31 characters; PostgreSQL can
# index 1,000 bytes, and not the 4,000 that 1,000 characters may take.
MAX_ID_BYTES = 1_000
KNOWN_EVENT_TYPES = tuple(member.value for member in WebhookEventType)
logger = logging.getLogger("faraday_webhooks")


def is_message_id(value: object) -> bool:
    """Whether ``value`` is a message id the package can sign, verify and deduplicate.

    Example:

    ```pycon
    >>> is_message_id("msg_2mP7dNc3z5s4D0iXqo1qfTzF9bH"), is_message_id("x" * 1001)
    (True, False)

    ```
    """
    text = value if isinstance(value, str) else ""
    return text.isprintable() and 0 < len(text.encode("utf-8", "surrogatepass")) <= MAX_ID_BYTES


_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def _has_control_or_space(text: str) -> bool:
    return _SPACE_OR_CONTROL.search(text) is not None


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine.

    Example:

    ```pycon
    >>> is_loopback_host("127.0.0.1"), is_loopback_host("[::1]"), is_loopback_host("10.0.0.1")
    (True, True, False)

    ```
    """
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_number(
    value: Any,
    *,
    name: str,
    minimum: float = 0.0,
    above_minimum: bool = False,
    maximum: float = MAX_SECONDS,
    whole: bool = False,
    error: type[Exception] = InvalidRequestError,
) -> float:
    """A finite int or float within bounds (``bool`` is refused), or ``error`` saying so.

    The one check behind every number the package takes: timeouts, retry counts, waits.

    Example:

    ```pycon
    >>> check_number(2, name="max_retries", whole=True)
    2
    >>> check_number(float("inf"), name="timeout")
    Traceback (most recent call last):
    ...
    faraday_webhooks.errors.InvalidRequestError: timeout must be a number ... got inf

    ```
    """
    kind = type(value)
    ok = (kind is int or (kind is float and not whole)) and (
        (value > minimum if above_minimum else value >= minimum) and value <= maximum
    )
    if not ok:  # NaN fails every comparison, so it lands here too
        what = "a whole number" if whole else "a number"
        low = f"above {minimum:g}" if above_minimum else f"at least {minimum:g}"
        raise error(f"{name} must be {what} {low} and at most {maximum:g}, got {value!r}")
    return value  # type: ignore[no-any-return]


def check_url(url: Any, *, name: str = "url") -> str:
    """An absolute http(s) URL with a host, as a string.

    Example:

    ```pycon
    >>> check_url("https://example.com/hooks")
    'https://example.com/hooks'

    ```
    """
    if not isinstance(url, str):
        raise InvalidRequestError(f"{name} must be a string, not {type(url).__name__}")
    if not url:
        raise InvalidRequestError(f"{name} must not be empty")
    if _has_control_or_space(url):
        raise InvalidRequestError(f"{name} must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise InvalidRequestError(f"{name} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or port == 0:
        raise InvalidRequestError(f"{name} must start with http:// or https:// and name a host")
    return url


def check_event_types(enabled_events: Any) -> list[str | WebhookEventType]:
    """A list or tuple of event types, as a list; openapi.yaml's ``minItems: 1`` (an
    endpoint subscribed to nothing) is checked here too, before sending. A type that
    ``WebhookEventType`` does not name is sent as given, with a warning naming the known
    ones: it is a typo, or a kind Faraday added after this package was generated.

    Example:

    ```pycon
    >>> check_event_types(("resource.ready_with_update",))
    ['resource.ready_with_update']

    ```
    """
    if not isinstance(enabled_events, list | tuple):
        single = f": write [{enabled_events!r}]" if isinstance(enabled_events, str) else ""
        kind = type(enabled_events).__name__
        raise InvalidRequestError(f"enabled_events must be a list of strings, not {kind}{single}")
    if not enabled_events:
        raise InvalidRequestError("enabled_events must name at least one event type")
    for position, event_type in enumerate(enabled_events):
        if not isinstance(event_type, str) or not event_type or _has_control_or_space(event_type):
            raise InvalidRequestError(
                f"enabled_events[{position}] must be a non-empty event type without spaces, "
                f"got {event_type!r}"
            )
        if event_type not in KNOWN_EVENT_TYPES:
            known = ", ".join(KNOWN_EVENT_TYPES)
            logger.warning("event type %r is not one openapi.yaml names (%s)", event_type, known)
    return list(enabled_events)


# httpx frames every body itself: a second length or encoding would corrupt the request.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})


def check_headers(
    headers: Any, *, name: str, error: type[Exception] = InvalidRequestError
) -> dict[str, str]:
    """Extra HTTP headers as a dict, or ``error`` naming the bad header (never its value).

    Names and values are checked by h11, httpx's HTTP/1.1 layer, as it would check them
    on the wire, but before anything is sent (and whatever transport the client uses).

    Example:

    ```pycon
    >>> check_headers({"X-Team": "billing"}, name="extra_headers")
    {'X-Team': 'billing'}

    ```
    """
    if not isinstance(headers, Mapping):
        raise error(f"{name} must be a mapping of header names to values")
    for header, value in headers.items():
        if not isinstance(header, str) or not isinstance(value, str):
            raise error(f"{name} must map str names to str values")
        if header.lower() in _FRAMING_HEADERS:
            raise error(f"{name} may not set {header}: httpx frames the request body itself")
        try:
            h11.Request(method="GET", target="/", headers=[("Host", "-"), (header, value)])
        except (h11.LocalProtocolError, UnicodeError):
            # Values may be secrets (Authorization): say what is wrong, not what it is.
            raise error(
                f"{name} has a header HTTP forbids: {header[:100]!r} (names are tokens, "
                "values printable ASCII without line breaks)"
            ) from None
    return dict(headers)


def check_uuid(value: Any, *, name: str = "webhook_endpoint_id") -> UUID:
    """An id as a UUID (from a UUID or its text); a path is never built from anything else.

    Example:

    ```pycon
    >>> check_uuid("2c1881c4-a0c0-424d-89e1-b481f3cb118c")
    UUID('2c1881c4-a0c0-424d-89e1-b481f3cb118c')

    ```
    """
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a UUID or a string, not {type(value).__name__}")
    try:
        return UUID(value)
    except ValueError:
        raise InvalidRequestError(f"{name} must be a UUID, got {value[:100]!r}") from None


def check_endpoint_ids(values: Any) -> list[UUID]:
    """Any iterable of endpoint ids (str or UUID) as a list of distinct UUIDs, in order.

    Example:

    ```pycon
    >>> check_endpoint_ids(iter(["2c1881c4-a0c0-424d-89e1-b481f3cb118c"]))
    [UUID('2c1881c4-a0c0-424d-89e1-b481f3cb118c')]

    ```
    """
    if isinstance(values, (str, bytes, bytearray, UUID, Mapping)) or not isinstance(
        values, Iterable
    ):
        raise InvalidRequestError(
            f"ids must be an iterable of webhook endpoint ids, not {type(values).__name__}"
        )
    # "Only these endpoints" is a set: asking twice for one id returns it once.
    return list(dict.fromkeys(check_uuid(value, name="ids item") for value in values))


def check_status(value: Any) -> WebhookEndpointStatus:
    """``"enabled"`` or ``"disabled"`` (or the enum member) as the generated enum."""
    try:
        return WebhookEndpointStatus(value)
    except ValueError:
        allowed = ", ".join(member.value for member in WebhookEndpointStatus)
        raise InvalidRequestError(f"status must be one of {allowed}, got {value!r}") from None
