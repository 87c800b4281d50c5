"""Client configuration: API key, base URL, timeouts and retries, from arguments or environment.

Everything is checked once, at construction, so a mistake in the caller's code
fails there with ``ConfigurationError`` rather than at the first call.
"""

from __future__ import annotations

import functools
import http.cookiejar
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx

from ._redact import mask_secret
from ._validation import MAX_URL_LENGTH, check_headers, check_number, is_loopback_host
from ._version import __version__
from .errors import ConfigurationError

API_KEY_ENV = "FARADAY_API_KEY"
WEBHOOK_SECRET_ENV = "FARADAY_WEBHOOK_SECRET"  # noqa: S105 - a variable name
BASE_URL_ENV = "FARADAY_BASE_URL"
DEFAULT_BASE_URL = "https://api.faraday.ai/v1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0)
DEFAULT_MAX_RETRIES = 2

TimeoutTypes = float | int | httpx.Timeout
# Headers the package sets on every request; default_headers may not set Authorization.
_AUTHORIZATION = "authorization"


def resolve_timeout(
    timeout: TimeoutTypes, *, error: type[Exception] = ConfigurationError
) -> httpx.Timeout:
    """Seconds (applied to connect, read, write and pool) or an ``httpx.Timeout``.

    Each limit must be a finite number of seconds above 0 and at most a day (or
    ``None`` inside an ``httpx.Timeout``): an infinite one would overflow the socket layer.

    Example:

    ```pycon
    >>> resolve_timeout(5).read
    5.0

    ```
    """
    if isinstance(timeout, httpx.Timeout):
        for phase in ("connect", "read", "write", "pool"):
            limit = getattr(timeout, phase)
            if limit is not None:
                check_number(limit, name=f"timeout.{phase}", above_minimum=True, error=error)
        return timeout
    seconds = check_number(timeout, name="timeout", above_minimum=True, error=error)
    return httpx.Timeout(float(seconds))


# Every request says what sent it: package, Python and httpx versions.
USER_AGENT = (
    f"faraday-webhooks/{__version__} python/{sys.version_info.major}.{sys.version_info.minor} "
    f"httpx/{httpx.__version__}"
)


