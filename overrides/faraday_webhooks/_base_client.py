"""The one request path shared by the sync and async clients.

Steps 1, 2 and 4 of every call (check inputs, build the request, parse the
answer) and the retry decision are the same functions for both clients; only
sending and sleeping differ.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import httpx

from ._config import ClientConfig, TimeoutTypes, resolve_timeout
from ._responses import parse_response
from ._retries import RetryPolicy
from .errors import APIConnectionError, APITimeoutError, ClientClosedError, UnexpectedResponseError

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
        self._attempt_timeouts: dict[str, float | None] = dict(
            request.extensions.get("timeout", {})
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


class BaseClient:
    """What both clients share: configuration, request building and response parsing."""

    def __init__(self, config: ClientConfig, retry_policy: RetryPolicy | None) -> None:
        self._config = config
        self._retry_policy = retry_policy or RetryPolicy(max_retries=config.max_retries)
        self._secrets = (config.api_key,)

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
        headers = self._config.headers()
        headers.update(call.headers)
        if extra_headers:
            headers.update(extra_headers)
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
        super().__init__(config, retry_policy)
        # A client the caller brought stays theirs to close.
        self._owns_http_client = http_client is None
        self._http_client = http_client or httpx.Client()
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
        if response.is_stream_consumed:  # already in memory (for example httpx.MockTransport)
            return response
        try:
            chunks, size = [], 0
            for chunk in response.iter_raw():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise self._too_large(response)
                tracker.check_deadline()  # a body trickling in must not outlast the call
                chunks.append(chunk)
        finally:
            response.close()
        # Re-wrap the read bytes so .content, .json() and decoding work as usual.
        return _completed(response, b"".join(chunks))


class AsyncAPIClient(BaseClient):
    """Sends calls with an ``httpx.AsyncClient``."""

    def __init__(
        self,
        config: ClientConfig,
        http_client: httpx.AsyncClient | None,
        retry_policy: RetryPolicy | None,
    ) -> None:
        super().__init__(config, retry_policy)
        self._owns_http_client = http_client is None
        self._http_client = http_client or httpx.AsyncClient()
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
        import asyncio  # only async users pay for it

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
            await asyncio.sleep(delay)

    async def _send(self, request: httpx.Request, tracker: RetryTracker) -> httpx.Response:
        response = await self._http_client.send(request, stream=True)
        if response.is_stream_consumed:
            return response
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise self._too_large(response)
                tracker.check_deadline()  # a body trickling in must not outlast the call
                chunks.append(chunk)
        finally:
            await response.aclose()
        return _completed(response, b"".join(chunks))


def _completed(streamed: httpx.Response, raw: bytes) -> httpx.Response:
    """A fully-read response with the same status, headers and request as ``streamed``."""
    response = httpx.Response(
        streamed.status_code,
        headers=streamed.headers,
        content=raw,
        request=streamed.request,
        extensions=streamed.extensions,
    )
    return response
