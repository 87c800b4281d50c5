"""The one request path shared by the sync and async clients.

Steps 1, 2 and 4 of every call (check inputs, build the request, parse the
answer), the retry decision and the whole-call deadline are the same objects for
both clients; only sending, reading and sleeping differ.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, overload

import httpx

from ._body import BodyTooLarge, BodyUndecodable, BoundedBody
from ._config import ClientConfig, TimeoutTypes, resolve_timeout
from ._deadline import Deadline
from ._operations import IDEMPOTENCY_HEADER, Operation, new_idempotency_key, operation_for
from ._responses import DOCUMENTED_ERROR_STATUSES, ResponseReader
from ._retries import RetryPolicy
from ._typing import OperationModule
from ._validation import check_headers
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    InvalidRequestError,
    request_label,
)

T = TypeVar("T")

logger = logging.getLogger("faraday_webhooks")

# A response larger than this, as sent or once decoded, is not a Faraday answer.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
# Names ``call()`` keeps for itself; an operation's parameters use any others.
CALL_OPTIONS = ("timeout", "extra_headers", "idempotency_key")


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
        "error_statuses",
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
        parse: Callable[[Any], T],
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        error_statuses: frozenset[int] = DOCUMENTED_ERROR_STATUSES,
    ) -> None:
        self.method = method
        self.path = path
        self.success_status = success_status
        self.parse = parse
        self.idempotent = idempotent
        self.json = json
        self.params = params
        self.headers: Mapping[str, str] = headers or {}
        self.error_statuses = error_statuses

    def __repr__(self) -> str:
        return f"APICall({self.method} {self.path} -> {self.success_status})"

    @classmethod
    def for_operation(
        cls,
        operation: Operation,
        params: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> APICall[Any]:
        """The call for one of openapi.yaml's operations, built by its generated module.

        Where the operation declares ``Idempotency-Key``, the call carries one (``idempotency_key``
        or a fresh uuid4), the same on every retry, and is retried like an idempotent call.
        """
        kwargs = operation.request_kwargs(params)
        headers = dict(kwargs.get("headers") or {})
        if operation.idempotency_key:
            headers[IDEMPOTENCY_HEADER] = (
                new_idempotency_key() if idempotency_key is None else idempotency_key
            )
        elif idempotency_key is not None:
            raise InvalidRequestError(
                f"{operation.operation_id} declares no {IDEMPOTENCY_HEADER} header in openapi.yaml"
            )
        return cls(
            method=operation.method,
            path=kwargs["url"],
            success_status=operation.success_status,
            parse=operation.parse,
            idempotent=operation.idempotent,
            json=kwargs.get("json"),
            params=kwargs.get("params") or None,
            headers=headers,
            error_statuses=operation.error_statuses,
        )


def _connection_error(error: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Wrap an httpx transport error; the message names the kind, never the headers."""
    where = request_label(request)
    if isinstance(error, httpx.TimeoutException):
        kind = type(error).__name__.replace("Timeout", " timeout").lower().strip()
        return APITimeoutError(f"{where}: {kind} ran out before Faraday answered", request=request)
    detail = str(error)[:200] or type(error).__name__
    return APIConnectionError(f"{where}: no answer from Faraday ({detail})", request=request)