def check_base_url(url: Any, *, allow_insecure_http: bool = False) -> str:
    """An absolute http(s) API root with a host and nothing else, without a trailing ``/``.

    Refused: a query or fragment (paths are appended to it), user info (it would
    replace the Bearer key and show a password in reprs and logs), control characters,
    a bad port or host, and cleartext ``http://`` to a host other than loopback unless
    ``allow_insecure_http`` (the key would travel in the clear).

    Example:

    ```pycon
    >>> check_base_url("https://api.faraday.ai/v1/")
    'https://api.faraday.ai/v1'

    ```
    """
    example = f"an absolute https URL such as {DEFAULT_BASE_URL}"
    if not isinstance(url, str):
        raise ConfigurationError(f"base_url must be {example}, not {type(url).__name__}")
    shown = repr(url[:100])
    try:
        if len(url) > MAX_URL_LENGTH or not url.isprintable() or any(c.isspace() for c in url):
            raise ValueError(url)
        parsed = httpx.URL(url)  # the host as httpx will send it (IDNA, brackets)
        if not 0 < (parsed.port or 1) < 65536:
            raise ValueError(url)
    except (ValueError, httpx.InvalidURL):
        raise ConfigurationError(
            f"base_url is not a valid URL ({example}, at most {MAX_URL_LENGTH} printable "
            f"characters without spaces): {shown}"
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(f"base_url must be {example}, got {shown}")
    if parsed.query or parsed.fragment or "?" in url or "#" in url:
        raise ConfigurationError(f"base_url must not have a query or fragment, got {shown}")
    if parsed.userinfo:
        raise ConfigurationError(
            "base_url must not contain user info (user:password@): the API key is the "
            "credential; pass it as api_key"
        )
    if parsed.scheme == "http" and not allow_insecure_http and not is_loopback_host(parsed.host):
        raise ConfigurationError(
            f"base_url http://{parsed.host} is cleartext HTTP to a host that is not "
            "loopback: the API key would travel unencrypted. Use https://, or pass "
            "allow_insecure_http=True if you mean it"
        )
    return url.rstrip("/")


@attrs.frozen
class ClientConfig:
    """Everything a client needs to send a request, resolved once at construction
    (``resolve_config``). ``repr()`` masks the API key."""

    api_key: str = attrs.field(repr=lambda key: repr(mask_secret(key)))
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    total_timeout: float | None = None
    default_headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    webhook_secrets: tuple[str, ...] = attrs.field(default=(), repr=False)

    def headers(self) -> dict[str, str]:
        """Headers for every request; caller-supplied defaults cannot drop auth."""
        # Merged case-insensitively: a caller's "user-agent" replaces ours, not joins it.
        merged = httpx.Headers({"User-Agent": USER_AGENT, "Accept": "application/json"})
        merged.update(self.default_headers)
        merged["Authorization"] = f"Bearer {self.api_key}"
        # Bodies are read bounded as they arrive; a compressed one would be inflated by
        # httpx a whole read at a time, without bound (_base_client.BoundedStream).
        merged["Accept-Encoding"] = "identity"
        return dict(merged.items())


def no_cookies() -> http.cookiejar.CookieJar:
    """A cookie jar that accepts no cookie from any domain: the API key is the only credential."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def _checked_api_key(key: object) -> str:
    if not key:
        raise ConfigurationError(
            f"No Faraday API key: pass api_key=... or set the {API_KEY_ENV} environment variable"
        )
    if not isinstance(key, str):
        raise ConfigurationError(f"The Faraday API key must be a string, not {type(key).__name__}")
    if not key.isascii() or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in key):
        # Never echo the key: it may be a real one with a stray newline.
        raise ConfigurationError(
            "The Faraday API key must be ASCII text without spaces or newlines"
        )
    return key


def resolve_config(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: TimeoutTypes,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    total_timeout: float | None = None,
    allow_insecure_http: bool = False,
    webhook_secret: str | Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Arguments win, then ``FARADAY_API_KEY`` / ``FARADAY_BASE_URL`` /
    ``FARADAY_WEBHOOK_SECRET`` (several secrets separated by spaces), then defaults.

    Example:

    ```pycon
    >>> resolve_config(api_key="k", base_url=None, timeout=5, max_retries=2,
    ...                default_headers=None, environ={}).base_url
    'https://api.faraday.ai/v1'

    ```
    """
    environ = os.environ if environ is None else environ
    key = _checked_api_key(api_key if api_key is not None else environ.get(API_KEY_ENV))
    url = base_url if base_url is not None else environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    headers = check_headers(default_headers or {}, name="default_headers", error=ConfigurationError)
    if any(name.lower() == _AUTHORIZATION for name in headers):
        raise ConfigurationError(
            "default_headers may not set Authorization: pass the key as api_key "
            "(extra_headers= on one call may replace it for that call)"
        )
    secrets = (
        environ.get(WEBHOOK_SECRET_ENV, "").split() if webhook_secret is None else webhook_secret
    )
    secrets = [secrets] if isinstance(secrets, str) else list(secrets)
    if not all(isinstance(secret, str) for secret in secrets):
        raise ConfigurationError("webhook_secret must be a whsec_ secret or a list of them")
    number = functools.partial(check_number, error=ConfigurationError)
    retries = int(number(max_retries, name="max_retries", whole=True, maximum=100))
    if total_timeout is not None:
        total_timeout = float(number(total_timeout, name="total_timeout", above_minimum=True))
    return ClientConfig(
        api_key=key,
        base_url=check_base_url(url, allow_insecure_http=allow_insecure_http),
        timeout=resolve_timeout(timeout),
        max_retries=retries,
        total_timeout=total_timeout,
        default_headers=headers,
        webhook_secrets=tuple(secrets),
    )
