"""The one request path shared by the sync and async clients.

Steps 1, 2 and 4 of every call (check inputs, build the request, parse the
answer), the retry decision and the whole-call deadline are the same objects for
both clients; only sending, reading and sleeping differ.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import httpx

from ._body import BodyTooLarge, BodyUndecodable, BoundedBody
from ._call import NOT_GIVEN, APICall, NotGiven
from ._config import ClientConfig, TimeoutTypes, resolve_timeout
from ._deadline import Deadline
from ._operations import operation_for
from ._responses import ResponseReader
from ._retries import RetryPolicy, RetryTracker
from ._typing import OperationModule
from ._validation import check_headers
from .errors import ClientClosedError, ConfigurationError, InvalidRequestError

T = TypeVar("T")

# A response larger than this, as sent or once decoded, is not a Faraday answer.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
# Names ``call()`` keeps for itself; an operation's parameters use any others.
CALL_OPTIONS = ("timeout", "extra_headers", "idempotency_key")


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
