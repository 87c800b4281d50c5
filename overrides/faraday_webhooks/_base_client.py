"""The one request path shared by the sync and async clients.

Steps 1, 2 and 4 of every call (check inputs, build the request, parse the
answer) and the retry decision are the same functions for both clients; only
sending and sleeping differ.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

import httpx

from ._config import ClientConfig, TimeoutTypes, resolve_timeout
from ._responses import parse_response
from ._retries import RetryPolicy
from ._validation import check_headers
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    UnexpectedResponseError,
)

T = TypeVar("T")

logger = logging.getLogger("faraday_webhooks")

# A response larger than this is not a Faraday answer; stop reading it.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class NotGiven:
    """Sentinel for "argument not passed" where ``None`` is a meaningful value."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()


class APICall(Generic[T]):
    """One operation, as data: what to send and how to read the answer.

    A plain slotted class: one is built per call, so it should cost nothing.
    """

    __slots__ = (
        "headers",
        "idempotent",
        "json",
        "method",
        "params",
        "parse",
        "path",
        "success_status",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        success_status: int,
        parse: Callable[[Any], T] | None,
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.success_status = success_status
        self.parse = parse
        self.idempotent = idempotent
        self.json = json
        self.params = params
        self.headers: Mapping[str, str] = headers or {}

    def __repr__(self) -> str:
        return f"APICall({self.method} {self.path} -> {self.success_status})"

    @classmethod
    def from_generated(
        cls,
        request_kwargs: Mapping[str, Any],
        *,
        success_status: int,
        parse: Callable[[Any], T] | None,
    ) -> APICall[T]:
        """Wrap the dict a generated endpoint's ``_get_kwargs`` builds.

        GET, PATCH and DELETE are idempotent; POST is not.
        """
        method = str(request_kwargs["method"]).upper()
        return cls(
            method=method,
            path=request_kwargs["url"],
            success_status=success_status,
            parse=parse,
            idempotent=method in ("GET", "HEAD", "PUT", "PATCH", "DELETE"),
            json=request_kwargs.get("json"),
            params=request_kwargs.get("params") or None,
            headers=dict(request_kwargs.get("headers") or {}),
        )


def _connection_error(error: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Wrap an httpx transport error; the message names the kind, never the headers."""
    where = f"{request.method} {request.url.copy_with(query=None)}"
    if isinstance(error, httpx.TimeoutException):
        kind = type(error).__name__.replace("Timeout", " timeout").lower().strip()
        return APITimeoutError(f"{where}: {kind} ran out before Faraday answered", request=request)
    detail = str(error) or type(error).__name__
    return APIConnectionError(f"{where}: no answer from Faraday ({detail})", request=request)


class RetryTracker:
    """One call's attempts: whether to go again, and the whole-call deadline.

    ``total_timeout`` bounds everything: attempts, waits between them, and reading
    bodies. Each attempt's httpx timeouts shrink to what remains of it.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        call: APICall[Any],
        request: httpx.Request,
        total_timeout: float | None,
    ) -> None:
        self.policy = policy
        self.call = call
        self.request = request
        self.attempt = 0
        self.total_timeout = total_timeout
        self.deadline = None if total_timeout is None else time.monotonic() + total_timeout
        # The per-attempt limits the deadline shrinks; not needed without one.
        self._attempt_timeouts: dict[str, float | None] = (
            {} if self.deadline is None else dict(request.extensions.get("timeout", {}))
        )

    def start_attempt(self) -> None:
        """Fit this attempt's timeouts into what remains of the deadline (or raise if none)."""
        if self.deadline is None:
            return
        remaining = self.check_deadline()
        self.request.extensions["timeout"] = {
            name: remaining if limit is None else min(limit, remaining)
            for name, limit in self._attempt_timeouts.items()
        }

    def check_deadline(self) -> float:
        """Seconds left of the whole call; raises ``APITimeoutError`` when none are."""
        if self.deadline is None:
            return float("inf")
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            where = f"{self.request.method} {self.request.url.copy_with(query=None)}"
            raise APITimeoutError(
                f"{where}: the total timeout of {self.total_timeout}s ran out", request=self.request
            )
        return remaining

    def after_error(self, error: httpx.TransportError) -> float:
        """Seconds to wait before trying again; raises the wrapped error when it is final."""
        delay = None
        if self.policy.should_retry_error(
            error, attempt=self.attempt, idempotent=self.call.idempotent
        ):
            delay = self._next(f"{type(error).__name__}", None)
        if delay is None:
            raise _connection_error(error, self.request) from error
        return delay

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before trying again, or ``None`` when this response is the answer."""
        logger.debug(
            "%s %s attempt %d -> HTTP %d",
            self.call.method,
            self.call.path,
            self.attempt + 1,
            response.status_code,
        )
        if not self.policy.should_retry_status(
            response.status_code, attempt=self.attempt, idempotent=self.call.idempotent
        ):
            return None
        return self._next(f"HTTP {response.status_code}", response)

    def _next(self, cause: str, response: httpx.Response | None) -> float | None:
        delay = self.policy.delay(self.attempt, response)
        if self.deadline is not None and time.monotonic() + delay >= self.deadline:
            return None  # waiting would overrun the whole-call deadline: this outcome is final
        self.attempt += 1
        logger.info(
            "retrying %s %s after %s (retry %d of %d) in %.2fs",
            self.call.method,
            self.call.path,
            cause,
            self.attempt,
            self.policy.max_retries,
            delay,
        )
        return delay


def _check_http_client(http_client: object, expected: type[Any], owner: str) -> None:
    if http_client is not None and not isinstance(http_client, expected):
        raise ConfigurationError(
            f"{owner} needs an {expected.__module__}.{expected.__qualname__} as http_client, "
            f"not {type(http_client).__name__}"
        )


class BaseClient:
    """What both clients share: configuration, request building and response parsing."""

    def __init__(
        self, config: ClientConfig, retry_policy: RetryPolicy | None, *, owns_http_client: bool
    ) -> None:
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError(
                f"retry_policy must be a RetryPolicy, not {type(retry_policy).__name__}"
            )
        self._config = config
        self._retry_policy = retry_policy or RetryPolicy(max_retries=config.max_retries)
        self._secrets = (config.api_key,)
        # A client the caller brought stays theirs to close.
        self._owns_http_client = owns_http_client
        # An httpx client we create carries the configured headers itself (merging
        # them into every request costs httpx more); one the caller brought may have
        # any defaults, or change them later, so every request carries ours.
        self._request_headers = {} if owns_http_client else config.headers()

    @property
    def base_url(self) -> str:
        """The API root every path is joined to, such as ``https://api.faraday.ai/v1``."""
        return self._config.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r}, api_key='***')"

    def _build_request(
        self,
        http_client: httpx.Client | httpx.AsyncClient,
        call: APICall[Any],
        *,
        timeout: TimeoutTypes | NotGiven,
        extra_headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        headers = {**self._request_headers, **call.headers}
        if extra_headers:
            headers.update(check_headers(extra_headers, name="extra_headers"))
        chosen = self._config.timeout if isinstance(timeout, NotGiven) else resolve_timeout(timeout)
        return http_client.build_request(
            call.method,
            self._config.url(call.path),
            json=call.json,
            params=call.params,
            headers=headers,
            timeout=chosen,
        )

    def _too_large(self, response: httpx.Response) -> UnexpectedResponseError:
        return UnexpectedResponseError(
            f"the body is larger than {MAX_RESPONSE_BYTES} bytes; stopped reading",
            response=response,
        )

    def _undecodable(self, response: httpx.Response) -> UnexpectedResponseError:
        # Faraday answered, so nothing is retried: the body just cannot be read.
        encoding = response.headers.get("content-encoding", "")
        return UnexpectedResponseError(
            f"the body does not decode as its Content-Encoding {encoding!r} says",
            response=response,
        )

    def _finish(self, call: APICall[T], response: httpx.Response) -> T | None:
        return parse_response(
            response, success_status=call.success_status, parse=call.parse, secrets=self._secrets
        )


class SyncAPIClient(BaseClient):
    """Sends calls with an ``httpx.Client``."""

    def __init__(
        self,
        config: ClientConfig,
        http_client: httpx.Client | None,
        retry_policy: RetryPolicy | None,
    ) -> None:
        _check_http_client(http_client, httpx.Client, "Faraday")
        super().__init__(config, retry_policy, owns_http_client=http_client is None)
        self._http_client = http_client or httpx.Client(headers=config.headers())
        self._closed = False

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
        if self._owns_http_client:
            self._http_client.close()

    def request(
        self,
        call: APICall[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T | None:
        """Send ``call`` with retries as the policy allows, and parse the answer."""
        if self._closed or self._http_client.is_closed:
            raise ClientClosedError("This Faraday client is closed; create a new one")
        request = self._build_request(
            self._http_client, call, timeout=timeout, extra_headers=extra_headers
        )
        tracker = RetryTracker(self._retry_policy, call, request, self._config.total_timeout)
        while True:
            tracker.start_attempt()
            try:
                response = self._send(request, tracker)
            except httpx.TransportError as error:
                delay = tracker.after_error(error)
            else:
                retry_delay = tracker.after_response(response)
                if retry_delay is None:
                    return self._finish(call, response)
                delay = retry_delay
            time.sleep(delay)

    def _send(self, request: httpx.Request, tracker: RetryTracker) -> httpx.Response:
        response = self._http_client.send(request, stream=True)
        if not response.is_stream_consumed:
            bound = _BodyBound(response, tracker, self._too_large)
            # httpx.Client responses always carry a sync stream.
            response.stream = _BoundedSyncStream(cast(httpx.SyncByteStream, response.stream), bound)
            try:
                response.read()  # httpx decodes as usual; the bounded stream limits what it reads
            except httpx.DecodingError:
                raise self._undecodable(response) from None
            finally:
                response.close()
        return response


class AsyncAPIClient(BaseClient):
    """Sends calls with an ``httpx.AsyncClient``."""

    def __init__(
        self,
        config: ClientConfig,
        http_client: httpx.AsyncClient | None,
        retry_policy: RetryPolicy | None,
    ) -> None:
        _check_http_client(http_client, httpx.AsyncClient, "AsyncFaraday")
        super().__init__(config, retry_policy, owns_http_client=http_client is None)
        self._http_client = http_client or httpx.AsyncClient(headers=config.headers())
        self._closed = False

    async def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
        if self._owns_http_client:
            await self._http_client.aclose()

    async def request(
        self,
        call: APICall[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T | None:
        """Send ``call`` with retries as the policy allows, and parse the answer."""
        if self._closed or self._http_client.is_closed:
            raise ClientClosedError("This Faraday client is closed; create a new one")
        request = self._build_request(
            self._http_client, call, timeout=timeout, extra_headers=extra_headers
        )
        tracker = RetryTracker(self._retry_policy, call, request, self._config.total_timeout)
        while True:
            tracker.start_attempt()
            try:
                response = await self._send(request, tracker)
            except httpx.TransportError as error:
                delay = tracker.after_error(error)
            else:
                retry_delay = tracker.after_response(response)
                if retry_delay is None:
                    return self._finish(call, response)
                delay = retry_delay
            # anyio is httpx's own async layer: the wait works under asyncio and trio
            # alike. Loaded at the first retry, not on every call or at import.
            import anyio

            await anyio.sleep(delay)

    async def _send(self, request: httpx.Request, tracker: RetryTracker) -> httpx.Response:
        response = await self._http_client.send(request, stream=True)
        if not response.is_stream_consumed:
            bound = _BodyBound(response, tracker, self._too_large)
            # httpx.AsyncClient responses always carry an async stream.
            response.stream = _BoundedAsyncStream(
                cast(httpx.AsyncByteStream, response.stream), bound
            )
            try:
                await response.aread()
            except httpx.DecodingError:
                raise self._undecodable(response) from None
            finally:
                await response.aclose()
        return response


class _BodyBound:
    """Counts a response's raw bytes as they arrive: at most ``MAX_RESPONSE_BYTES``,
    and never past the whole-call deadline (a body trickling in must not outlast it)."""

    def __init__(
        self,
        response: httpx.Response,
        tracker: RetryTracker,
        too_large: Callable[[httpx.Response], Exception],
    ) -> None:
        self._response = response
        self._tracker = tracker
        self._too_large = too_large
        self._size = 0

    def admit(self, chunk: bytes) -> bytes:
        self._size += len(chunk)
        if self._size > MAX_RESPONSE_BYTES:
            raise self._too_large(self._response)
        self._tracker.check_deadline()
        return chunk


class _BoundedSyncStream(httpx.SyncByteStream):
    """The response's own stream, read through a ``_BodyBound``."""

    def __init__(self, stream: httpx.SyncByteStream, bound: _BodyBound) -> None:
        self._stream = stream
        self._bound = bound

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            yield self._bound.admit(chunk)

    def close(self) -> None:
        self._stream.close()


class _BoundedAsyncStream(httpx.AsyncByteStream):
    """The response's own stream, read through a ``_BodyBound``."""

    def __init__(self, stream: httpx.AsyncByteStream, bound: _BodyBound) -> None:
        self._stream = stream
        self._bound = bound

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield self._bound.admit(chunk)

    async def aclose(self) -> None:
        await self._stream.aclose()
