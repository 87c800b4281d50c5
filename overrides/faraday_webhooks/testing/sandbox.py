"""A local Faraday API for tests and demos: real HTTP on loopback, driven by openapi.yaml.

Requests are checked against the schemas in the bundled openapi.yaml, auth
behaves like Faraday's, created endpoints get real ``whsec_`` secrets, and
``trigger`` sends signed deliveries to subscribed endpoints. Fault injection
makes the server misbehave on purpose so client error paths run over sockets.

Example::

    from faraday_webhooks import Faraday
    from faraday_webhooks.testing import Sandbox

    with Sandbox(api_keys=["sk_test"]) as sandbox:
        client = Faraday(api_key="sk_test", base_url=sandbox.base_url)
        endpoint = client.webhooks.create(url=receiver_url, enabled_events=["resource.errored"])
        deliveries = sandbox.trigger("resource.errored")

Faults (header ``X-Sandbox-Fail`` or ``Sandbox.fail_next``), applied to the
next request(s), one fault per request; the sandbox does not act on the
request unless noted:

=====================  ==============================================================
``500`` ``503`` ...    that status with a Faraday error body; ``503:2`` adds
                       ``Retry-After: 2``, ``429:date+2`` an HTTP-date 2 s ahead
``timeout[:S]``        wait S seconds (default 2), then act and answer normally
``reset``              read the request, then reset the connection
``reset-before-body``  reset the connection before reading the body
``close-mid``          send part of the headers and body, then close
``truncated-chunked``  send a chunked body that stops mid-chunk, then close
``slow-body[:S]``      201 whose body trickles in over S seconds (default 3)
``html``               502 with an HTML page
``empty[:S]``          status S (default 201) with an empty JSON body
``bad-json[:S]``       status S (default 201) with broken JSON
``wrong-content-type`` act and answer normally, but as ``text/plain``
``oversized[:MiB]``    201 with a JSON body of MiB mebibytes (default 9)
``bad-gzip``           201 that says ``Content-Encoding: gzip`` but is not gzip
``bad-schema``         201 whose body lacks the required ``id``
``unknown-code``       400 with an error code no client knows yet
=====================  ==============================================================

With the header, the value is a comma-separated list applied to successive
requests carrying that same value (so a client's retries see the next fault);
add ``;tag`` to start a fresh sequence, for example ``503,503;test-7``.
A malformed fault is refused: ``fail_next`` raises ``ValueError``, and over
the header the sandbox answers 400 without acting on the request.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import ipaddress
import json
import re
import secrets
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from .._models import WebhookEndpoint
from ..verify import sign_webhook
from ._server import LoopbackHTTPServer, QuietHandler, UnreadableBody, declared_body_length
from ._spec import load_spec, operation, validator_for

# What http.server hands a handler: a case-insensitive header lookup.
Headers = Message
# What a route answers: status, body, Content-Type, and any extra headers.
Reply = tuple[int, bytes, str] | tuple[int, bytes, str, dict[str, str]]

__all__ = ["DEFAULT_API_KEY", "Delivery", "RecordedRequest", "Sandbox"]

DEFAULT_API_KEY = "sk_sandbox_local"
FAULT_HEADER = "X-Sandbox-Fail"
API_PREFIX = "/v1"
_COLLECTION = "/webhook_endpoints"
_ITEM = "/webhook_endpoints/{webhook_endpoint_id}"
_ITEM_PATTERN = re.compile(r"^/webhook_endpoints/([^/]+)$")
_BEARER = re.compile(r"^Bearer (\S+)$")
_MAX_REQUEST_BYTES = 1024 * 1024
_PLAIN_FAULTS = frozenset(
    {
        "reset",
        "reset-before-body",
        "close-mid",
        "truncated-chunked",
        "html",
        "wrong-content-type",
        "bad-schema",
        "unknown-code",
        "bad-gzip",
    }
)


def check_fault(fault: str) -> None:
    """Raise ``ValueError`` saying what is wrong with a fault such as ``503:2`` or ``timeout:1``.

    Example::

        >>> check_fault("slow-body:x")
        Traceback (most recent call last):
        ...
        ValueError: 'slow-body:x': the argument must be a number of seconds >= 0
    """
    kind, separator, argument = fault.partition(":")

    def seconds(what: str, *, positive: bool = False) -> None:
        try:
            value = float(argument)
        except ValueError:
            value = float("nan")
        if not (value > 0 if positive else value >= 0) or value == float("inf"):
            raise ValueError(f"{fault!r}: the argument must be {what}")

    def status() -> None:
        if not (argument.isdigit() and 100 <= int(argument) <= 599):
            raise ValueError(f"{fault!r}: the argument must be an HTTP status (100-599)")

    if kind.isdigit():
        if not 100 <= int(kind) <= 599:
            raise ValueError(f"{fault!r}: not an HTTP status (100-599)")
        if argument.startswith("date+"):
            argument = argument.removeprefix("date+")
            seconds("date+ a number of seconds >= 0")
        # Any other argument is sent as Retry-After as it is, garbage included.
    elif kind in _PLAIN_FAULTS:
        if separator:
            raise ValueError(f"{fault!r}: {kind} takes no argument")
    elif not separator:
        if kind not in ("timeout", "slow-body", "empty", "bad-json", "oversized"):
            raise ValueError(f"{fault!r}: no such fault")
    elif kind in ("timeout", "slow-body"):
        seconds("a number of seconds >= 0")
    elif kind in ("empty", "bad-json"):
        status()
    elif kind == "oversized":
        seconds("a number of MiB > 0", positive=True)
    else:
        raise ValueError(f"{fault!r}: no such fault")


@attrs.frozen
class RecordedRequest:
    """One request the sandbox received: what a test asserts request counts on."""

    method: str
    path: str
    status: int | None
    fault: str | None
    user_agent: str | None = None


@attrs.frozen
class Delivery:
    """The outcome of sending one event to one endpoint."""

    endpoint_id: str
    url: str
    event_type: str
    status_code: int | None
    error: str | None = None
    body: bytes = attrs.field(default=b"", repr=False)

    @property
    def ok(self) -> bool:
        """The receiver answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


