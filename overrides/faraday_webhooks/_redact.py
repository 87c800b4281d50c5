"""Masking of secrets in any text this package produces (messages, reprs, logs)."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A webhook signing secret anywhere in a text: whsec_ followed by base64.
_SIGNING_SECRET = re.compile(r"whsec_(?:[A-Za-z0-9+=_-]|\\?/)+")
MASK = "***"


def mask_secret(secret: str) -> str:
    """A stand-in for a secret that says what it is without revealing it.

    Example:

    ```pycon
    >>> mask_secret("whsec_c2VjcmV0")
    'whsec_***'
    >>> mask_secret("sk_live_123")
    '***'

    ```
    """
    return "whsec_" + MASK if secret.startswith("whsec_") else MASK


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with every ``whsec_`` secret and each of ``secrets`` masked.

    Example:

    ```pycon
    >>> redact("key sk_123 and whsec_abc=", secrets=["sk_123"])
    'key *** and whsec_***'

    ```
    """
    for secret in secrets:
        if secret:
            # A JSON body may carry it with its slashes escaped ("\\/").
            for form in {secret, secret.replace("/", "\\/")}:
                text = text.replace(form, mask_secret(secret))
    return _SIGNING_SECRET.sub("whsec_" + MASK, text)


def printable(text: str, limit: int) -> str:
    r"""``text`` safe to print: control characters escaped, at most ``limit`` characters.

    Server text reaches terminals through messages and the CLI; an ANSI escape or a
    carriage return in it must not act there.

    Example:

    ```pycon
    >>> printable("bad\x1b[2Jnews\r", 100)
    'bad\\x1b[2Jnews\\r'
    >>> printable("x" * 10, 4)
    'xxxx...'

    ```
    """
    if not text.isprintable():
        text = "".join(
            character if character.isprintable() else repr(character)[1:-1]
            for character in text[: limit * 4]
        )
    return text if len(text) <= limit else text[:limit] + "..."