class RetryTracker:
    """One call's attempts: whether to go again, and how long to wait first.

    Each attempt's httpx timeouts shrink to what remains of the whole-call deadline.
    """

    def __init__(self, policy: RetryPolicy, call: APICall[Any], deadline: Deadline) -> None:
        self.policy = policy
        self.call = call
        self.deadline = deadline
        self.attempt = 0
        request = deadline.request
        # The per-attempt limits the deadline shrinks; not needed without one.
        self._attempt_timeouts: dict[str, float | None] = (
            dict(request.extensions.get("timeout", {})) if deadline.bounded else {}
        )

    def start_attempt(self) -> None:
        """Fit this attempt's timeouts into what remains of the deadline (or raise if none)."""
        if not self.deadline.bounded:
            return
        remaining = self.deadline.check()
        self.deadline.request.extensions["timeout"] = {
            name: remaining if limit is None else min(limit, remaining)
            for name, limit in self._attempt_timeouts.items()
        }

    def after_error(self, error: httpx.TransportError) -> float:
        """Seconds to wait before trying again; raises the wrapped error when it is final."""
        if self.deadline.bounded and self.deadline.remaining() <= 0:
            raise self.deadline.expired() from error
        delay = None
        if self.policy.should_retry_error(
            error, attempt=self.attempt, idempotent=self.call.idempotent
        ):
            delay = self._next(type(error).__name__, None)
        if delay is None:
            raise _connection_error(error, self.deadline.request) from error
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
        if not self.deadline.allows_wait(delay):
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
    """What both clients share: configuration, request building and response reading."""

    def __init__(
        self, config: ClientConfig, retry_policy: RetryPolicy | None, *, owns_http_client: bool
    ) -> None:
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError(
                f"retry_policy must be a RetryPolicy, not {type(retry_policy).__name__}"
            )
        self._config = config
        self._retry_policy = retry_policy or RetryPolicy(max_retries=config.max_retries)
        self._reader = ResponseReader(secrets=[config.api_key])
        # A client the caller brought stays theirs to close.
        self._owns_http_client = owns_http_client
        # An httpx client we create carries the configured headers itself (merging
        # them into every request costs httpx more); one the caller brought may have
        # any defaults, or change them later, so every request carries ours.
        self._request_headers = {} if owns_http_client else config.headers()
        self._closed = False

    @property
    def base_url(self) -> str:
        """The API root every path is joined to, such as ``https://api.faraday.ai/v1``."""
        return self._config.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r}, api_key='***')"

    def _call_for(
        self, operation: Any, params: Mapping[str, Any], idempotency_key: str | None
    ) -> APICall[Any]:
        return APICall.for_operation(
            operation_for(operation), params, idempotency_key=idempotency_key
        )

    def _build_request(
        self,
        http_client: httpx.Client | httpx.AsyncClient,
        call: APICall[Any],
        *,
        timeout: TimeoutTypes | NotGiven,
        extra_headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        if self._closed or http_client.is_closed:
            raise ClientClosedError(
                f"This {type(self).__name__} client is closed; create a new one"
            )
        headers: Mapping[str, str] = {**self._request_headers, **call.headers}
        if extra_headers:
            # Case-insensitive: a per-call "authorization" replaces the key, never joins it.
            merged = httpx.Headers(headers)
            merged.update(check_headers(extra_headers, name="extra_headers"))
            headers = merged
        chosen = (
            self._config.timeout
            if isinstance(timeout, NotGiven)
            else resolve_timeout(timeout, error=InvalidRequestError)
        )
        return http_client.build_request(
            call.method,
            self._config.url(call.path),
            json=call.json,
            params=call.params,
            headers=headers,
            timeout=chosen,
        )

    def _new_deadline(self, request: httpx.Request) -> Deadline:
        return Deadline(self._config.total_timeout, request)

    def _finish(self, call: APICall[T], response: httpx.Response) -> T:
        return self._reader.parse(
            response,
            success_status=call.success_status,
            parse=call.parse,
            error_statuses=call.error_statuses,
        )

    def _body_reader(self, response: httpx.Response) -> BoundedBody:
        try:
            return BoundedBody(response.headers.get("content-encoding"), MAX_RESPONSE_BYTES)
        except BodyUndecodable:
            raise self._reader.undecodable(response) from None

    def _read_failed(self, response: httpx.Response, problem: Exception) -> Exception:
        if isinstance(problem, BodyTooLarge):
            return self._reader.too_large(response, MAX_RESPONSE_BYTES)
        return self._reader.undecodable(response)


def _http_client_or_error(make: Callable[[], T]) -> T:
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


def _check_http_client(http_client: object, expected: type[Any], owner: str) -> None:
    if http_client is not None and not isinstance(http_client, expected):
        raise ConfigurationError(
            f"{owner} needs an {expected.__module__}.{expected.__qualname__} as http_client, "
            f"not {type(http_client).__name__}"
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
        if http_client is None:
            # Here, not at import: it loads httpcore, which only a client needs.
            from ._sync_transport import govern_by_deadline

            http_client = _http_client_or_error(lambda: httpx.Client(headers=config.headers()))
            govern_by_deadline(http_client)
        self._http_client = http_client

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
        if self._owns_http_client:
            self._http_client.close()

    @overload
    def call(
        self,
        operation: OperationModule[T],
        /,
        *,
        timeout: TimeoutTypes | NotGiven = ...,
        extra_headers: Mapping[str, str] | None = ...,
        idempotency_key: str | None = ...,
        **params: Any,
    ) -> T: ...

    @overload
    def call(
        self,
        operation: str,
        /,
        *,
        timeout: TimeoutTypes | NotGiven = ...,
        extra_headers: Mapping[str, str] | None = ...,
        idempotency_key: str | None = ...,
        **params: Any,
    ) -> Any: ...

    def call(
        self,
        operation: Any,
        /,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        **params: Any,
    ) -> Any:
        """Call any operation of openapi.yaml, with every guarantee ``client.webhooks`` has.

        ``operation`` is a generated endpoint module or its ``operationId``; ``params``
        are its generated ``_get_kwargs`` arguments. Auth, timeouts, retries, the
        exception tree, the bounded read and the typed, checked result are the same.

        Example::

            from faraday_webhooks_api.api.webhooks import get_webhook_endpoint

            endpoint = client.call(get_webhook_endpoint, webhook_endpoint_id=endpoint_id)
            same = client.call("getWebhookEndpoint", webhook_endpoint_id=endpoint_id)
        """
        api_call = self._call_for(operation, params, idempotency_key)
        return self.request(api_call, timeout=timeout, extra_headers=extra_headers)

    def request(
        self,
        call: APICall[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send ``call`` with retries as the policy allows, and parse the answer."""
        request = self._build_request(
            self._http_client, call, timeout=timeout, extra_headers=extra_headers
        )
        deadline = self._new_deadline(request)
        tracker = RetryTracker(self._retry_policy, call, deadline)
        with deadline.governing_this_thread():
            while True:
                tracker.start_attempt()
                try:
                    response = self._send(request, deadline)
                except httpx.TransportError as error:
                    delay = tracker.after_error(error)
                else:
                    retry_delay = tracker.after_response(response)
                    if retry_delay is None:
                        return self._finish(call, response)
                    delay = retry_delay
                time.sleep(delay)

    def _send(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        response = self._http_client.send(request, stream=True)
        if response.is_stream_consumed:  # a transport that answered with the body in memory
            return response
        try:
            body = self._body_reader(response)
            for chunk in response.iter_raw():
                body.feed(chunk)
                deadline.check()  # a body trickling in must not outlast the deadline
            # The decoded body, where httpx's own read() leaves it.
            response._content = body.finish()
        except (BodyTooLarge, BodyUndecodable) as problem:
            raise self._read_failed(response, problem) from None
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
        self._http_client = http_client or _http_client_or_error(
            lambda: httpx.AsyncClient(headers=config.headers())
        )

    async def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
        if self._owns_http_client:
            await self._http_client.aclose()

    @overload
    async def call(
        self,
        operation: OperationModule[T],
        /,
        *,
        timeout: TimeoutTypes | NotGiven = ...,
        extra_headers: Mapping[str, str] | None = ...,
        idempotency_key: str | None = ...,
        **params: Any,
    ) -> T: ...

    @overload
    async def call(
        self,
        operation: str,
        /,
        *,
        timeout: TimeoutTypes | NotGiven = ...,
        extra_headers: Mapping[str, str] | None = ...,
        idempotency_key: str | None = ...,
        **params: Any,
    ) -> Any: ...

    async def call(
        self,
        operation: Any,
        /,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        **params: Any,
    ) -> Any:
        """Call any operation of openapi.yaml (see ``Faraday.call``).

        Example::

            endpoint = await client.call("getWebhookEndpoint", webhook_endpoint_id=endpoint_id)
        """
        api_call = self._call_for(operation, params, idempotency_key)
        return await self.request(api_call, timeout=timeout, extra_headers=extra_headers)

    async def request(
        self,
        call: APICall[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send ``call`` with retries as the policy allows, and parse the answer."""
        request = self._build_request(
            self._http_client, call, timeout=timeout, extra_headers=extra_headers
        )
        deadline = self._new_deadline(request)
        tracker = RetryTracker(self._retry_policy, call, deadline)
        while True:
            tracker.start_attempt()
            try:
                response = await self._send_within(request, deadline)
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

    async def _send_within(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        if not deadline.bounded:
            return await self._send(request, deadline)
        # A cancel scope ends the attempt at the deadline wherever it waits: for the
        # connection, the headers, or the body.
        import anyio

        with anyio.move_on_after(max(deadline.remaining(), 0)):
            return await self._send(request, deadline)
        raise deadline.expired()  # reached only when the scope was cancelled

    async def _send(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        response = await self._http_client.send(request, stream=True)
        if response.is_stream_consumed:
            return response
        try:
            body = self._body_reader(response)
            async for chunk in response.aiter_raw():
                body.feed(chunk)
                deadline.check()
            response._content = body.finish()
        except (BodyTooLarge, BodyUndecodable) as problem:
            raise self._read_failed(response, problem) from None
        finally:
            await response.aclose()
        return response
