"""Verify and sign Faraday webhook deliveries (Standard Webhooks, HMAC-SHA256).

Faraday signs ``{id}.{timestamp}.{body}`` with the base64-decoded part of the
endpoint's ``whsec_`` secret and sends ``svix-id``, ``svix-timestamp`` and
``svix-signature``; other Standard Webhooks senders use ``webhook-*`` names for
the same values. Both families are read.

``WebhookVerifier(secret)`` keys HMAC once (``hmac.new``) and copies it for each
delivery; the module functions are thin wrappers over a small cache of verifiers, so
either form costs the same.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import functools
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._validation import check_number, is_message_id
from .errors import InvalidRequestError, WebhookVerificationError
from .events import InvalidEnvelope, WebhookEvent, event_from_message

__all__ = ["WebhookVerifier", "sign_webhook", "verify_webhook", "verify_webhook_signature"]

DEFAULT_TOLERANCE = 300  # seconds either side of now, as the specification recommends
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# Seconds since 1970 have 10 digits until the year 2286; 12 is generous. A longer
# header is refused before int() could overflow a float or hit Python's digit limit.
MAX_TIMESTAMP_DIGITS = 12
# A tolerance of years is a mistake; one of infinity would accept any replay.
MAX_TOLERANCE = 10**9
# A moment to verify at: seconds since the epoch, a datetime, or None for now.
Clock = float | int | datetime.datetime | None
Body = bytes | str  # the raw request body, exactly as received
Headers = Mapping[str, str] | Any  # any mapping, or pairs, of header names to values
PARTS = ("id", "timestamp", "signature")  # of each family's headers, in the order signed
NAMES = {family: tuple(f"{family}-{part}" for part in PARTS) for family in ("svix", "webhook")}


# Every reason a delivery is rejected, and what its error says (never the input).
REASONS = {
    "missing_header": "{problem}",
    "invalid_message_id": "The {family}-id header is not printable text of at most 1,000 bytes",
    "invalid_timestamp": "The {family}-timestamp header is not a whole number of seconds",
    "timestamp_too_old": "The delivery is older than the {tolerance:g}-second tolerance",
    "timestamp_too_new": "The delivery is dated more than {tolerance:g} seconds in the future",
    "no_signature": "The {family}-signature header has no v1 signature",
    "no_matching_signature": "No signature matches: wrong secret, or the delivery was altered",
    "invalid_secret": "The webhook secret {problem}",
    "invalid_payload": "{problem}",
}


def _rejected(reason: str, **details: Any) -> WebhookVerificationError:
    return WebhookVerificationError(reason, REASONS[reason].format(**details))


class WebhookVerifier:
    """Verifies (and signs) deliveries for one endpoint's ``whsec_`` secret.

    The secret is decoded and keyed once (``hmac.new``); each delivery copies that HMAC.
    Raises ``WebhookVerificationError("invalid_secret")`` for a malformed secret, and
    ``InvalidRequestError`` for a tolerance that is not a finite number of seconds >= 0.

    Example:

    ```python
    verifier = WebhookVerifier(os.environ["FARADAY_WEBHOOK_SECRET"])
    event = verifier.verify(request.body, request.headers)
    ```
    """

    __slots__ = ("_keyed", "_tolerance")

    def __init__(self, secret: str, *, tolerance: float = DEFAULT_TOLERANCE) -> None:
        self.tolerance = tolerance
        self._keyed = hmac.new(_decode_secret(secret), digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return f"WebhookVerifier(secret='whsec_***', tolerance={self.tolerance:g})"

    @property
    def tolerance(self) -> float:
        """Seconds a delivery's timestamp may be from now, either way; checked when set."""
        return self._tolerance

    @tolerance.setter
    def tolerance(self, seconds: float) -> None:
        self._tolerance = _tolerance(seconds)

    def verify(self, payload: bytes | str, headers: Headers, *, now: Clock = None) -> WebhookEvent:
        """Check signature and timestamp, then return the event (see ``verify_webhook``).

        Example:

        ```python
        event = verifier.verify(body, headers)
        ```
        """
        return _parse_event(*self._check(payload, headers, self._tolerance, now))

    def verify_signature(self, payload: bytes | str, headers: Headers, *, now: Clock = None) -> str:
        """The checks of ``verify`` without parsing the body; returns the verified message id
        (see ``verify_webhook_signature``).

        Example:

        ```python
        message_id = verifier.verify_signature(body, headers)
        ```
        """
        return self._check(payload, headers, self._tolerance, now)[1]

    def _check(self, payload: Any, headers: Any, tolerance: float, now: Any) -> tuple[bytes, str]:
        """The body, and the message id it was signed with, once headers, timestamp and
        signature check out."""
        current = time.time() if now is None else _checked_now(now)
        body = _as_bytes(payload, lambda text: _rejected("invalid_payload", problem=text))
        family, message_id, timestamp, signatures = _signature_headers(headers)
        if not is_message_id(message_id):  # the package's one definition (_validation.py)
            raise _rejected("invalid_message_id", family=family)
        text = timestamp.strip()
        if not text.isascii() or not text.isdigit() or len(text) > MAX_TIMESTAMP_DIGITS:
            raise _rejected("invalid_timestamp", family=family)
        if current - int(text) > tolerance:
            raise _rejected("timestamp_too_old", tolerance=tolerance)
        if int(text) - current > tolerance:
            raise _rejected("timestamp_too_new", tolerance=tolerance)
        expected = self._signature(message_id, timestamp, body)
        # Every v1 entry is compared (rotation lists), so timing tells not which one matched.
        matched = found_v1 = False
        for entry in signatures.split():
            version, _, candidate = entry.partition(",")
            if version == "v1" and candidate.isascii():
                found_v1 = True
                matched |= hmac.compare_digest(expected, candidate.encode())
        if not found_v1:
            raise _rejected("no_signature", family=family)
        if not matched:
            raise _rejected("no_matching_signature")
        return body, message_id

    def sign(
        self, payload: bytes | str, *, msg_id: str | None = None, timestamp: int | None = None
    ) -> dict[str, str]:
        """The ``svix-*`` headers Faraday would send with ``payload`` (see ``sign_webhook``).

        Example:

        ```python
        headers = verifier.sign(b'{"type": "resource.errored", ...}')
        ```
        """
        body = _as_bytes(payload, InvalidRequestError)
        msg_id = "msg_" + os.urandom(12).hex() if msg_id is None else msg_id
        if not is_message_id(msg_id):
            raise InvalidRequestError("msg_id must be printable text of 1 to 1,000 bytes")
        sent_at = int(time.time()) if timestamp is None else timestamp
        if type(sent_at) is not int or not 0 <= sent_at < 10**MAX_TIMESTAMP_DIGITS:
            raise InvalidRequestError(
                f"timestamp must be whole seconds since 1970, got {timestamp!r}"
            )
        sent, signature = str(sent_at), self._signature(msg_id, str(sent_at), body).decode()
        return {"svix-id": msg_id, "svix-timestamp": sent, "svix-signature": f"v1,{signature}"}

    def _signature(self, msg_id: str, timestamp: str, body: bytes) -> bytes:
        """Base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}``."""
        signer = self._keyed.copy()
        # surrogatepass: an id no sender could have signed must mismatch, not crash.
        signer.update(b"%s.%s." % (msg_id.encode("utf-8", "surrogatepass"), timestamp.encode()))
        signer.update(body)  # not joined: a large body is hashed without being copied
        return binascii.b2a_base64(signer.digest(), newline=False)


