"""Reading a delivery's signature headers from whatever mapping a web framework hands over.

Faraday sends ``svix-id``, ``svix-timestamp`` and ``svix-signature``; other
Standard Webhooks senders use ``webhook-*`` names for the same values. Both
families are read, case-insensitively, from any mapping, or from pairs.
"""

from __future__ import annotations

from typing import Any

from .errors import WebhookVerificationError

__all__ = ["required_headers"]

# Each family: its name, then its id, timestamp and signature header names.
_HEADER_FAMILIES = (
    ("svix", "svix-id", "svix-timestamp", "svix-signature"),
    ("webhook", "webhook-id", "webhook-timestamp", "webhook-signature"),
)


def required_headers(headers: Any) -> tuple[str, str, str, str]:
    """The header family in use and its id, timestamp and signature, or ``missing_header``."""
    family, msg_id, timestamp, signatures = _header_values(headers)
    if not msg_id:
        raise _missing_header(family, "id")
    if not timestamp:
        raise _missing_header(family, "timestamp")
    if not signatures:
        raise _missing_header(family, "signature")
    return family, msg_id, timestamp, signatures


def _missing_header(family: str, part: str) -> WebhookVerificationError:
    return WebhookVerificationError(
        "missing_header", f"The {family}-{part} header is missing or empty"
    )


def _header_values(headers: Any) -> tuple[str, str | None, str | None, str | None]:
    """The header family in use and its id, timestamp and signature (``None`` when missing)."""
    get = getattr(headers, "get", None)
    if callable(get):
        # Fast path: lowercase names in a dict, or any case-insensitive mapping
        # (httpx, Starlette, Werkzeug, Django headers).
        for family, id_name, timestamp_name, signature_name in _HEADER_FAMILIES:
            try:
                msg_id, timestamp, signature = (
                    get(id_name),
                    get(timestamp_name),
                    get(signature_name),
                )
            except Exception:
                break
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
    try:
        items = headers.items() if hasattr(headers, "items") else headers
        lowered: dict[str, str] = {}
        for name, value in items:
            key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
            lowered[key.lower()] = (
                value.decode("latin-1") if isinstance(value, bytes) else str(value)
            )
    except Exception:
        raise WebhookVerificationError(
            "missing_header", "headers must be a mapping of header names to values"
        ) from None
    return lowered
