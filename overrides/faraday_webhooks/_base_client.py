"""The one request path shared by ``Faraday`` and ``AsyncFaraday``.

A call goes: the generated endpoint module's ``_get_kwargs`` builds the request from
checked arguments; httpx sends it (its own transports, pool and proxies); the body is
read through httpx's streaming API with its size bounded; the generated module's
``_parse_response`` reads it into its model or Faraday's ``Error``, which
``_responses.ResponseReader`` turns into the right exception. ``BaseClient`` holds every
decision (request building, retries and the whole-call deadline through ``Attempts``,
parsing); ``SyncAPIClient`` and ``AsyncAPIClient`` only send, read and
sleep.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import math
import os
import pkgutil
import threading
import time
import types
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar, overload

import anyio
import httpx
from faraday_webhooks_api import api as generated_api
from faraday_webhooks_api.models import Error
from faraday_webhooks_api.models import WebhookEndpoint as GeneratedWebhookEndpoint

from . import tracing
from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ClientConfig,
    TimeoutTypes,
    no_cookies,
    resolve_config,
    resolve_timeout,
)
from ._models import PUBLIC_MODELS, WebhookEndpoint
from ._responses import ResponseReader
from ._retries import RetryPolicy, connection_error
from ._validation import check_headers, check_uuid
from .errors import (
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    InvalidRequestError,
    request_label,
)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
logger = logging.getLogger("faraday_webhooks")

# A response larger than this is not a Faraday answer: reading stops there.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The generated name of an operation's Idempotency-Key header parameter.
IDEMPOTENCY_PARAMETER = "idempotency_key"
# Loopback never goes through a proxy from the environment (httpx mounts: None is
# the client's own, direct transport).
LOOPBACK_PATTERNS = ("all://127.0.0.1", "all://localhost", "all://[::1]")


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


# The generated endpoint model is answered as the public one, whose repr masks the secret.
EndpointOperation = OperationModule[GeneratedWebhookEndpoint]
EndpointsOperation = OperationModule[list[GeneratedWebhookEndpoint]]


def public(parsed: Any) -> Any:
    """A generated result as users receive it: each model with a public subclass becomes
    one, in place (the subclass adds a masked ``repr`` and no state)."""
    items = parsed if parsed.__class__ is list else [parsed]
    if items and items[0].__class__ in PUBLIC_MODELS:  # a list answer holds one model
        for item in items:
            item.__class__ = PUBLIC_MODELS[item.__class__]
    return parsed


# -- an operation: found by module or operationId, its arguments checked -----------


@functools.cache
def _operations() -> dict[str, types.ModuleType]:
    """Every generated endpoint module by its name without underscores (the generator
    names each after its operationId, in snake case)."""
    tags = [
        importlib.import_module(f"{generated_api.__name__}.{tag.name}")
        for tag in pkgutil.iter_modules(generated_api.__path__)
    ]
    return {
        found.name.replace("_", ""): importlib.import_module(f"{tag.__name__}.{found.name}")
        for tag in tags
        for found in pkgutil.iter_modules(tag.__path__)
    }


def operation_module(operation: Any) -> types.ModuleType:
    """The generated endpoint module for a module, or for its ``operationId``.

    Example:

    ```pycon
    >>> operation_module("getWebhookEndpoint").__name__.rsplit(".", 1)[-1]
    'get_webhook_endpoint'

    ```
    """
    if isinstance(operation, types.ModuleType) and hasattr(operation, "_get_kwargs"):
        return operation
    key = operation.replace("_", "").lower() if isinstance(operation, str) else None
    found = _operations().get(key or "")
    if found is None:
        names = sorted(module.__name__.rsplit(".", 1)[-1] for module in _operations().values())
        raise InvalidRequestError(
            f"openapi.yaml has no operation {str(operation)[:100]!r} (give a generated endpoint "
            f"module or its operationId): the generated ones are {', '.join(names)}"
        )
    return found


@functools.cache
def _parameters(module: types.ModuleType) -> Mapping[str, inspect.Parameter]:
    return inspect.signature(module._get_kwargs).parameters


def _checked_argument(annotation: Any, name: str, value: Any) -> Any:
    """An argument checked against its ``_get_kwargs`` annotation where a wrong value would
    misdirect the request: a UUID (it goes into the path), or a request model. (Ids in a
    query are Faraday's to validate; ``client.webhooks.list`` checks its own.)"""
    if annotation is uuid.UUID:
        return check_uuid(value, name=name)
    if hasattr(annotation, "to_dict") and not isinstance(value, annotation):
        raise InvalidRequestError(
            f"{name} must be a {annotation.__name__}, not {type(value).__name__}"
        )
    return value


class Call:
    """One operation's request, built by the generated ``_get_kwargs`` from checked
    arguments (``kwargs``: method, url, params, json, headers); its answer is read by the
    generated ``_parse_response`` of the same ``module``.

    Example:

    ```python
    call = Call(get_webhook_endpoint, {"webhook_endpoint_id": endpoint_id})
    call.kwargs["url"]   # '/webhook_endpoints/2c18...'
    ```
    """

    __slots__ = ("idempotent", "kwargs", "module")

    def __init__(self, operation: Any, arguments: Mapping[str, Any]) -> None:
        module = self.module = operation_module(operation)
        name = operation if isinstance(operation, str) else module.__name__.rsplit(".", 1)[-1]
        parameters = _parameters(module)
        checked = {
            key: _checked_argument(parameters[key].annotation, key, value)
            if key in parameters
            else value
            for key, value in arguments.items()
        }
        # Where openapi.yaml declares an Idempotency-Key, every call carries one (a fresh
        # uuid4 unless given), the same on each retry, and is retried as idempotent.
        declares_key = IDEMPOTENCY_PARAMETER in parameters
        if declares_key and checked.get(IDEMPOTENCY_PARAMETER) is None:
            checked[IDEMPOTENCY_PARAMETER] = str(uuid.uuid4())
        elif declares_key:  # the caller's key goes into a header: checked as one
            check_headers({"Idempotency-Key": checked[IDEMPOTENCY_PARAMETER]}, name=name)
        elif not declares_key and IDEMPOTENCY_PARAMETER in checked:
            raise InvalidRequestError(f"{name} declares no Idempotency-Key header in openapi.yaml")
        try:
            self.kwargs: dict[str, Any] = module._get_kwargs(**checked)
        except TypeError as problem:  # a missing or unknown argument: say what it takes
            signature = inspect.signature(module._get_kwargs)
            raise InvalidRequestError(f"{name} takes {signature}: {problem}") from None
        self.idempotent = self.kwargs["method"].upper() in IDEMPOTENT_METHODS or declares_key


# -- one call's attempts: the retry decisions and the whole-call deadline --------------


class Attempts:
    """One call's attempts against the retry policy and the whole-call deadline
    (``total_timeout``): whether to go again, how long to wait first, and each attempt's
    httpx timeouts shrunk to what remains.

    Example:

    ```python
    attempts = Attempts(policy, idempotent=True, request=request, total=2.0)
    attempts.remaining()    # raises APITimeoutError once 2 s have passed
    ```
    """

    def __init__(
        self, policy: RetryPolicy, idempotent: bool, request: httpx.Request, total: float | None
    ) -> None:
        self.policy, self.idempotent, self.request = policy, idempotent, request
        self.total_timeout = total
        self.deadline = math.inf if total is None else time.monotonic() + total
        self.attempt = 0
        self.status_code: int | None = None  # the last answer's (traces report it)
        self._timeouts: dict[str, float | None] = dict(request.extensions.get("timeout", {}))

    def remaining(self) -> float:
        """Seconds left of the whole call; ``APITimeoutError`` when none are."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.expired()
        return remaining

    def expired(self) -> APITimeoutError:
        return APITimeoutError(
            f"{request_label(self.request)}: the total timeout of {self.total_timeout}s ran out",
            request=self.request,
        )

    def start(self) -> None:
        """Fit this attempt's timeouts into what remains of the deadline (or raise if none)."""
        if self.total_timeout is not None:
            remaining = self.remaining()
            self.request.extensions["timeout"] = {
                name: remaining if limit is None else min(limit, remaining)
                for name, limit in self._timeouts.items()
            }

    def after_error(self, error: httpx.TransportError) -> float:
        """Seconds to wait before trying again; raises the wrapped error when it is final."""
        self.remaining()
        retry = self.policy.should_retry_error(
            error, attempt=self.attempt, idempotent=self.idempotent
        )
        delay = self._next(type(error).__name__, None) if retry else None
        if delay is None:
            raise connection_error(error, self.request) from error
        return delay

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before trying again, or ``None`` when this response is the answer."""
        status = self.status_code = response.status_code
        retry = self.policy.should_retry_status(
            status, attempt=self.attempt, idempotent=self.idempotent
        )
        return self._next(f"HTTP {status}", response) if retry else None

    def _next(self, cause: str, response: httpx.Response | None) -> float | None:
        delay = self.policy.delay(self.attempt, response)
        if time.monotonic() + delay >= self.deadline:
            return None  # waiting would overrun the whole-call deadline: this outcome is final
        self.attempt += 1
        label, limit = request_label(self.request), self.policy.max_retries
        logger.info(
            "retrying %s after %s (retry %d of %d) in %.2fs",
            label,
            cause,
            self.attempt,
            limit,
            delay,
        )
        return delay


# -- reading a body, bounded ----------------------------------------------------------


class BoundedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response's byte stream, read through httpx, that ends the read past
    ``MAX_RESPONSE_BYTES`` or when ``check`` raises (the whole-call deadline).

    The client asks for ``Accept-Encoding: identity`` and refuses any other encoding
    before reading, so the bytes counted are the bytes kept: httpx inflates each 64 KiB
    read of a compressed body without bound, which no count after it can prevent.
    """

    def __init__(
        self, response: httpx.Response, reader: ResponseReader, check: Callable[[], object]
    ) -> None:
        if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
            raise reader.undecodable(response)
        self._stream: Any = response.stream
        self._response, self._reader, self._check = response, reader, check
        self._received = 0

    def _counted(self, chunk: bytes) -> bytes:
        self._received += len(chunk)
        if self._received > MAX_RESPONSE_BYTES:
            raise self._reader.too_large(self._response, MAX_RESPONSE_BYTES)
        self._check()  # a body trickling in must not outlast the deadline
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        return map(self._counted, self._stream)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield self._counted(chunk)

    def close(self) -> None:
        self._stream.close()

    async def aclose(self) -> None:
        await self._stream.aclose()


def read_bounded(
    response: httpx.Response, reader: ResponseReader, check: Callable[[], object] = bool
) -> httpx.Response:
    """``response.read()`` within ``BoundedStream``'s limits, or ``UnexpectedResponseError``.

    Example:

    ```python
    response = read_bounded(http_client.send(request, stream=True), reader)
    ```
    """
    try:
        response.stream = BoundedStream(response, reader, check)
        response.read()
    finally:
        response.close()
    return response


async def aread_bounded(
    response: httpx.Response, reader: ResponseReader, check: Callable[[], object] = bool
) -> httpx.Response:
    """``read_bounded`` for a response of an ``httpx.AsyncClient``."""
    try:
        response.stream = BoundedStream(response, reader, check)
        await response.aread()
    finally:
        await response.aclose()
    return response


# -- the clients ----------------------------------------------------------------------

HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)


