"""The httpx clients this package builds for itself, from public httpx and httpcore API.

- The sync client's connection pool is httpcore's ``ConnectionPool`` with a network
  backend whose every socket operation ends by the whole-call deadline (``total_timeout``)
  of the call running in that thread: a server that drips one header byte at a time
  never resets a per-read timeout past it. (Async calls get the same from an anyio
  cancel scope in ``_base_client.py``.)
- Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
  ``NO_PROXY``) and are checked when the client is made; loopback never goes through
  one. Requests through a proxy are bound by the per-operation timeouts only.
- No cookie is ever kept: the API key is the only credential.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpcore
import httpx

from ._base_client import DEADLINE
from .errors import ConfigurationError

T = TypeVar("T")

LOOPBACK_PATTERNS = ("all://127.0.0.1", "all://localhost", "all://[::1]")


def _fitted(timeout: float | None) -> float | None:
    """``timeout`` shortened to what remains of the current call's deadline."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout("the total timeout ran out")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the call's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _fitted(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _fitted(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with ``_DeadlineStream`` around every connection."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        if "timeout" in kwargs:
            kwargs["timeout"] = _fitted(kwargs["timeout"])
        return _DeadlineStream(self._backend.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """httpcore's exceptions as the httpx ones of the same name (httpx's own transport
    maps them so): ``ConnectTimeout``, ``ReadError``, ``RemoteProtocolError``..."""
    try:
        yield
    except (
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.ProxyError,
        httpcore.UnsupportedProtocol,
    ) as error:
        kind = next(
            found
            for base in type(error).__mro__
            if isinstance(found := getattr(httpx, base.__name__, None), type)
            and issubclass(found, httpx.TransportError)
        )
        raise kind(str(error)) from error


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """httpx's default transport, over an httpcore pool whose sockets obey the deadline."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        # httpx's own defaults: 100 connections, 20 kept alive for 5 seconds.
        self._connections = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_DeadlineBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._connections.handle_request(core_request)
        assert isinstance(response.stream, Iterable)  # a sync pool answers with a sync stream
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._connections.close()


def _proxy_mounts(make: Callable[[str], T]) -> dict[str, T | None]:
    """httpx mounts for the proxies the environment names: ``make(url)`` builds a transport."""
    found = urllib.request.getproxies()
    no_proxy = [host.strip() for host in found.pop("no", "").split(",") if host.strip()]
    if "*" in no_proxy:
        return dict.fromkeys(LOOPBACK_PATTERNS)
    mounts: dict[str, T | None] = {}
    for scheme in ("all", "http", "https"):
        url = found.get(scheme)
        if url:
            # As curl and httpx read it, a proxy named without a scheme is http.
            mounts[f"{scheme}://"] = make(
                _proxy_url(scheme, url if "://" in url else f"http://{url}")
            )
    for host in no_proxy:
        host = host.lstrip(".")
        mounts[f"all://{host}"] = mounts[f"all://*.{host}"] = None
    mounts.update(dict.fromkeys(LOOPBACK_PATTERNS))  # loopback never goes through a proxy
    return mounts


def _proxy_url(scheme: str, url: str) -> str:
    """``url`` if it names a proxy (a scheme httpx speaks and a host), else ``ValueError``."""
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https", "socks5", "socks5h")
        or not parts.hostname
        or any(character.isspace() for character in url)
    ):
        raise ValueError(f"{scheme.upper()}_PROXY is not a proxy URL (scheme://host:port)")
    return url


def no_cookies() -> http.cookiejar.CookieJar:
    """A cookie jar that accepts no cookie from any domain."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def http_client_or_error(make: Callable[[], T]) -> T:
    """Build our own httpx client; environment problems (a bad ``HTTPS_PROXY``, an
    unsupported proxy scheme, ``SSL_CERT_FILE`` pointing nowhere) are ``ConfigurationError``."""
    try:
        return make()
    except (ValueError, TypeError, ImportError, OSError, httpx.InvalidURL) as problem:
        raise ConfigurationError(
            "cannot build the HTTP client from this environment (check HTTPS_PROXY, "
            f"HTTP_PROXY, ALL_PROXY, SSL_CERT_FILE, SSL_CERT_DIR): {type(problem).__name__}: "
            f"{str(problem)[:200]}"
        ) from None


def sync_http_client(headers: dict[str, str]) -> httpx.Client:
    """The ``httpx.Client`` a ``Faraday`` client owns (see the module docstring)."""

    def make() -> httpx.Client:
        context = httpx.create_ssl_context()
        return httpx.Client(
            transport=DeadlineTransport(context),
            mounts=_proxy_mounts(lambda url: httpx.HTTPTransport(proxy=url, verify=context)),
            cookies=no_cookies(),
            headers=headers,
        )

    return http_client_or_error(make)


def async_http_client(headers: dict[str, str]) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` an ``AsyncFaraday`` client owns (see the module docstring)."""

    def make() -> httpx.AsyncClient:
        context = httpx.create_ssl_context()
        return httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(verify=context),
            mounts=_proxy_mounts(lambda url: httpx.AsyncHTTPTransport(proxy=url, verify=context)),
            cookies=no_cookies(),
            headers=headers,
        )

    return http_client_or_error(make)
