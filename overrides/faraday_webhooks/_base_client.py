"""The one request path shared by ``Faraday`` and ``AsyncFaraday``.

A call, as data: the generated endpoint module's ``_get_kwargs`` builds the request
and the facts ``./generate.sh`` wrote beside it (success and error statuses, the
``Idempotency-Key`` header, UUID parameters, array limits, the success model) say how
to check and read it (``APICall``). ``BaseClient`` holds every decision: building the
request, the whole-call ``Deadline``, when to retry (``RetryTracker``), and parsing
the answer. ``SyncAPIClient`` and ``AsyncAPIClient`` only send, read and sleep.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any, Generic, Protocol, TypeVar, overload

import anyio
import attrs
import httpx
from faraday_webhooks_api.api import OPERATIONS
from faraday_webhooks_api.models import Error
from faraday_webhooks_api.models import WebhookEndpoint as GeneratedWebhookEndpoint

from ._body import BodyTooLarge, BodyUndecodable, BoundedBody
from ._config import ClientConfig, TimeoutTypes, resolve_timeout
from ._models import PUBLIC_MODELS, WebhookEndpoint
from ._responses import DOCUMENTED_ERROR_STATUSES, ResponseReader, parse_nothing
from ._retries import RetryPolicy, connection_error
from ._validation import check_headers, check_json_body, check_uuid
from .errors import (
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    InvalidRequestError,
    request_label,
)

T = TypeVar("T")
# The monotonic time by which the call running in this thread must be over, if any:
# the sync transport's sockets obey it (_http_clients.py).
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "faraday_webhooks_deadline", default=None
)
T_co = TypeVar("T_co", covariant=True)
logger = logging.getLogger("faraday_webhooks")

# A response larger than this, as sent or once decoded, is not a Faraday answer.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})


class NotGiven:
    """Sentinel for "argument not passed" where ``None`` is a meaningful value."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()


class OperationModule(Protocol[T_co]):
    """A generated endpoint module, seen by the type of its success result: mypy and
    pyright infer ``T_co`` from its ``sync(...) -> Error | <model> | None``."""

    @property
    def sync(self) -> Callable[..., Error | T_co | None]: ...


# The generated endpoint model is answered as the public one it is parsed into.
EndpointOperation = OperationModule[GeneratedWebhookEndpoint]
EndpointsOperation = OperationModule[list[GeneratedWebhookEndpoint]]


def _parse_list(parse_item: Callable[[Any], T], body: Any) -> list[T]:
    if body.__class__ is not list:
        raise TypeError(f"expected a JSON array, got {type(body).__name__}")
    # In place: each item's dict is freed as its model is made, so a long answer is
    # never held twice (and the garbage collector has half as much to look at).
    for index, item in enumerate(body):
        body[index] = parse_item(item)
    return body


@functools.cache
def _success_parser(module: ModuleType) -> Callable[[Any], Any]:
    """How to read an operation's success body: its model (the public subclass where
    there is one), a list of them, or nothing."""
    model = module.SUCCESS_MODEL
    if model is None:
        return parse_nothing
    parse = PUBLIC_MODELS.get(model, model).from_dict
    return functools.partial(_parse_list, parse) if module.SUCCESS_IS_LIST else parse


def operation_module(operation: Any) -> ModuleType:
    """The generated endpoint module for a module or its ``operationId``.

    Example::

        operation_module("getWebhookEndpoint").SUCCESS_STATUS   # 200
    """
    if isinstance(operation, str):
        found = OPERATIONS.get(operation)
    elif isinstance(operation, ModuleType):
        found = OPERATIONS.get(getattr(operation, "OPERATION_ID", ""))
    else:
        raise InvalidRequestError(
            "operation must be a generated endpoint module or its operationId, "
            f"not {type(operation).__name__}"
        )
    if found is None:
        raise InvalidRequestError(
            f"openapi.yaml has no operation {str(operation)[:100]!r}; it has: "
            + ", ".join(sorted(OPERATIONS))
        )
    return found