def own_http_client(kind: type[HttpClient], config: ClientConfig) -> HttpClient:
    """The httpx client a ``Faraday`` (``httpx.Client``) or ``AsyncFaraday`` client owns:
    httpx's own transport and pool, proxies from the environment (``trust_env``) except
    for loopback, and no cookie jar that keeps anything (the key is the only credential).

    A broken environment (``SSL_CERT_FILE`` pointing nowhere, a proxy httpx cannot read)
    is a ``ConfigurationError`` here, not at the first call.
    """
    try:
        return kind(
            headers=config.headers(),
            cookies=no_cookies(),
            trust_env=True,
            mounts=dict.fromkeys(LOOPBACK_PATTERNS),
        )
    except (ValueError, TypeError, ImportError, OSError, httpx.InvalidURL) as problem:
        variables = "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, SSL_CERT_FILE, SSL_CERT_DIR"
        text = f"cannot build the HTTP client (check {variables}): {type(problem).__name__}"
        raise ConfigurationError(f"{text}: {str(problem)[:200]}") from None


# httpx parses a URL given as text on every request (about 10 us, a tenth of a create);
# a client calls few URLs, so each is parsed once. Bounded: ids in paths make new ones.
# (#30 item 8 removed the old cache; without this one, create costs 1.26x raw httpx.)
@functools.lru_cache(maxsize=256)
def _url(text: str) -> httpx.URL:
    return httpx.URL(text)


