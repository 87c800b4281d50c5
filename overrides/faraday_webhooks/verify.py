"""Verify and sign Faraday webhook deliveries (Standard Webhooks, HMAC-SHA256).

Faraday signs ``{id}.{timestamp}.{body}`` with the base64-decoded part of the
endpoint's ``whsec_`` secret and sends ``svix-id``, ``svix-timestamp`` and
``svix-signature``; other Standard Webhooks senders use ``webhook-*`` names for
the same values. Both families are read.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import time
from collections.abc import Mapping
from typing import Any

from ._model_check import ModelMismatch, check_model
from ._models import WebhookEvent
from .errors import WebhookVerificationError

__all__ = ["DEFAULT_TOLERANCE", "sign_webhook", "verify_webhook"]

DEFAULT_TOLERANCE = 300  # seconds either side of now, as the specification recommends
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
_HEADER_FAMILIES = ("svix", "webhook")
_HEADER_PARTS = ("id", "timestamp", "signature")


# Decoded keys of recently used secrets: a receiver verifies many deliveries
# with the same secret. Small and bounded; holds nothing the caller does not.
_KEY_CACHE: dict[str, bytes] = {}
_KEY_CACHE_SIZE = 32


def _signing_key(secret: str) -> bytes:
    key = _KEY_CACHE.get(secret) if isinstance(secret, str) else None
    if key is None:
        key = _decode_secret(secret)
        if len(_KEY_CACHE) >= _KEY_CACHE_SIZE:
            _KEY_CACHE.clear()
        _KEY_CACHE[secret] = key
    return key


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
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    raise WebhookVerificationError(
        "invalid_payload",
        f"payload must be the raw request body (bytes or str), not {type(payload).__name__}",
    )


def _header_values(headers: Any) -> tuple[str, dict[str, str]]:
    """The header family in use and its id, timestamp and signature values (missing: absent)."""
    getter = getattr(headers, "get", None)
    if getter is not None:
        # Fast path: lowercase names in a dict, or any case-insensitive mapping
        # (httpx, Starlette, Werkzeug, Django headers).
        for family in _HEADER_FAMILIES:
            values = {part: getter(f"{family}-{part}") for part in _HEADER_PARTS}
            if all(isinstance(value, str) and value for value in values.values()):
                return family, values
    found = _lowercase_headers(headers)
    family = next((name for name in _HEADER_FAMILIES if f"{name}-id" in found), _HEADER_FAMILIES[0])
    return family, {
        part: found[f"{family}-{part}"] for part in _HEADER_PARTS if f"{family}-{part}" in found
    }


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


def _signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> bytes:
    signed = b"%s.%s.%s" % (msg_id.encode(), timestamp.encode(), body)
    return base64.b64encode(hmac.digest(key, signed, "sha256"))


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
        if event.type == "resource.ready_with_update":
            refresh(event.data.resource_type, event.data.resource_id)
    """
    key = _signing_key(secret)
    body = _as_bytes(payload)
    family, values = _header_values(headers)
    for part in _HEADER_PARTS:
        value = values.get(part)
        if not isinstance(value, str) or not value:
            header = f"{family}-{part}"
            raise WebhookVerificationError(
                "missing_header", f"The {header} header is missing or empty"
            )

    timestamp_text = values["timestamp"].strip()
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

    expected = _signature(key, values["id"], timestamp_text, body)
    candidates = [
        signature.encode()
        for version, _, signature in (entry.partition(",") for entry in values["signature"].split())
        if version == "v1" and signature.isascii()
    ]
    if not candidates:
        raise WebhookVerificationError(
            "no_signature", f"The {family}-signature header has no v1 signature"
        )
    # Check every candidate so timing does not tell which one matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise WebhookVerificationError(
            "no_matching_signature",
            "No signature matches: wrong secret, or the delivery was altered",
        )
    return _parse_event(body)


def _parse_event(body: bytes) -> WebhookEvent:
    try:
        event = WebhookEvent.from_dict(json.loads(body.decode("utf-8")))
        check_model(event)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, ModelMismatch) as exc:
        what = (
            f"missing field {exc.args[0]!r}"
            if isinstance(exc, KeyError) and exc.args
            else type(exc).__name__
        )
        raise WebhookVerificationError(
            "invalid_payload", f"The signed body is not a Faraday webhook event ({what})"
        ) from None
    return event


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
    key = _signing_key(secret)
    body = _as_bytes(payload)
    message_id = msg_id if msg_id is not None else "msg_" + os.urandom(12).hex()
    sent_at = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = _signature(key, message_id, sent_at, body).decode()
    return {"svix-id": message_id, "svix-timestamp": sent_at, "svix-signature": f"v1,{signature}"}