# -- module functions: the one obvious call, over a small cache of verifiers ---------


# A receiver verifies many deliveries with one secret. Small and bounded; it holds
# nothing the caller does not already hold.
@functools.lru_cache(maxsize=32)
def _cached_verifier(secret: str) -> WebhookVerifier:
    return WebhookVerifier(secret)


def _verifier(secret: str) -> WebhookVerifier:
    return _cached_verifier(secret) if isinstance(secret, str) else WebhookVerifier(secret)


def _tolerance(seconds: object) -> float:
    # A NaN or infinite tolerance would accept a delivery of any age: refuse it.
    return check_number(seconds, name="tolerance", maximum=MAX_TOLERANCE)


def verify_webhook(
    payload: Body, headers: Headers, secret: str, *, tolerance: float = 300, now: Clock = None
) -> WebhookEvent:
    """Check a delivery's signature and timestamp, then return the parsed event.

    ``payload`` is the raw body exactly as received (parse JSON only afterwards);
    ``headers`` is any mapping, read case-insensitively; ``secret`` is the
    endpoint's ``whsec_`` secret. ``tolerance`` is seconds either way; ``now``
    (seconds since the epoch, or a datetime) pins the clock for tests. Raises
    ``WebhookVerificationError`` whose ``reason`` names the failed check, and
    ``InvalidRequestError`` for a ``tolerance`` or ``now`` that is not a number.

    Example:

    ```python
    event = verify_webhook(request.body, request.headers, os.environ["FARADAY_WEBHOOK_SECRET"])
    match event:
        case ResourceEvent(type="resource.ready_with_update", data=data):
            refresh(data.resource_type, data.resource_id)
        case _:
            pass  # a kind this code does not handle (or know): acknowledge it anyway
    ```

    The result is a ``ResourceEvent`` (typed ``data``) for the resource.* types, or a
    plain ``WebhookEvent`` whose ``data`` is the dict sent, for any other type.
    """
    return _parse_event(*_verifier(secret)._check(payload, headers, _tolerance(tolerance), now))