class BaseClient(Generic[HttpClient]):
    """What both clients share: configuration, request building, retry decisions, parsing,
    and the httpx client of each process (a forked child opens its own pool, so no answer
    read on a socket ever crosses between processes).

    Arguments fall back to ``FARADAY_API_KEY`` and ``FARADAY_BASE_URL``; with no key
    anywhere, construction raises ``ConfigurationError``. ``timeout`` applies to each
    network operation (httpx's meaning); ``total_timeout``, when set, bounds a whole call
    (every attempt, the waits between them and reading the body; see docs/reliability.md
    for the one wait it cannot end in a sync call). A cleartext ``http://`` base URL must
    be loopback unless ``allow_insecure_http=True``. An ``http_client`` you pass stays
    yours: it is not closed, and its requests carry the client's headers.
    ``webhook_secret`` (one ``whsec_`` secret, or several during a rotation; else
    ``FARADAY_WEBHOOK_SECRET``) is what ``client.webhooks.unwrap`` verifies with.
    """

    _http_client_kind: type[HttpClient]

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: HttpClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        total_timeout: float | None = None,
        allow_insecure_http: bool = False,
        webhook_secret: str | Sequence[str] | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, self._http_client_kind):
            wanted, given = self._http_client_kind.__name__, type(http_client).__name__
            raise ConfigurationError(f"{type(self).__name__} needs an httpx.{wanted}, not {given}")
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError(
                f"retry_policy must be a RetryPolicy, not {type(retry_policy).__name__}"
            )
        self._config = config = resolve_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            total_timeout=total_timeout,
            allow_insecure_http=allow_insecure_http,
            webhook_secret=webhook_secret,
        )
        self._retry_policy = retry_policy or RetryPolicy(max_retries=config.max_retries)
        self._reader = ResponseReader(secrets=[config.api_key])
        self._given_http_client: HttpClient | None = http_client
        self._request_headers = {} if http_client is None else config.headers()
        self._http_clients: dict[int, HttpClient] = {}
        self._http_client_lock = threading.Lock()
        self._closed = False
        self._http_client()  # environment problems surface here

    def _http_client(self) -> HttpClient:
        if self._given_http_client is not None:
            return self._given_http_client
        pid = os.getpid()
        if pid not in self._http_clients:
            with self._http_client_lock:
                if pid not in self._http_clients:  # the parent's pool is not ours to close
                    self._http_clients = {
                        pid: own_http_client(self._http_client_kind, self._config)
                    }
        return self._http_clients[pid]

    @property
    def base_url(self) -> str:
        """The API root every path is joined to, such as ``https://api.faraday.ai/v1``."""
        return self._config.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r}, api_key='***')"

    def _closed_error(self) -> ClientClosedError:
        return ClientClosedError(f"This {type(self).__name__} client is closed; create a new one")

    def _prepare(
        self, http_client: HttpClient, operation: Any, arguments: dict[str, Any]
    ) -> tuple[Call, Attempts]:
        """The call and its attempts, the request built; nothing is sent if a check fails."""
        if self._closed or http_client.is_closed:
            raise self._closed_error()
        timeout = arguments.pop("timeout", NOT_GIVEN)
        # Checked first, so no frame holds the key when a bad argument raises.
        extra = check_headers(arguments.pop("extra_headers", None) or {}, name="extra_headers")
        if not isinstance(timeout, NotGiven):
            timeout = resolve_timeout(timeout, error=InvalidRequestError)
        call = Call(operation, arguments)
        # Our own httpx clients carry the configured headers; one the caller brought may
        # have other defaults, so its requests carry ours. Merged case-insensitively: a
        # per-call "authorization" replaces the key and never joins it.
        kwargs = call.kwargs
        sources = (self._request_headers, kwargs.get("headers") or {}, extra)
        headers = {name.lower(): value for each in sources for name, value in each.items()}
        try:
            request = http_client.build_request(
                kwargs["method"],
                _url(self._config.base_url + kwargs["url"]),
                json=kwargs.get("json"),
                params=kwargs.get("params") or None,
                headers=headers,
                timeout=self._config.timeout if isinstance(timeout, NotGiven) else timeout,
            )
        except (TypeError, ValueError, RecursionError) as problem:  # httpx's JSON encoding
            raise InvalidRequestError(
                f"the request body cannot be sent as JSON: {type(problem).__name__}"
            ) from None
        finally:
            del headers  # no frame of ours keeps the key in a plain local once this returns
        return call, Attempts(
            self._retry_policy, call.idempotent, request, self._config.total_timeout
        )

    def _runtime_error(self, problem: RuntimeError) -> Exception:
        if self._http_client().is_closed:
            return self._closed_error()
        if "event loop is closed" in str(problem).lower():
            # A pooled connection belongs to the event loop that opened it.
            return ClientClosedError(
                "This AsyncFaraday client's connections belong to an event loop that has "
                "ended; create one AsyncFaraday per event loop (per asyncio.run)"
            )
        return problem

    def _finish(self, call: Call, response: httpx.Response) -> Any:
        return public(self._reader.parse(call.module, response))


