"""Client configuration: API key, base URL, timeout and retries, from arguments or environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from ._redact import mask_secret
from ._validation import check_headers
from ._version import __version__
from .errors import ConfigurationError

API_KEY_ENV = "FARADAY_API_KEY"
BASE_URL_ENV = "FARADAY_BASE_URL"
DEFAULT_BASE_URL = "https://api.faraday.ai/v1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0)
DEFAULT_MAX_RETRIES = 2

TimeoutTypes = float | int | httpx.Timeout
_URL_CACHE_SIZE = 256


def user_agent() -> str:
    """The User-Agent every request carries: package, Python and httpx versions.

    Example::

        >>> user_agent().startswith("faraday-webhooks/")
        True
    """
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"faraday-webhooks/{__version__} python/{python} httpx/{httpx.__version__}"


def resolve_timeout(timeout: TimeoutTypes) -> httpx.Timeout:
    """Seconds (applied to connect, read, write and pool) or an ``httpx.Timeout``."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigurationError(
            f"timeout must be a positive number of seconds or an httpx.Timeout, got {timeout!r}"
        )
    return httpx.Timeout(float(timeout))


USER_AGENT = user_agent()


class ClientConfig:
    """Everything a client needs to send a request, resolved once at construction.

    ``repr()`` masks the API key.
    """

    __slots__ = (
        "_headers",
        "_urls",
        "api_key",
        "base_url",
        "default_headers",
        "max_retries",
        "timeout",
        "total_timeout",
    )

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: httpx.Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None = None,
        total_timeout: float | None = None,
    ) -> None:
        self.api_key = api_key
        self.total_timeout = total_timeout
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.default_headers: Mapping[str, str] = dict(default_headers or {})
        self._urls: dict[str, httpx.URL] = {}
        # Built once: every request sends these, and callers' defaults cannot drop auth.
        self._headers = {
            **self.default_headers,
            "Authorization": f"Bearer {api_key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }

    def __repr__(self) -> str:
        return (
            f"ClientConfig(api_key={mask_secret(self.api_key)!r}, base_url={self.base_url!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries!r})"
        )

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of an API path such as ``/webhook_endpoints``.

        Parsed once per path and kept (a bounded number): httpx takes a parsed
        URL as it is, and parsing one costs more than the rest of building the
        request. ``create`` and ``list`` always use the same path.
        """
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            url = self._urls[path] = httpx.URL(self.base_url + path)
        return url

    def headers(self) -> dict[str, str]:
        """Headers for every request (a copy); caller-supplied defaults cannot drop auth."""
        return dict(self._headers)


def resolve_config(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: TimeoutTypes,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    total_timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Arguments win, then ``FARADAY_API_KEY`` / ``FARADAY_BASE_URL``, then defaults.

    Example::

        >>> resolve_config(api_key="k", base_url=None, timeout=5, max_retries=2,
        ...                default_headers=None, environ={}).base_url
        'https://api.faraday.ai/v1'
    """
    environ = os.environ if environ is None else environ
    key = api_key if api_key is not None else environ.get(API_KEY_ENV)
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

    url = base_url if base_url is not None else environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL such as {DEFAULT_BASE_URL}, got {url!r}"
        )

    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be a whole number >= 0, got {max_retries!r}")

    if total_timeout is not None and (
        isinstance(total_timeout, bool)
        or not isinstance(total_timeout, (int, float))
        or not total_timeout > 0
    ):
        raise ConfigurationError(
            f"total_timeout must be a positive number of seconds or None, got {total_timeout!r}"
        )

    return ClientConfig(
        total_timeout=None if total_timeout is None else float(total_timeout),
        api_key=key,
        base_url=url.rstrip("/"),
        timeout=resolve_timeout(timeout),
        max_retries=max_retries,
        default_headers=check_headers(
            default_headers or {}, name="default_headers", error=ConfigurationError
        ),
    )
