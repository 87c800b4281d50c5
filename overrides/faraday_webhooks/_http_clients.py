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
- A response is taken only as the answer to a request sent before it (``AnswerOrder``),
  on both clients' connections.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import h11
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


class AnswerOrder:
    """Which bytes on one kept-alive connection may answer the request being sent.

    httpcore hands a connection's bytes to h11 and leaves whatever follows a complete
    response in h11's buffer, where it would be read as the answer to the next request:
    a server that sends one response too many would answer every later call with the
    one before. This parser sees the same bytes, and a connection holding bytes that
    arrived before the request they would answer is given up (httpcore's
    ``ConnectionNotAvailable``: its pool sends the request on another connection).
    """

    __slots__ = ("_parser", "_request_open", "_reused", "_unrequested")

    def __init__(self) -> None:
        self._parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=100 * 1024)
        self._request_open = False  # a request is written and its answer not yet complete
        self._reused = False  # an answer came and went: any byte readable now is unrequested
        self._unrequested = False

    def before_write(
        self, data: bytes, stream: httpcore.NetworkStream | httpcore.AsyncNetworkStream
    ) -> None:
        if self._request_open:
            return  # the body of the request being sent
        if self._unrequested or (self._reused and stream.get_extra_info("is_readable")):
            raise httpcore.ConnectionNotAvailable()
        self._request_open = True
        try:
            # Only the method shapes the answer's framing (HEAD has no body).
            method = data.split(b" ", 1)[0]
            self._parser.send(h11.Request(method=method, target="/", headers=[("Host", "-")]))
            self._parser.send(h11.EndOfMessage())
        except h11.ProtocolError:
            self._unrequested = True

    def after_read(self, data: bytes) -> None:
        if self._unrequested:
            return
        parser = self._parser
        try:
            parser.receive_data(data)
            while (event := parser.next_event()) is not h11.NEED_DATA:
                if event is h11.PAUSED:  # bytes after a complete answer
                    self._unrequested, self._request_open = True, False
                    return
            if parser.our_state is h11.DONE and parser.their_state is h11.DONE:
                parser.start_next_cycle()
                self._request_open = False
                self._reused = True
        except h11.ProtocolError:
            self._unrequested = True


class _GuardedStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the call's deadline, and whose
    bytes are checked to answer the request they follow (``AnswerOrder``)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        self._answers = AnswerOrder()

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._stream.read(max_bytes, _fitted(timeout))
        self._answers.after_read(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._answers.before_write(buffer, self._stream)
        self._stream.write(buffer, _fitted(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _GuardedStream(self._stream.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _GuardedAsyncStream(httpcore.AsyncNetworkStream):
    """``_GuardedStream`` for async calls (their deadline is an anyio cancel scope)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._answers = AnswerOrder()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = await self._stream.read(max_bytes, timeout)
        self._answers.after_read(data)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._answers.before_write(buffer, self._stream)
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _GuardedAsyncStream(await self._stream.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with ``_GuardedStream`` around every connection."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        if "timeout" in kwargs:
            kwargs["timeout"] = _fitted(kwargs["timeout"])
        return _GuardedStream(self._backend.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _GuardedStream(self._backend.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend (asyncio and trio alike), with ``_GuardedAsyncStream``."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _GuardedAsyncStream(await self._backend.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _GuardedAsyncStream(await self._backend.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


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


class _ResponseStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An httpcore response body as httpx's, its errors as httpx's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    def close(self) -> None:
        self._stream.close()

    async def aclose(self) -> None:
        await self._stream.aclose()


# httpx's own defaults: 100 connections, 20 kept alive for 5 seconds.
_POOL_LIMITS: dict[str, Any] = {
    "max_connections": 100,
    "max_keepalive_connections": 20,
    "keepalive_expiry": 5.0,
}


def _core_request(request: httpx.Request) -> httpcore.Request:
    url = request.url
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
        ),
        headers=request.headers.raw,
        content=request.stream,
        extensions=request.extensions,
    )


def _httpx_response(response: httpcore.Response) -> httpx.Response:
    return httpx.Response(
        status_code=response.status,
        headers=response.headers,
        stream=_ResponseStream(response.stream),
        extensions=response.extensions,
    )


class GuardedTransport(httpx.BaseTransport):
    """httpx's default transport, over an httpcore pool whose sockets obey the deadline
    and whose connections never answer a request with bytes sent before it."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._connections = httpcore.ConnectionPool(
            ssl_context=ssl_context, network_backend=_GuardedBackend(), **_POOL_LIMITS
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with _as_httpx_errors():
            return _httpx_response(self._connections.handle_request(_core_request(request)))

    def close(self) -> None:
        self._connections.close()


class GuardedAsyncTransport(httpx.AsyncBaseTransport):
    """``GuardedTransport`` for ``httpx.AsyncClient``."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._connections = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, network_backend=_GuardedAsyncBackend(), **_POOL_LIMITS
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _as_httpx_errors():
            core_response = await self._connections.handle_async_request(_core_request(request))
        return _httpx_response(core_response)

    async def aclose(self) -> None:
        await self._connections.aclose()


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
            transport=GuardedTransport(context),
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
            transport=GuardedAsyncTransport(context),
            mounts=_proxy_mounts(lambda url: httpx.AsyncHTTPTransport(proxy=url, verify=context)),
            cookies=no_cookies(),
            headers=headers,
        )

    return http_client_or_error(make)