class SyncAPIClient(BaseClient[httpx.Client]):
    """Sends calls with an ``httpx.Client``: the request path's I/O, nothing else."""

    _http_client_kind = httpx.Client

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
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
        are its ``_get_kwargs`` arguments (``idempotency_key=`` where openapi.yaml
        declares one), plus ``timeout=`` and ``extra_headers=`` for this call. Auth,
        timeouts, retries, the exception tree, the bounded read and the typed, checked
        result are the same; every ``client.webhooks`` method is one such call.

        Example:

        ```python
        from faraday_webhooks_api.api.webhooks import get_webhook_endpoint

        endpoint = client.call(get_webhook_endpoint, webhook_endpoint_id=endpoint_id)
        same = client.call("getWebhookEndpoint", webhook_endpoint_id=endpoint_id)
        ```
        """
        http_client = self._http_client()
        call, attempts = self._prepare(http_client, operation, params)
        if (found := tracing.tracer()) is None:
            return self._send(http_client, call, attempts)
        with tracing.api_call_span(found, call.module.__name__, attempts):
            return self._send(http_client, call, attempts)

    def _send(self, http_client: httpx.Client, call: Call, attempts: Attempts) -> Any:
        while True:
            attempts.start()
            try:
                response = http_client.send(attempts.request, stream=True)
                read_bounded(response, self._reader, attempts.remaining)
            except httpx.TransportError as error:
                delay = attempts.after_error(error)
            except RuntimeError as problem:  # closed by another thread meanwhile, say
                raise self._runtime_error(problem) from None
            else:
                if (wait := attempts.after_response(response)) is None:
                    return self._finish(call, response)
                delay = wait
            time.sleep(delay)
            if self._closed:
                raise self._closed_error()


class AsyncAPIClient(BaseClient[httpx.AsyncClient]):
    """Sends calls with an ``httpx.AsyncClient``: the request path's I/O, nothing else."""

    _http_client_kind = httpx.AsyncClient

    async def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._closed = True
        for http_client in self._http_clients.values():
            await http_client.aclose()

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

        Example:

        ```python
        endpoint = await client.call("getWebhookEndpoint", webhook_endpoint_id=endpoint_id)
        ```
        """
        http_client = self._http_client()
        call, attempts = self._prepare(http_client, operation, params)
        if (found := tracing.tracer()) is None:
            return await self._send(http_client, call, attempts)
        with tracing.api_call_span(found, call.module.__name__, attempts):
            return await self._send(http_client, call, attempts)

    async def _send(self, http_client: httpx.AsyncClient, call: Call, attempts: Attempts) -> Any:
        while True:
            attempts.start()
            try:
                response = await self._send_within(http_client, attempts)
            except httpx.TransportError as error:
                delay = attempts.after_error(error)
            except RuntimeError as problem:
                raise self._runtime_error(problem) from None
            else:
                if (wait := attempts.after_response(response)) is None:
                    return self._finish(call, response)
                delay = wait
            # anyio is httpx's own async layer: the wait works under asyncio and trio alike.
            await anyio.sleep(delay)
            if self._closed:
                raise self._closed_error()

    async def _send_within(
        self, http_client: httpx.AsyncClient, attempts: Attempts
    ) -> httpx.Response:
        if attempts.total_timeout is None:  # no scope to pay for
            return await aread_bounded(
                await http_client.send(attempts.request, stream=True), self._reader
            )
        # A cancel scope ends the attempt at the deadline wherever it waits: for the
        # connection, the headers, or the body.
        with anyio.move_on_after(attempts.deadline - time.monotonic()):
            response = await http_client.send(attempts.request, stream=True)
            return await aread_bounded(response, self._reader)
        raise attempts.expired()  # reached only when the scope was cancelled