def _checked_parameters(module: ModuleType, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` checked against what openapi.yaml says of them (nothing is sent on failure)."""
    checked = dict(params)
    for name, value in params.items():
        if name in module.UUID_PARAMETERS:
            checked[name] = check_uuid(value, name=name)
        elif name in module.UUID_LIST_LIMITS:
            if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
                raise InvalidRequestError(f"{name} must be a list, not {type(value).__name__}")
            items = [check_uuid(item, name=f"{name} item") for item in value]
            limit = module.UUID_LIST_LIMITS[name]
            if limit is not None and len(items) > limit:
                raise InvalidRequestError(f"{name} takes at most {limit} items, got {len(items)}")
            checked[name] = items
        elif name == "body" and not isinstance(value, module.BODY_MODEL or ()):
            raise InvalidRequestError(
                f"{module.OPERATION_ID} takes body={getattr(module.BODY_MODEL, '__name__', None)}"
                f"(...), not {type(value).__name__}"
            )
    return checked


def _no_headers_as_empty(headers: Mapping[str, str] | None) -> Mapping[str, str]:
    return headers or {}


@attrs.define(kw_only=True, repr=False)
class APICall(Generic[T]):
    """One operation, as data: what to send and how to read the answer.

    Example::

        call = APICall.for_operation(get_webhook_endpoint, {"webhook_endpoint_id": endpoint_id})
        endpoint = client.request(call)
    """

    method: str
    path: str
    success_status: int
    parse: Callable[[Any], T]
    idempotent: bool
    json: Any = None
    params: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_no_headers_as_empty)
    error_statuses: frozenset[int] = DOCUMENTED_ERROR_STATUSES

    def __repr__(self) -> str:
        return f"APICall({self.method} {self.path} -> {self.success_status})"

    @classmethod
    def for_operation(
        cls, module: ModuleType, params: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> APICall[Any]:
        """The call for one generated operation, its request built by ``_get_kwargs``.

        Where openapi.yaml declares ``Idempotency-Key``, the call carries one (the one
        given, or a fresh uuid4), the same on every retry, and is retried as idempotent.
        """
        build = module._get_kwargs
        try:
            kwargs: dict[str, Any] = build(**_checked_parameters(module, params))
        except TypeError as problem:  # a missing or unknown parameter: say what it takes
            raise InvalidRequestError(
                f"{module.OPERATION_ID} takes {inspect.signature(build)}: {problem}"
            ) from None
        headers = dict(kwargs.get("headers") or {})
        key_header = module.IDEMPOTENCY_HEADER
        if key_header is not None:
            headers[key_header] = str(uuid.uuid4()) if idempotency_key is None else idempotency_key
        elif idempotency_key is not None:
            raise InvalidRequestError(
                f"{module.OPERATION_ID} declares no Idempotency-Key header in openapi.yaml"
            )
        method = kwargs["method"].upper()
        return cls(
            method=method,
            path=kwargs["url"],
            success_status=module.SUCCESS_STATUS,
            parse=_success_parser(module),
            idempotent=method in IDEMPOTENT_METHODS or key_header is not None,
            json=kwargs.get("json"),
            params=kwargs.get("params") or None,
            headers=headers,
            error_statuses=module.ERROR_STATUSES,
        )


def _call_and_options(operation: Any, params: dict[str, Any]) -> tuple[APICall[Any], Any]:
    """``call()``'s arguments as the operation's call, and the options ``request()`` takes."""
    options = {name: params.pop(name) for name in ("timeout", "extra_headers") if name in params}
    key = params.pop("idempotency_key", None)
    return APICall.for_operation(operation_module(operation), params, idempotency_key=key), options


class Deadline:
    """When a whole call must be over (``total_timeout``); ``None`` seconds means never.

    Example::

        deadline = Deadline(2.0, request)
        deadline.check()        # raises APITimeoutError once 2 s have passed
    """

    __slots__ = ("_at", "request", "seconds")

    def __init__(self, seconds: float | None, request: httpx.Request) -> None:
        self.seconds = seconds
        self.request = request
        self._at = math.inf if seconds is None else time.monotonic() + seconds

    @property
    def bounded(self) -> bool:
        return self.seconds is not None

    def remaining(self) -> float:
        """Seconds left (``inf`` without a deadline; may be <= 0)."""
        return self._at - time.monotonic()

    def check(self) -> float:
        """Seconds left; raises ``APITimeoutError`` when none are."""
        remaining = self._at - time.monotonic()
        if remaining <= 0:
            raise self.expired()
        return remaining

    def expired(self) -> APITimeoutError:
        return APITimeoutError(
            f"{request_label(self.request)}: the total timeout of {self.seconds}s ran out",
            request=self.request,
        )


class RetryTracker:
    """One call's attempts against the policy and the deadline: whether to go again,
    and how long to wait first. Each attempt's httpx timeouts shrink to what remains."""

    def __init__(self, policy: RetryPolicy, call: APICall[Any], deadline: Deadline) -> None:
        self.policy = policy
        self.call = call
        self.deadline = deadline
        self.attempt = 0
        self._attempt_timeouts: dict[str, float | None] = (
            dict(deadline.request.extensions.get("timeout", {})) if deadline.bounded else {}
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
            raise connection_error(error, self.deadline.request) from error
        return delay

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before trying again, or ``None`` when this response is the answer."""
        if not self.policy.should_retry_status(
            response.status_code, attempt=self.attempt, idempotent=self.call.idempotent
        ):
            return None
        return self._next(f"HTTP {response.status_code}", response)

    def _next(self, cause: str, response: httpx.Response | None) -> float | None:
        delay = self.policy.delay(self.attempt, response)
        if time.monotonic() + delay >= self.deadline._at:
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


def _with_body(response: httpx.Response, content: bytes) -> httpx.Response:
    """``response`` with its body read: the bytes as decoded, so the encoding header goes."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions=response.extensions,
    )


class BaseClient:
    """What both clients share: configuration, request building, retry decisions, parsing."""

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
        self._owns_http_client = owns_http_client  # one the caller brought stays theirs
        self._request_headers = {} if owns_http_client else config.headers()
        self._closed = False

    @property
    def base_url(self) -> str:
        """The API root every path is joined to, such as ``https://api.faraday.ai/v1``."""
        return self._config.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r}, api_key='***')"

    def _closed_error(self) -> ClientClosedError:
        return ClientClosedError(f"This {type(self).__name__} client is closed; create a new one")

    def _build_request(
        self,
        http_client: httpx.Client | httpx.AsyncClient,
        call: APICall[Any],
        timeout: TimeoutTypes | NotGiven,
        extra_headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        if self._closed or http_client.is_closed:
            raise self._closed_error()
        # Checked first, so no frame holds the key when a bad argument raises.
        extra = check_headers(extra_headers, name="extra_headers") if extra_headers else None
        chosen = (
            self._config.timeout
            if isinstance(timeout, NotGiven)
            else resolve_timeout(timeout, error=InvalidRequestError)
        )
        content = None if call.json is None else check_json_body(call.json)
        # Our own httpx clients carry the configured headers; one the caller brought may
        # have other defaults, so its requests carry ours. Merged case-insensitively: a
        # per-call "authorization" replaces the key and never joins it.
        headers = httpx.Headers(self._request_headers)
        headers.update(call.headers)
        if extra:
            headers.update(extra)
        if content is not None and "content-type" not in headers:
            headers["Content-Type"] = "application/json"
        try:
            return http_client.build_request(
                call.method,
                self._config.url(call.path),
                content=content,
                params=call.params,
                headers=headers,
                timeout=chosen,
            )
        finally:
            del headers  # no frame of ours keeps the key in a plain local once this returns

    def _prepare(
        self,
        call: APICall[T],
        http_client: httpx.Client | httpx.AsyncClient,
        timeout: TimeoutTypes | NotGiven,
        extra_headers: Mapping[str, str] | None,
    ) -> tuple[httpx.Request, RetryTracker]:
        request = self._build_request(http_client, call, timeout, extra_headers)
        deadline = Deadline(self._config.total_timeout, request)
        return request, RetryTracker(self._retry_policy, call, deadline)

    def _body_reader(self, response: httpx.Response) -> BoundedBody:
        try:
            return BoundedBody(response.headers.get("content-encoding"), MAX_RESPONSE_BYTES)
        except BodyUndecodable:
            raise self._reader.undecodable(response) from None

    def _read_failed(self, response: httpx.Response, problem: Exception) -> Exception:
        if isinstance(problem, BodyTooLarge):
            return self._reader.too_large(response, MAX_RESPONSE_BYTES)
        return self._reader.undecodable(response)

    def _finish(self, call: APICall[T], response: httpx.Response) -> T:
        return self._reader.parse(
            response,
            success_status=call.success_status,
            parse=call.parse,
            error_statuses=call.error_statuses,
        )


class SyncAPIClient(BaseClient):
    """Sends calls with an ``httpx.Client``: the request path's I/O, nothing else."""

    def __init__(
        self,
        config: ClientConfig,
        http_client: httpx.Client | None,
        retry_policy: RetryPolicy | None,
    ) -> None:
        _check_http_client(http_client, httpx.Client, "Faraday")
        super().__init__(config, retry_policy, owns_http_client=http_client is None)
        self._given_http_client = http_client
        self._http_client_lock = threading.Lock()
        self._http_clients: dict[int, httpx.Client] = {}
        self._http_client_for_this_process()  # environment problems surface here

    def _http_client_for_this_process(self) -> httpx.Client:
        """The connection pool of this process: a forked child opens its own, so no
        answer read on a socket ever crosses between processes."""
        if self._given_http_client is not None:
            return self._given_http_client
        pid = os.getpid()
        http_client = self._http_clients.get(pid)
        if http_client is None:
            with self._http_client_lock:
                # Here, as httpx imports httpcore only when it builds a transport.
                from ._http_clients import sync_http_client

                http_client = self._http_clients.get(pid) or sync_http_client(
                    self._config.headers()
                )
                self._http_clients = {pid: http_client}  # the parent's pool is not ours to close
        return http_client

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
        if self._owns_http_client:
            for http_client in self._http_clients.values():
                http_client.close()

    @overload
    def call(self, operation: EndpointOperation, /, **params: Any) -> WebhookEndpoint: ...
    @overload
    def call(self, operation: EndpointsOperation, /, **params: Any) -> list[WebhookEndpoint]: ...
    @overload
    def call(self, operation: OperationModule[T], /, **params: Any) -> T: ...
    @overload
    def call(self, operation: str, /, **params: Any) -> Any: ...
    def call(self, operation: Any, /, **params: Any) -> Any:
        """Call any operation of openapi.yaml, with every guarantee ``client.webhooks`` has.

        ``operation`` is a generated endpoint module or its ``operationId``; ``params``
        are its ``_get_kwargs`` arguments, plus ``timeout=``, ``extra_headers=`` and
        ``idempotency_key=`` (where openapi.yaml declares one) for this call. Auth,
        timeouts, retries, the exception tree, the bounded read and the typed, checked
        result are the same.

        Example::

            from faraday_webhooks_api.api.webhooks import get_webhook_endpoint

            endpoint = client.call(get_webhook_endpoint, webhook_endpoint_id=endpoint_id)
            same = client.call("getWebhookEndpoint", webhook_endpoint_id=endpoint_id)
        """
        api_call, options = _call_and_options(operation, params)
        return self.request(api_call, **options)

    def request(
        self,
        call: APICall[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send ``call`` with retries as the policy allows, and parse the answer."""
        http_client = self._http_client_for_this_process()
        request, tracker = self._prepare(call, http_client, timeout, extra_headers)
        with _governing(tracker.deadline):
            while True:
                tracker.start_attempt()
                try:
                    response = self._send(http_client, request, tracker.deadline)
                except httpx.TransportError as error:
                    delay = tracker.after_error(error)
                except RuntimeError:  # httpx: "the client has been closed" (by another thread)
                    raise self._closed_error() from None
                else:
                    retry_delay = tracker.after_response(response)
                    if retry_delay is None:
                        return self._finish(call, response)
                    delay = retry_delay
                time.sleep(delay)
                if self._closed:
                    raise self._closed_error()

    def _send(
        self, http_client: httpx.Client, request: httpx.Request, deadline: Deadline
    ) -> httpx.Response:
        response = http_client.send(request, stream=True)
        if response.is_stream_consumed:  # a transport that answered with the body in memory
            return response
        try:
            body = self._body_reader(response)
            for chunk in response.iter_raw():
                body.feed(chunk)
                deadline.check()  # a body trickling in must not outlast the deadline
            return _with_body(response, body.finish())
        except (BodyTooLarge, BodyUndecodable) as problem:
            raise self._read_failed(response, problem) from None
        finally:
            response.close()


class AsyncAPIClient(BaseClient):
    """Sends calls with an ``httpx.AsyncClient``: the request path's I/O, nothing else."""

    def __init__(
        self,
        config: ClientConfig,
        http_client: httpx.AsyncClient | None,
        retry_policy: RetryPolicy | None,
    ) -> None:
        _check_http_client(http_client, httpx.AsyncClient, "AsyncFaraday")
        super().__init__(config, retry_policy, owns_http_client=http_client is None)
        if http_client is None:
            from ._http_clients import async_http_client  # as httpx imports httpcore: when needed

            http_client = async_http_client(self._config.headers())
        self._http_client = http_client

    async def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
        if self._owns_http_client:
            await self._http_client.aclose()

    @overload
    async def call(self, operation: EndpointOperation, /, **params: Any) -> WebhookEndpoint: ...
    @overload
    async def call(
        self, operation: EndpointsOperation, /, **params: Any
    ) -> list[WebhookEndpoint]: ...
    @overload
    async def call(self, operation: OperationModule[T], /, **params: Any) -> T: ...
    @overload
    async def call(self, operation: str, /, **params: Any) -> Any: ...
    async def call(self, operation: Any, /, **params: Any) -> Any:
        """Call any operation of openapi.yaml (see ``Faraday.call``).

        Example::

            endpoint = await client.call("getWebhookEndpoint", webhook_endpoint_id=endpoint_id)
        """
        api_call, options = _call_and_options(operation, params)
        return await self.request(api_call, **options)

    async def request(
        self,
        call: APICall[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send ``call`` with retries as the policy allows, and parse the answer."""
        request, tracker = self._prepare(call, self._http_client, timeout, extra_headers)
        while True:
            tracker.start_attempt()
            try:
                response = await self._send_within(request, tracker.deadline)
            except httpx.TransportError as error:
                delay = tracker.after_error(error)
            except RuntimeError as problem:
                raise self._runtime_error(problem) from None
            else:
                retry_delay = tracker.after_response(response)
                if retry_delay is None:
                    return self._finish(call, response)
                delay = retry_delay
            # anyio is httpx's own async layer: the wait works under asyncio and trio alike.
            await anyio.sleep(delay)
            if self._closed:
                raise self._closed_error()

    def _runtime_error(self, problem: RuntimeError) -> Exception:
        if self._closed or self._http_client.is_closed:
            return self._closed_error()
        # A pooled connection belongs to the event loop that opened it.
        return ClientClosedError(
            f"This AsyncFaraday client's connections belong to an event loop that has "
            f"ended ({problem}); create one AsyncFaraday per event loop (per asyncio.run)"
        )

    async def _send_within(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        if not deadline.bounded:
            return await self._send(request, deadline)
        # A cancel scope ends the attempt at the deadline wherever it waits: for the
        # connection, the headers, or the body.
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
            return _with_body(response, body.finish())
        except (BodyTooLarge, BodyUndecodable) as problem:
            raise self._read_failed(response, problem) from None
        finally:
            await response.aclose()


def _check_http_client(http_client: object, expected: type[Any], owner: str) -> None:
    if http_client is not None and not isinstance(http_client, expected):
        raise ConfigurationError(
            f"{owner} needs an {expected.__module__}.{expected.__qualname__} as http_client, "
            f"not {type(http_client).__name__}"
        )


@contextlib.contextmanager
def _governing(deadline: Deadline) -> Iterator[None]:
    """Makes ``deadline`` the one the sync transport's sockets obey while the block runs."""
    token = DEADLINE.set(deadline._at if deadline.bounded else None)
    try:
        yield
    finally:
        DEADLINE.reset(token)
