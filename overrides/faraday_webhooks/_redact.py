"""Masking of secrets in any text this package produces (messages, reprs, logs)."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A webhook signing secret anywhere in a text: whsec_ followed by base64.
_SIGNING_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=_-]+")
MASK = "***"


def mask_secret(secret: str) -> str:
    """A stand-in for a secret that says what it is without revealing it.

    Example::

        >>> mask_secret("whsec_c2VjcmV0")
        'whsec_***'
        >>> mask_secret("sk_live_123")
        '***'
    """
    return "whsec_" + MASK if secret.startswith("whsec_") else MASK


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with every ``whsec_`` secret and each of ``secrets`` masked.

    Example::

        >>> redact("key sk_123 and whsec_abc=", secrets=["sk_123"])
        'key *** and whsec_***'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask_secret(secret))
    return _SIGNING_SECRET.sub("whsec_" + MASK, text)