def verify_webhook_signature(
    payload: Body, headers: Headers, secret: str, *, tolerance: float = 300, now: Clock = None
) -> str:
    """The checks of ``verify_webhook`` without parsing the body; returns the message id
    that was signed (the one to deduplicate on), or raises.

    For receivers that store or forward the raw body and parse it later (a
    queue, an archive). The body is trusted as bytes only: it may not even be
    JSON. Raises ``WebhookVerificationError`` exactly as ``verify_webhook`` does.

    Example:

    ```python
    message_id = verify_webhook_signature(request.body, request.headers, secret)
    queue.put((message_id, request.body))  # parse later, as you like
    ```
    """
    return _verifier(secret)._check(payload, headers, _tolerance(tolerance), now)[1]


def sign_webhook(
    payload: bytes | str, secret: str, *, msg_id: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """The ``svix-id``, ``svix-timestamp`` and ``svix-signature`` headers Faraday would send.

    For your own tests, and for the sandbox. Wrong argument types raise
    ``InvalidRequestError``; a malformed secret ``WebhookVerificationError``.

    Example:

    ```python
    headers = sign_webhook(body, endpoint.secret)
    httpx.post(receiver_url, content=body, headers=headers)
    ```
    """
    return _verifier(secret).sign(payload, msg_id=msg_id, timestamp=timestamp)


# -- the steps, each small enough to check at a glance -------------------------------


def _decode_secret(secret: str) -> bytes:
    """The key of a ``whsec_`` secret, read as standardwebhooks and svix read it: the
    prefix optional, surrounding whitespace (a file's trailing newline) ignored."""
    # Messages name the problem, never the secret.
    if not isinstance(secret, str):
        raise _rejected("invalid_secret", problem="must be a string")
    encoded = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        # Padding is optional in Standard Webhooks secrets; everything else must be base64.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _rejected("invalid_secret", problem="is not valid base64 (after 'whsec_')") from None
    if not key:
        raise _rejected("invalid_secret", problem="has no key")
    return key


def _as_bytes(payload: Any, error: Callable[[str], Exception]) -> bytes:
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload)
    if isinstance(payload, str):
        # surrogatepass: a str no HTTP body decodes to must fail the check, not crash it.
        return payload.encode("utf-8", "surrogatepass")
    raise error(
        f"payload must be the raw request body (bytes or str), not {type(payload).__name__}"
    )


def _checked_now(now: object) -> float:
    if isinstance(now, datetime.datetime):
        # A naive datetime is read as UTC, as event timestamps are.
        return (now if now.tzinfo is not None else now.replace(tzinfo=datetime.UTC)).timestamp()
    return check_number(now, name="now (seconds since the epoch, or a datetime)", maximum=1e13)


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _signature_headers(headers: Any) -> tuple[str, str, str, str]:
    """The header family in use and its id, timestamp and signature, read case-insensitively
    from any mapping (or pairs) a web framework hands over; ``missing_header`` otherwise."""
    try:
        pairs = headers.items() if hasattr(headers, "items") else headers
        found = {(name if name.__class__ is str else _text(name)).lower(): v for name, v in pairs}
    except Exception:
        raise _rejected("missing_header", problem="headers must map names to values") from None
    # Faraday's svix-* names, or Standard Webhooks' webhook-* when those are the ones sent.
    family = "svix" if "svix-signature" in found or "webhook-id" not in found else "webhook"
    values = [_text(found.get(name, "")) for name in NAMES[family]]
    for name, value in zip(NAMES[family], values, strict=True):
        if not value:
            raise _rejected("missing_header", problem=f"The {name} header is missing or empty")
    return family, values[0], values[1], values[2]


def _parse_event(body: bytes, message_id: str) -> WebhookEvent:
    # Only a body that is not a delivery at all is refused; its data's shape never is
    # (events.py: unknown kinds and version skew arrive as a plain WebhookEvent).
    try:
        try:
            message = json.loads(body.decode())
        except ValueError as error:  # an int past Python's 4,300 digits is valid JSON
            if "digits" not in str(error):
                raise
            message = _LONG_INTS.decode(body.decode())
        return event_from_message(message, message_id=message_id)
    except InvalidEnvelope as exc:
        problem = f"The signed body is not a webhook event: {exc}"
        raise _rejected("invalid_payload", problem=problem) from None
    except (ValueError, RecursionError) as exc:
        problem = f"The signed body is not JSON ({type(exc).__name__})"
        raise _rejected("invalid_payload", problem=problem) from None


_LONG_INTS = json.JSONDecoder(parse_int=decimal.Decimal)
