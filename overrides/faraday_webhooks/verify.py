"""Verify and sign Faraday webhook deliveries (Standard Webhooks, HMAC-SHA256).

Faraday signs ``{id}.{timestamp}.{body}`` with the base64-decoded part of the
endpoint's ``whsec_`` secret and sends ``svix-id``, ``svix-timestamp`` and
``svix-signature``; other Standard Webhooks senders use ``webhook-*`` names for
the same values. Both families are read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from typing import Any

from ._model_check import PARSE_ERRORS
from .errors import WebhookVerificationError
from .events import InvalidEnvelope, WebhookEvent, event_from_message

__all__ = ["DEFAULT_TOLERANCE", "sign_webhook", "verify_webhook", "verify_webhook_signature"]

DEFAULT_TOLERANCE = 300  # seconds either side of now, as the specification recommends
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# Each family: its name, then its id, timestamp and signature header names.
_HEADER_FAMILIES = (
    ("svix", "svix-id", "svix-timestamp", "svix-signature"),
    ("webhook", "webhook-id", "webhook-timestamp", "webhook-signature"),
)


# A keyed HMAC-SHA256 state per recently used secret. A receiver verifies many
# deliveries with one secret; copying a keyed state skips decoding the secret
# and hashing the key for every delivery. Small and bounded; holds nothing the
# caller does not already hold.
_SIGNERS: dict[str, hmac.HMAC] = {}
_SIGNERS_SIZE = 32


def _signer(secret: str) -> hmac.HMAC:
    """A keyed HMAC for ``secret``, to ``copy()`` per message (never update it directly)."""
    signer = _SIGNERS.get(secret) if isinstance(secret, str) else None
    if signer is None:
        signer = hmac.new(_decode_secret(secret), digestmod=hashlib.sha256)
        if len(_SIGNERS) >= _SIGNERS_SIZE:
            _SIGNERS.clear()
        _SIGNERS[secret] = signer
    return signer


def _decode_secret(secret: str) -> bytes:
    # Messages name the problem, never the secret.
    if not isinstance(secret, str):
        raise WebhookVerificationError("invalid_secret", "The webhook secret must be a string")
    if not secret.startswith(SECRET_PREFIX):
        raise WebhookVerificationError(
            "invalid_secret",
            "The webhook secret must start with 'whsec_' (use the endpoint's secret)",
        )
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        # Padding is optional in Standard Webhooks secrets; everything else must be base64.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            "invalid_secret", "The webhook secret is not valid base64 after 'whsec_'"
        ) from None
    if not key:
        raise WebhookVerificationError(
            "invalid_secret", "The webhook secret has no key after 'whsec_'"
        )
    return key


def _as_bytes(payload: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        # surrogatepass: a str no HTTP body decodes to must fail the check, not crash it.
        return payload.encode("utf-8", "surrogatepass")
    if isinstance(payload, (bytearray, memoryview)):
        return bytes(payload)
    raise WebhookVerificationError(
        "invalid_payload",
        f"payload must be the raw request body (bytes or str), not {type(payload).__name__}",
    )


def _header_values(headers: Any) -> tuple[str, str | None, str | None, str | None]:
    """The header family in use and its id, timestamp and signature (``None`` when missing)."""
    get = getattr(headers, "get", None)
    if get is not None:
        # Fast path: lowercase names in a dict, or any case-insensitive mapping
        # (httpx, Starlette, Werkzeug, Django headers).
        for family, id_name, timestamp_name, signature_name in _HEADER_FAMILIES:
            msg_id, timestamp, signature = get(id_name), get(timestamp_name), get(signature_name)
            if (
                isinstance(msg_id, str)
                and isinstance(timestamp, str)
                and isinstance(signature, str)
                and msg_id
                and timestamp
                and signature
            ):
                return family, msg_id, timestamp, signature
    found = _lowercase_headers(headers)
    family, id_name, timestamp_name, signature_name = next(
        (names for names in _HEADER_FAMILIES if names[1] in found), _HEADER_FAMILIES[0]
    )
    return family, found.get(id_name), found.get(timestamp_name), found.get(signature_name)


def _lowercase_headers(headers: Any) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else headers
    lowered: dict[str, str] = {}
    try:
        for name, value in items:
            key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
            lowered[key.lower()] = (
                value.decode("latin-1") if isinstance(value, bytes) else str(value)
            )
    except (TypeError, ValueError):
        raise WebhookVerificationError(
            "missing_header", "headers must be a mapping of header names to values"
        ) from None
    return lowered


def _missing_header(family: str, part: str) -> WebhookVerificationError:
    return WebhookVerificationError(
        "missing_header", f"The {family}-{part} header is missing or empty"
    )


def _signature(signer: hmac.HMAC, msg_id: str, timestamp: str, body: bytes) -> bytes:
    """Base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}``."""
    mac = signer.copy()
    # surrogatepass: an id no sender could have signed must mismatch, not crash.
    mac.update(b"%s.%s." % (msg_id.encode("utf-8", "surrogatepass"), timestamp.encode()))
    mac.update(body)  # not concatenated: a large body is hashed without being copied
    return binascii.b2a_base64(mac.digest(), newline=False)


def verify_webhook(
    payload: bytes | str,
    headers: Mapping[str, str] | Any,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """Check a delivery's signature and timestamp, then return the parsed event.

    ``payload`` is the raw body exactly as received (parse JSON only afterwards);
    ``headers`` is any mapping, read case-insensitively; ``secret`` is the
    endpoint's ``whsec_`` secret. Raises ``WebhookVerificationError`` whose
    ``reason`` names the failed check.

    Example::

        event = verify_webhook(request.body, request.headers, os.environ["FARADAY_WEBHOOK_SECRET"])
        match event:
            case ResourceEvent(type="resource.ready_with_update", data=data):
                refresh(data.resource_type, data.resource_id)
            case _:
                pass  # a kind this code does not handle (or know): acknowledge it anyway

    The result is a ``ResourceEvent`` (typed ``data``) for the resource.* types, or a
    plain ``WebhookEvent`` whose ``data`` is the dict sent, for any other type.
    """
    return _parse_event(_checked_body(payload, headers, secret, tolerance, now))


def verify_webhook_signature(
    payload: bytes | str,
    headers: Mapping[str, str] | Any,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """The checks of ``verify_webhook`` without parsing the body: returns ``None`` or raises.

    For receivers that store or forward the raw body and parse it later (a
    queue, an archive). The body is trusted as bytes only: it may not even be
    JSON. Raises ``WebhookVerificationError`` exactly as ``verify_webhook`` does.

    Example::

        verify_webhook_signature(request.body, request.headers, secret)
        queue.put(request.body)  # parse with verify_webhook's model later, or as you like
    """
    _checked_body(payload, headers, secret, tolerance, now)


def _checked_body(
    payload: bytes | str, headers: Any, secret: str, tolerance: int, now: float | None
) -> bytes:
    """The raw body as bytes, once its signature and timestamp check out."""
    signer = _signer(secret)
    body = _as_bytes(payload)
    family, msg_id, timestamp_text, signatures = _header_values(headers)
    if not msg_id:
        raise _missing_header(family, "id")
    if not timestamp_text:
        raise _missing_header(family, "timestamp")
    if not signatures:
        raise _missing_header(family, "signature")

    timestamp_text = timestamp_text.strip()
    if not timestamp_text.isascii() or not timestamp_text.isdigit():
        raise WebhookVerificationError(
            "invalid_timestamp", f"The {family}-timestamp header is not a whole number of seconds"
        )
    timestamp = int(timestamp_text)
    current = time.time() if now is None else now
    if current - timestamp > tolerance:
        raise WebhookVerificationError(
            "timestamp_too_old", f"The delivery is older than the {tolerance}-second tolerance"
        )
    if timestamp - current > tolerance:
        raise WebhookVerificationError(
            "timestamp_too_new",
            f"The delivery is dated more than {tolerance} seconds in the future",
        )

    expected = _signature(signer, msg_id, timestamp_text, body)
    # Check every v1 entry (rotation lists) so timing does not tell which one matched.
    found_v1 = matched = False
    for entry in signatures.split():
        version, _, candidate = entry.partition(",")
        if version == "v1" and candidate.isascii():
            found_v1 = True
            matched |= hmac.compare_digest(expected, candidate.encode())
    if not matched:
        if not found_v1:
            raise WebhookVerificationError(
                "no_signature", f"The {family}-signature header has no v1 signature"
            )
        raise WebhookVerificationError(
            "no_matching_signature",
            "No signature matches: wrong secret, or the delivery was altered",
        )
    return body


def _parse_event(body: bytes) -> WebhookEvent:
    # Only a body that is not a delivery at all is refused; its data's shape never is
    # (events.py: unknown kinds and version skew arrive as a plain WebhookEvent).
    try:
        message = json.loads(body.decode())
    except (ValueError, RecursionError) as exc:
        raise WebhookVerificationError(
            "invalid_payload", f"The signed body is not JSON ({type(exc).__name__})"
        ) from None
    try:
        return event_from_message(message)
    except InvalidEnvelope as exc:
        raise WebhookVerificationError(
            "invalid_payload", f"The signed body is not a webhook event: {exc}"
        ) from None
    except PARSE_ERRORS as exc:  # pragma: no cover - event_from_message catches these itself
        raise WebhookVerificationError(
            "invalid_payload", f"The signed body is not a webhook event ({type(exc).__name__})"
        ) from None


def sign_webhook(
    payload: bytes | str,
    secret: str,
    *,
    msg_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The ``svix-id``, ``svix-timestamp`` and ``svix-signature`` headers Faraday would send.

    For your own tests, and for the sandbox.

    Example::

        headers = sign_webhook(body, endpoint.secret)
        httpx.post(receiver_url, content=body, headers=headers)
    """
    signer = _signer(secret)
    body = _as_bytes(payload)
    message_id = msg_id if msg_id is not None else "msg_" + os.urandom(12).hex()
    sent_at = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = _signature(signer, message_id, sent_at, body).decode()
    return {"svix-id": message_id, "svix-timestamp": sent_at, "svix-signature": f"v1,{signature}"}