class _Fault(Exception):
    """Raised inside the handler to stop normal processing after a fault was served."""


def _canonical_id(value: str) -> str:
    """An id as the sandbox stores it: the lower-case hyphenated UUID (or as given, if none)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _declared_methods() -> dict[str, Any]:
    paths: dict[str, Any] = load_spec()["paths"]
    return paths


def _enrichment_job_data(
    event_type: str, account_id: str, enrichment_id: str | None
) -> dict[str, Any]:
    """The data of Faraday's ``WebhookMessageForEnrichmentJob`` (no resource id or kind)."""
    status = event_type.removeprefix("enrichment_job.")
    data: dict[str, Any] = {
        "account_id": account_id,
        "enrichment_id": enrichment_id or str(uuid.uuid4()),
        "enrichment_job_id": str(uuid.uuid4()),
        "invocation": "manual",
        "status": status,
    }
    if status == "skipped":
        data["skip_note"] = "Nothing changed since the last run"
    if status == "failed":
        data["status_error"] = "The dataset could not be read"
    return data


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Server(LoopbackHTTPServer):
    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)


class _Handler(QuietHandler):
    server: _Server

    # One method per verb, all through the same path.
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (unsupported method, bad request line) as Faraday's JSON.

        Its default is an HTML page, which no client of this API expects. A method with no
        ``do_`` handler (HEAD, TRACE, OPTIONS, anything invented) is a 405, as for PUT.
        """
        sandbox = self.server.sandbox
        self._record_index = sandbox._record(
            RecordedRequest(self.command or "", self.path or "", None, None, None)
        )
        self.close_connection = True
        if code == 501 and self.command:
            self._send(*sandbox._method_not_allowed(urlsplit(self.path).path, self.command))
            return
        self._send(*sandbox._error(code, "BAD_REQUEST", message or "Bad request"))

    def _handle(self, method: str) -> None:
        sandbox = self.server.sandbox
        path = urlsplit(self.path).path
        fault = sandbox._take_fault(self.headers.get(FAULT_HEADER))
        # Recorded on arrival, so a test that got its answer always sees the request.
        self._record_index = sandbox._record(
            RecordedRequest(method, path, None, fault, self.headers.get("User-Agent"))
        )
        try:
            if fault is not None:
                try:
                    check_fault(fault)
                except ValueError as problem:
                    self._read_body()
                    note = f"Unknown {FAULT_HEADER} value: {problem}"
                    self._send(*sandbox._error(400, "BAD_REQUEST", note))
                    raise _Fault() from None
                self._apply_fault_before_body(fault)
            body = self._read_body()
            if fault is not None:
                self._apply_fault_after_body(fault)
            reply = sandbox._route(method, self.path, self.headers, body)
            status, payload, content_type = reply[:3]
            if fault is not None and fault.startswith("wrong-content-type"):
                content_type = "text/plain"
            self._send(status, payload, content_type, reply[3] if len(reply) > 3 else None)
        except _Fault:
            pass
        if sandbox.verbose:
            answered = sandbox._status_of(self._record_index)
            print(f"sandbox: {method} {path} -> {answered or 'no answer'}", flush=True)

    def _read_body(self) -> bytes:
        try:
            length = declared_body_length(self.headers, _MAX_REQUEST_BYTES)
        except UnreadableBody as problem:
            error = self.server.sandbox._error(400, "BAD_REQUEST", str(problem))
            self._send(*error, {"Connection": "close"})
            self.close_connection = True
            raise _Fault() from None
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.server.sandbox._set_status(self._record_index, status)
        self.send_response(status)
        if payload or status != 204:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _reset(self) -> None:
        # SO_LINGER with zero timeout makes close() send RST, as a crashed peer would.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        raise _Fault()

    def _apply_fault_before_body(self, fault: str) -> None:
        kind, _, argument = fault.partition(":")
        if kind == "reset-before-body":
            self._reset()
        if kind == "timeout":
            self.server.sandbox._stopping.wait(float(argument or 2.0))

    def _apply_fault_after_body(self, fault: str) -> None:
        sandbox = self.server.sandbox
        kind, _, argument = fault.partition(":")
        if kind in ("timeout", "wrong-content-type"):
            return  # these act normally
        if kind == "reset":
            self._reset()
        if kind.isdigit():
            status = int(kind)
            code = "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST"
            extra: dict[str, str] = {}
            if argument.startswith("date+"):
                moment = time.time() + float(argument[len("date+") :])
                extra["Retry-After"] = email.utils.formatdate(moment, usegmt=True)
            elif argument:
                extra["Retry-After"] = argument
            self._send(*sandbox._error(status, code, f"Injected {status}"), extra)
        elif kind == "slow-body":
            # A complete, valid answer that trickles in over S seconds: each read is quick,
            # the whole is slow. Only a whole-call timeout stops a client waiting for it.
            body = json.dumps(
                sandbox._new_endpoint_json("https://example.com/hooks", ["x"])
            ).encode()
            sandbox._set_status(self._record_index, 201)
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            pieces = 30
            step = -(-len(body) // pieces)
            for start in range(0, len(body), step):
                if sandbox._stopping.wait(float(argument or 3.0) / pieces):
                    break
                self.wfile.write(body[start : start + step])
                self.wfile.flush()
        elif kind == "html":
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            self._send(502, page, "text/html")
        elif kind == "empty":
            self._send(int(argument or 201), b"", "application/json")
        elif kind == "bad-json":
            self._send(int(argument or 201), b'{"id": "2c1881c4-', "application/json")
        elif kind == "oversized":
            size = int(float(argument or 9) * 1024 * 1024)
            self._send(201, b"[" + b" " * size + b"]", "application/json")
        elif kind == "bad-gzip":
            plain = json.dumps(sandbox._new_endpoint_json("https://example.com/hooks", ["x"]))
            self._send(201, plain.encode(), "application/json", {"Content-Encoding": "gzip"})
        elif kind == "bad-schema":
            incomplete = sandbox._new_endpoint_json(
                "https://example.com/hooks", ["resource.errored"]
            )
            del incomplete["id"]
            self._send(201, json.dumps(incomplete).encode(), "application/json")
        elif kind == "unknown-code":
            self._send(*sandbox._error(400, "SOMETHING_NEW", "A code this client does not know"))
        elif kind == "close-mid":
            sandbox._set_status(self._record_index, 201)
            self.wfile.write(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                b'Content-Length: 400\r\n\r\n{"created_at": "2024-'
            )
            self.wfile.flush()
            self._reset()
        elif kind == "truncated-chunked":
            sandbox._set_status(self._record_index, 201)
            self.wfile.write(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                b'Transfer-Encoding: chunked\r\n\r\n40\r\n{"created_at": "20'
            )
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            raise _Fault()
        else:
            self._send(*sandbox._error(400, "BAD_REQUEST", f"Unknown {FAULT_HEADER} value"))
        # Each answer above is a complete HTTP message, so the connection stays usable.
        raise _Fault()


class Sandbox:
    """A Faraday API on ``127.0.0.1`` for tests; use it as a context manager.

    Example::

        with Sandbox(api_keys=["sk_test"], max_endpoints=10) as sandbox:
            sandbox.base_url            # http://127.0.0.1:<port>/v1
            sandbox.endpoints           # what has been created, as WebhookEndpoint models
            sandbox.trigger("resource.ready_with_update")
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        expired_api_keys: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        max_endpoints: int | None = 1000,
        reject_duplicate_urls: bool = False,
        delivery_timeout: float = 5.0,
        verbose: bool = False,
    ) -> None:
        self.api_keys = tuple(api_keys)
        self.expired_api_keys = frozenset(expired_api_keys)
        self.host = host
        self.port = port
        self.max_endpoints = max_endpoints
        self.reject_duplicate_urls = reject_duplicate_urls
        self.delivery_timeout = delivery_timeout
        self.verbose = verbose
        self._lock = threading.Lock()
        self._endpoints: dict[str, dict[str, Any]] = {}
        self._requests: list[RecordedRequest] = []
        self._queued_faults: list[str] = []
        self._header_faults_seen: dict[str, int] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = self.base_url if self._server else "stopped"
        return f"Sandbox({state}, endpoints={len(self._endpoints)})"

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve in a background thread; returns ``self``."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.port
        self._server.start_in_background("faraday-sandbox")
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        server, self._server = self._server, None
        if server is not None:
            self._stopping.set()  # wakes handlers sleeping in an injected timeout
            server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (the ``sandbox`` command)."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()

    # -- what tests look at ------------------------------------------------

    @property
    def api_key(self) -> str:
        """The first accepted API key: the one to give a client."""
        if not self.api_keys:
            raise ValueError("this sandbox accepts no API key")
        return self.api_keys[0]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root to give a client: ``http://127.0.0.1:<port>/v1``."""
        return self.url + API_PREFIX

    @property
    def endpoints(self) -> list[WebhookEndpoint]:
        """A snapshot of the endpoints that exist, oldest first."""
        with self._lock:
            stored = list(self._endpoints.values())
        return [WebhookEndpoint.from_dict(item) for item in stored]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (faulted ones included), oldest first."""
        with self._lock:
            return list(self._requests)

    def fail_next(self, *faults: str) -> None:
        """Serve the next ``len(faults)`` requests with these faults, in order."""
        for fault in faults:
            check_fault(fault)  # a typo fails the test that made it, here
        with self._lock:
            self._queued_faults.extend(faults)

    def reset(self) -> None:
        """Forget endpoints, recorded requests and pending faults."""
        with self._lock:
            self._endpoints.clear()
            self._requests.clear()
            self._queued_faults.clear()
            self._header_faults_seen.clear()

    # -- deliveries --------------------------------------------------------

    def trigger(
        self,
        event_type: str,
        *,
        resource_type: str = "cohorts",
        resource_id: str | None = None,
        account_id: str | None = None,
        enrichment_id: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> list[Delivery]:
        """Send a signed Faraday event to every enabled endpoint subscribed to ``event_type``.

        ``data`` is shaped as Faraday shapes it for the type: ``resource.*`` events carry
        account, resource id and kind; ``enrichment_job.succeeded|failed|skipped`` carry
        Faraday's enrichment-job data (a type its next release adds). Pass ``data`` to
        send any other shape, as a newer Faraday might.

        Returns one ``Delivery`` per endpoint; failures are reported, never dropped.
        Only loopback URLs are delivered to: the sandbox never sends off this machine.

        Example::

            sandbox.trigger("enrichment_job.failed", enrichment_id=str(uuid.uuid4()))
        """
        import httpx

        account = account_id or str(uuid.uuid4())
        if data is not None:
            event_data = dict(data)
        elif event_type.startswith("enrichment_job."):
            event_data = _enrichment_job_data(event_type, account, enrichment_id)
        else:
            event_data = {
                "account_id": account,
                "resource_id": resource_id or str(uuid.uuid4()),
                "resource_type": resource_type,
            }
        event = {"timestamp": _now_iso(), "type": event_type, "data": event_data}
        body = json.dumps(event).encode()
        with self._lock:
            targets = [
                dict(item)
                for item in self._endpoints.values()
                if item["status"] == "enabled" and event_type in item["enabled_events"]
            ]
        deliveries = []
        with httpx.Client(timeout=self.delivery_timeout) as http:
            for target in targets:
                deliveries.append(self._deliver(http, target, event_type, body))
        return deliveries

    def _deliver(
        self, http: Any, target: Mapping[str, Any], event_type: str, body: bytes
    ) -> Delivery:
        import httpx

        url, endpoint_id = target["url"], target["id"]
        if not _is_loopback(url):
            return Delivery(
                endpoint_id,
                url,
                event_type,
                None,
                "not delivered: the sandbox only delivers to loopback",
            )
        headers = {"Content-Type": "application/json", **sign_webhook(body, target["secret"])}
        try:
            response = http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Delivery(endpoint_id, url, event_type, None, f"{type(exc).__name__}: {exc}")
        error = None if response.is_success else f"receiver answered HTTP {response.status_code}"
        return Delivery(endpoint_id, url, event_type, response.status_code, error, body)

    # -- request handling (called from server threads) ---------------------

    def _record(self, request: RecordedRequest) -> int:
        with self._lock:
            self._requests.append(request)
            return len(self._requests) - 1

    def _status_of(self, index: int) -> int | None:
        with self._lock:
            return self._requests[index].status if index < len(self._requests) else None

    def _set_status(self, index: int, status: int) -> None:
        with self._lock:
            if index < len(self._requests):  # reset() may have cleared the log
                self._requests[index] = attrs.evolve(self._requests[index], status=status)

    def _take_fault(self, header_value: str | None) -> str | None:
        with self._lock:
            if header_value:
                spec = header_value.split(";", 1)[0]
                sequence = [part.strip() for part in spec.split(",") if part.strip()]
                seen = self._header_faults_seen.get(header_value, 0)
                self._header_faults_seen[header_value] = seen + 1
                return sequence[seen] if seen < len(sequence) else None
            if self._queued_faults:
                return self._queued_faults.pop(0)
        return None

    def _error(
        self, status: int, code: str, note: str, problems: list[dict[str, Any]] | None = None
    ) -> tuple[int, bytes, str]:
        body: dict[str, Any] = {"error": code, "id": str(uuid.uuid4()), "note": note}
        if problems:
            body["validationErrors"] = problems
        return status, json.dumps(body).encode(), "application/json"

    def _json(self, status: int, payload: Any) -> tuple[int, bytes, str]:
        return status, json.dumps(payload).encode(), "application/json"

    def _check_auth(self, headers: Headers) -> tuple[int, bytes, str] | None:
        header = headers.get("Authorization")
        if header is None:
            return self._error(401, "MISSING_API_KEY", "No API key was supplied")
        match = _BEARER.match(header)
        if match is None:
            return self._error(401, "MALFORMED_API_KEY", "Authorization must be 'Bearer <API key>'")
        token = match.group(1)
        if token in self.expired_api_keys:
            return self._error(401, "EXPIRED_API_KEY", "The API key has expired")
        if token not in self.api_keys:
            return self._error(401, "INVALID_AUTHORIZATION", "The API key is not valid")
        return None

    def _validate(self, pointer: str, instance: Any, location: str) -> list[dict[str, Any]]:
        problems = []
        schema_name = pointer.rsplit("/", 1)[-1]
        for error in sorted(
            validator_for(pointer).iter_errors(instance), key=lambda e: list(e.path)
        ):
            path = location + "".join(f"/{part}" for part in error.absolute_path)
            problems.append(
                {
                    "context": {"errorType": str(error.validator)},
                    "message": error.message,
                    "path": path,
                    "suggestion": f"Check {path} against the {schema_name} schema",
                }
            )
        return problems

    def _read_json(
        self, spec_path: str, method: str, headers: Headers, body: bytes
    ) -> tuple[Any, tuple[int, bytes, str] | None]:
        content = operation(spec_path, method)["requestBody"]["content"]
        (media_type,) = content
        given = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if given != media_type:
            return None, self._error(400, "BAD_REQUEST", f"Content-Type must be {media_type}")
        try:
            return json.loads(body), None
        except (ValueError, RecursionError):
            return None, self._error(400, "BAD_REQUEST", "The request body is not valid JSON")

    def _route(self, method: str, raw_path: str, headers: Headers, body: bytes) -> Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        if path == "/_sandbox/health" and method == "GET":
            return self._json(200, {"ok": True})
        denied = self._check_auth(headers)
        if denied is not None:
            return denied
        if path == "/_sandbox/trigger" and method == "POST":
            return self._route_trigger(body)
        if not path.startswith(API_PREFIX + "/"):
            return self._error(404, "NOT_FOUND", f"No such path: {path}")
        path = path[len(API_PREFIX) :]
        if path == _COLLECTION and method == "POST":
            return self._create(headers, body)
        if path == _COLLECTION and method == "GET":
            # Blank values kept: an empty ?ids= is a bad id, not "no filter".
            return self._list(parse_qs(parts.query, keep_blank_values=True))
        item = _ITEM_PATTERN.match(path)
        if item is not None and method in ("GET", "PATCH", "DELETE"):
            endpoint_id = item.group(1)
            problems = self._validate(
                "/paths/~1webhook_endpoints~1{webhook_endpoint_id}/parameters/0/schema",
                endpoint_id,
                "path:webhook_endpoint_id",
            )
            if problems:
                return self._error(
                    400, "VALIDATION_FAILED", "The endpoint id is not a UUID", problems
                )
            endpoint_id = _canonical_id(endpoint_id)  # UUIDs are case-insensitive
            if method == "GET":
                return self._retrieve(endpoint_id)
            if method == "PATCH":
                return self._update(endpoint_id, headers, body)
            return self._delete(endpoint_id)
        if item is not None or path == _COLLECTION:
            return self._method_not_allowed(API_PREFIX + path, method)
        return self._error(404, "NOT_FOUND", f"No such operation: {method} {API_PREFIX}{path}")

    def _method_not_allowed(
        self, raw_path: str, method: str
    ) -> tuple[int, bytes, str, dict[str, str]]:
        """405 with ``Allow`` naming what openapi.yaml declares for the path (404 if none)."""
        path = raw_path.removeprefix(API_PREFIX)
        spec_path = _ITEM if _ITEM_PATTERN.match(path) else path
        declared = sorted(
            name.upper() for name in _declared_methods().get(spec_path, ()) if name != "parameters"
        )
        if not declared:
            return (*self._error(404, "NOT_FOUND", f"No such path: {raw_path}"), {})
        note = f"{method} is not allowed on {raw_path}; allowed: {', '.join(declared)}"
        return (*self._error(405, "BAD_REQUEST", note), {"Allow": ", ".join(declared)})

    def _new_endpoint_json(self, url: str, enabled_events: list[str]) -> dict[str, Any]:
        now = _now_iso()
        return {
            "id": str(uuid.uuid4()),
            "url": url,
            "enabled_events": list(enabled_events),
            "status": "enabled",
            "secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "created_at": now,
            "updated_at": now,
        }

    def _create(self, headers: Headers, body: bytes) -> tuple[int, bytes, str]:
        payload, failure = self._read_json(_COLLECTION, "post", headers, body)
        if failure is not None:
            return failure
        problems = self._validate("/components/schemas/WebhookEndpointPost", payload, "body")
        if problems:
            return self._error(400, "VALIDATION_FAILED", "The request body is invalid", problems)
        with self._lock:
            if self.max_endpoints is not None and len(self._endpoints) >= self.max_endpoints:
                return self._error(
                    403,
                    "MAX_RESOURCES_REACHED",
                    f"This account already has {self.max_endpoints} webhook endpoints",
                )
            if self.reject_duplicate_urls and any(
                e["url"] == payload["url"] for e in self._endpoints.values()
            ):
                return self._error(
                    400, "CONFLICT", "A webhook endpoint with this url already exists"
                )
            endpoint = self._new_endpoint_json(payload["url"], payload["enabled_events"])
            self._endpoints[endpoint["id"]] = endpoint
            return self._json(201, endpoint)

    def _list(self, query: Mapping[str, list[str]]) -> tuple[int, bytes, str]:
        ids = query.get("ids")
        if ids is not None:
            problems = self._validate(
                "/paths/~1webhook_endpoints/get/parameters/0/schema", ids, "query:ids"
            )
            if problems:
                return self._error(400, "VALIDATION_FAILED", "ids must be UUIDs", problems)
            wanted = {_canonical_id(value) for value in ids}
        with self._lock:
            found = [e for e in self._endpoints.values() if ids is None or e["id"] in wanted]
            # Faraday returns the (read-only) secret on every read, as on create.
            return self._json(200, found)

    def _retrieve(self, endpoint_id: str) -> tuple[int, bytes, str]:
        with self._lock:
            endpoint = self._endpoints.get(endpoint_id)
            if endpoint is None:
                return self._error(404, "NOT_FOUND", f"No webhook endpoint {endpoint_id}")
            return self._json(200, endpoint)

    def _update(self, endpoint_id: str, headers: Headers, body: bytes) -> tuple[int, bytes, str]:
        patch, failure = self._read_json(_ITEM, "patch", headers, body)
        if failure is not None:
            return failure
        problems = self._validate("/components/schemas/WebhookEndpointMergePatch", patch, "body")
        if problems:
            return self._error(400, "VALIDATION_FAILED", "The merge patch is invalid", problems)
        with self._lock:
            endpoint = self._endpoints.get(endpoint_id)
            if endpoint is None:
                return self._error(404, "NOT_FOUND", f"No webhook endpoint {endpoint_id}")
            if (
                self.reject_duplicate_urls
                and "url" in patch
                and any(
                    e["url"] == patch["url"] and e["id"] != endpoint_id
                    for e in self._endpoints.values()
                )
            ):
                return self._error(
                    400, "CONFLICT", "A webhook endpoint with this url already exists"
                )
            for name in ("url", "enabled_events", "status"):
                if name in patch:
                    endpoint[name] = patch[name]
            endpoint["updated_at"] = _now_iso()
            return self._json(200, endpoint)

    def _delete(self, endpoint_id: str) -> tuple[int, bytes, str]:
        with self._lock:
            if self._endpoints.pop(endpoint_id, None) is None:
                return self._error(404, "NOT_FOUND", f"No webhook endpoint {endpoint_id}")
        return 204, b"", "application/json"

    def _route_trigger(self, body: bytes) -> tuple[int, bytes, str]:
        try:
            request = json.loads(body or b"{}")
            event_type = request["type"]
            if not isinstance(event_type, str) or not event_type:
                raise TypeError
            options = {
                name: str(request[name])
                for name in ("resource_type", "resource_id", "account_id", "enrichment_id")
                if request.get(name) is not None
            }
            data = request.get("data")
            if data is not None and not isinstance(data, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            return self._error(
                400, "BAD_REQUEST", 'Send {"type": "<event type>"} to trigger an event'
            )
        deliveries = self.trigger(event_type, data=data, **options)
        return self._json(
            200,
            {
                "type": event_type,
                "deliveries": [
                    {
                        "endpoint_id": d.endpoint_id,
                        "url": d.url,
                        "status_code": d.status_code,
                        "ok": d.ok,
                        "error": d.error,
                    }
                    for d in deliveries
                ],
            },
        )
