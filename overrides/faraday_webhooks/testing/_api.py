"""The fake Faraday API behind the sandbox: its state and its routes, with no sockets.

``FakeAPI.handle(method, target, headers, body)`` answers one authenticated request
with a ``Reply``, exactly as ``openapi.yaml`` describes: bodies and parameters are
validated against the bundled document, endpoints get real ``whsec_`` secrets, and
an operation that declares an ``Idempotency-Key`` header replays its first answer.
"""

from __future__ import annotations

import base64
import collections
import datetime
import functools
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from .._validation import KNOWN_EVENT_TYPES
from ._spec import event_type_problems, load_spec, operation, validate

__all__ = ["API_PREFIX", "ERROR_STATUSES", "FakeAPI", "Reply", "error_reply", "sample_endpoint"]

API_PREFIX = "/v1"
COLLECTION = "/webhook_endpoints"
ITEM = "/webhook_endpoints/{webhook_endpoint_id}"
_ITEM_PATTERN = re.compile(r"^/webhook_endpoints/([^/]+)$")
_BEARER = re.compile(r"^Bearer (\S+)$")
# The sandbox's stand-in for Faraday's key format, which Faraday does not publish.
_KEY_FORMAT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{7,255}$")
# A media type Faraday's changelog says it still accepts, as the one it declares now.
_MEDIA_ALIASES = {"application/json+merge-patch": "application/merge-patch+json"}
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Remembered idempotency keys (all API keys together), and for how long.
MAX_IDEMPOTENCY_KEYS = 10_000
IDEMPOTENCY_TTL_SECONDS = 24 * 3600.0

# Each Faraday error code at the status Faraday documents it with (README: Errors).
ERROR_STATUSES = {
    "BAD_REQUEST": 400,
    "VALIDATION_FAILED": 400,
    "CONFLICT": 400,
    "MISSING_API_KEY": 401,
    "MALFORMED_API_KEY": 401,
    "EXPIRED_API_KEY": 401,
    "INVALID_AUTHORIZATION": 401,
    "FORBIDDEN": 403,
    "MAX_RESOURCES_REACHED": 403,
    "NOT_FOUND": 404,
    "INTERNAL_SERVER_ERROR": 500,
}


@attrs.frozen
class Reply:
    """One HTTP answer: status, body, Content-Type and any extra headers."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(factory=dict)


def error_reply(
    status: int, code: str, note: str, problems: list[dict[str, Any]] | None = None
) -> Reply:
    """Faraday's error body: ``error``, a fresh ``id``, ``note`` and any ``validationErrors``."""
    body: dict[str, Any] = {"error": code, "id": str(uuid.uuid4()), "note": note}
    if problems:
        body["validationErrors"] = problems
    return json_reply(status, body)


def json_reply(status: int, payload: Any) -> Reply:
    return Reply(status, json.dumps(payload).encode())


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def sample_endpoint(
    url: str = "https://example.com/hooks", enabled_events: Iterable[str] = ("resource.errored",)
) -> dict[str, Any]:
    """A new endpoint as Faraday returns it: fresh id, real ``whsec_`` secret, timestamps."""
    now = now_iso()
    return {
        "id": str(uuid.uuid4()),
        "url": url,
        "enabled_events": list(enabled_events),
        "status": "enabled",
        "secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "created_at": now,
        "updated_at": now,
    }


def canonical_id(value: str) -> str:
    """An id as stored: the lower-case hyphenated UUID (or as given, when it is none)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


@functools.cache
def _declared_methods(spec_path: str) -> tuple[str, ...]:
    declared = load_spec()["paths"].get(spec_path, {})
    return tuple(sorted(name.upper() for name in declared if name != "parameters"))


def _declares_idempotency_key(spec_path: str, method: str) -> bool:
    parameters = operation(spec_path, method).get("parameters", [])
    return any(
        p.get("in") == "header" and str(p.get("name", "")).lower() == "idempotency-key"
        for p in parameters
    )


@attrs.frozen
class _Remembered:
    fingerprint: str
    reply: Reply
    expires: float


class FakeAPI:
    """Faraday's webhook endpoint resource, in memory. Thread-safe.

    Example:

    ```python
    api = FakeAPI(api_keys=["sk_test"])
    reply = api.handle("GET", "/v1/webhook_endpoints", headers, b"")
    ```
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str],
        expired_api_keys: Iterable[str] = (),
        max_endpoints: int | None = 1000,
        reject_duplicate_urls: bool = False,
        event_types: Iterable[str] = (),
    ) -> None:
        self.api_keys = tuple(api_keys)
        # Faraday's WebhookEventType, and the kinds a test adds (Sandbox(event_types=...)).
        self.event_types = frozenset(KNOWN_EVENT_TYPES).union(event_types)
        self.expired_api_keys = frozenset(expired_api_keys)
        self.max_endpoints = max_endpoints
        self.reject_duplicate_urls = reject_duplicate_urls
        self._lock = threading.Lock()
        self._endpoints: dict[str, dict[str, Any]] = {}
        self._remembered: collections.OrderedDict[tuple[str, ...], _Remembered] = (
            collections.OrderedDict()
        )

    # -- state -----------------------------------------------------------------------

    def endpoints(self) -> list[dict[str, Any]]:
        """A copy of every stored endpoint, oldest first."""
        with self._lock:
            return [dict(endpoint) for endpoint in self._endpoints.values()]

    def endpoint(self, endpoint_id: str) -> dict[str, Any] | None:
        """A copy of the endpoint with this id as it is now, or ``None``."""
        with self._lock:
            found = self._endpoints.get(endpoint_id)
            return None if found is None else dict(found)

    def subscribed(self, event_type: str) -> list[dict[str, Any]]:
        """The enabled endpoints that receive ``event_type``."""
        return [
            endpoint
            for endpoint in self.endpoints()
            if endpoint["status"] == "enabled" and event_type in endpoint["enabled_events"]
        ]

    def reset(self) -> None:
        with self._lock:
            self._endpoints.clear()
            self._remembered.clear()

    # -- requests ----------------------------------------------------------------------

    def authenticate(self, headers: Mapping[str, str] | Any) -> tuple[str | None, Reply | None]:
        """The request's API key, or the 401 Faraday answers instead, as its ErrorCode
        documentation defines each code:

        - no Authorization header: ``MISSING_API_KEY`` ("An API key was not supplied");
        - a header that is not ``Bearer <token>``: ``INVALID_AUTHORIZATION`` ("The
          Authorization header could not be parsed");
        - an expired key: ``EXPIRED_API_KEY``;
        - any other key the sandbox was not given, well-formed or not:
          ``MALFORMED_API_KEY`` ("Could not parse the supplied API key"). Faraday
          documents no code for a well-formed key that does not exist; of the three
          codes it reserves for 401s, this is the one that fits a key that resolves to
          no account.
        """
        header = headers.get("Authorization")
        if header is None:
            return None, error_reply(401, "MISSING_API_KEY", "An API key was not supplied")
        match = _BEARER.match(header)
        if match is None:
            note = "The Authorization header could not be parsed: send 'Bearer <API key>'"
            return None, error_reply(401, "INVALID_AUTHORIZATION", note)
        token = match.group(1)
        if token in self.expired_api_keys:
            return None, error_reply(401, "EXPIRED_API_KEY", "The supplied API key has expired")
        if token not in self.api_keys:
            note = "Could not parse the supplied API key"
            if not _KEY_FORMAT.match(token):
                note += " (not in the key format)"
            return None, error_reply(401, "MALFORMED_API_KEY", note)
        return token, None

    def handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | Any,
        body: bytes,
        *,
        api_key: str = "",
    ) -> Reply:
        """Answer one authenticated request (``target``: path and query, under ``/v1``)."""
        parts = urlsplit(target)
        path = parts.path.removeprefix(API_PREFIX)
        if not parts.path.startswith(API_PREFIX + "/"):
            return error_reply(404, "NOT_FOUND", f"No such path: {parts.path}")
        item = _ITEM_PATTERN.match(path)
        spec_path = ITEM if item else path
        allowed = self.allowed_methods(spec_path)
        if not allowed:
            return error_reply(404, "NOT_FOUND", f"No such path: {parts.path}")
        if method not in allowed:
            return self.method_not_allowed(parts.path, method)
        key = headers.get(IDEMPOTENCY_HEADER)
        if key is not None and _declares_idempotency_key(spec_path, method):
            return self._idempotent(
                (api_key, method, spec_path, key),
                body,
                lambda: self._route(method, path, item, parts.query, headers, body),
            )
        return self._route(method, path, item, parts.query, headers, body)

    def allowed_methods(self, spec_path: str) -> tuple[str, ...]:
        """The methods openapi.yaml declares for a path, upper case and sorted."""
        return _declared_methods(spec_path)

    def method_not_allowed(self, raw_path: str, method: str) -> Reply:
        """405 with ``Allow`` naming what openapi.yaml declares for the path (404 if none)."""
        path = raw_path.removeprefix(API_PREFIX)
        allowed = self.allowed_methods(ITEM if _ITEM_PATTERN.match(path) else path)
        if not allowed:
            return error_reply(404, "NOT_FOUND", f"No such path: {raw_path}")
        note = f"{method} is not allowed on {raw_path}; allowed: {', '.join(allowed)}"
        return attrs.evolve(
            error_reply(405, "BAD_REQUEST", note), headers={"Allow": ", ".join(allowed)}
        )

    def _idempotent(self, scope: tuple[str, ...], body: bytes, act: Any) -> Reply:
        # Same key and body: the first answer again, nothing done twice. Same key, other
        # body: 409. Answers are remembered per API key, method and route; bounded; expire.
        fingerprint = hashlib.sha256(body).hexdigest()
        now = time.monotonic()
        with self._lock:
            remembered = self._remembered.get(scope)
            if remembered is not None and remembered.expires < now:
                del self._remembered[scope]
                remembered = None
            if remembered is not None:
                if remembered.fingerprint != fingerprint:
                    return error_reply(
                        409, "CONFLICT", "This Idempotency-Key was used with another request body"
                    )
                return remembered.reply
        reply: Reply = act()
        if reply.status < 500:  # a failure may be retried with the same key
            with self._lock:
                self._remembered[scope] = _Remembered(
                    fingerprint, reply, now + IDEMPOTENCY_TTL_SECONDS
                )
                while len(self._remembered) > MAX_IDEMPOTENCY_KEYS:
                    self._remembered.popitem(last=False)
        return reply

    def _route(
        self,
        method: str,
        path: str,
        item: re.Match[str] | None,
        query: str,
        headers: Mapping[str, str] | Any,
        body: bytes,
    ) -> Reply:
        if item is None:
            if method == "POST":
                return self._create(headers, body)
            # Blank values kept: an empty ?ids= is a bad id, not "no filter".
            return self._list(parse_qs(query, keep_blank_values=True))
        endpoint_id = item.group(1)
        problems = validate(
            "/paths/~1webhook_endpoints~1{webhook_endpoint_id}/parameters/0/schema",
            endpoint_id,
            "path:webhook_endpoint_id",
        )
        if problems:
            return error_reply(400, "VALIDATION_FAILED", "The endpoint id is not a UUID", problems)
        endpoint_id = canonical_id(endpoint_id)  # UUIDs are case-insensitive
        if method == "GET":
            return self._retrieve(endpoint_id)
        if method == "PATCH":
            return self._update(endpoint_id, headers, body)
        return self._delete(endpoint_id)

    # -- operations ----------------------------------------------------------------------

    def _create(self, headers: Mapping[str, str] | Any, body: bytes) -> Reply:
        payload, failure = _read_body(COLLECTION, "post", headers, body, self.event_types)
        if failure is not None:
            return failure
        with self._lock:
            if self.max_endpoints is not None and len(self._endpoints) >= self.max_endpoints:
                return error_reply(
                    403,
                    "MAX_RESOURCES_REACHED",
                    f"This account already has {self.max_endpoints} webhook endpoints",
                )
            if self._url_taken(payload["url"]):
                return error_reply(400, "CONFLICT", "A webhook endpoint with this url exists")
            endpoint = sample_endpoint(payload["url"], payload["enabled_events"])
            self._endpoints[endpoint["id"]] = endpoint
            return json_reply(201, endpoint)

    def _list(self, query: Mapping[str, list[str]]) -> Reply:
        ids = query.get("ids")
        if ids is not None:
            problems = validate(
                "/paths/~1webhook_endpoints/get/parameters/0/schema", ids, "query:ids"
            )
            if problems:
                return error_reply(400, "VALIDATION_FAILED", "ids must be UUIDs", problems)
            wanted = {canonical_id(value) for value in ids}
        with self._lock:
            found = [e for e in self._endpoints.values() if ids is None or e["id"] in wanted]
            # Faraday returns the (read-only) secret on every read, as on create.
            return json_reply(200, found)

    def _retrieve(self, endpoint_id: str) -> Reply:
        with self._lock:
            endpoint = self._endpoints.get(endpoint_id)
            if endpoint is None:
                return error_reply(404, "NOT_FOUND", f"No webhook endpoint {endpoint_id}")
            return json_reply(200, endpoint)

    def _update(self, endpoint_id: str, headers: Mapping[str, str] | Any, body: bytes) -> Reply:
        patch, failure = _read_body(ITEM, "patch", headers, body, self.event_types)
        if failure is not None:
            return failure
        with self._lock:
            endpoint = self._endpoints.get(endpoint_id)
            if endpoint is None:
                return error_reply(404, "NOT_FOUND", f"No webhook endpoint {endpoint_id}")
            if "url" in patch and self._url_taken(patch["url"], besides=endpoint_id):
                return error_reply(400, "CONFLICT", "A webhook endpoint with this url exists")
            for name in ("url", "enabled_events", "status"):
                if name in patch:
                    endpoint[name] = patch[name]
            endpoint["updated_at"] = now_iso()
            return json_reply(200, endpoint)

    def _delete(self, endpoint_id: str) -> Reply:
        with self._lock:
            if self._endpoints.pop(endpoint_id, None) is None:
                return error_reply(404, "NOT_FOUND", f"No webhook endpoint {endpoint_id}")
        return Reply(204, b"")

    def _url_taken(self, url: str, *, besides: str | None = None) -> bool:
        """With ``reject_duplicate_urls``, whether another endpoint has ``url`` (lock held)."""
        return self.reject_duplicate_urls and any(
            e["url"] == url and e["id"] != besides for e in self._endpoints.values()
        )


def _read_body(
    spec_path: str,
    method: str,
    headers: Mapping[str, str] | Any,
    body: bytes,
    event_types: Collection[str],
) -> tuple[Any, Reply | None]:
    """The request's JSON body, valid against the schema openapi.yaml declares for it
    and naming only ``event_types``, or the 400 Faraday answers instead (a wrong
    Content-Type, broken JSON, or ``VALIDATION_FAILED`` with one problem per violation)."""
    content = operation(spec_path, method)["requestBody"]["content"]
    ((media_type, declared),) = content.items()
    given = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if _MEDIA_ALIASES.get(given, given) != media_type:
        return None, error_reply(400, "BAD_REQUEST", f"Content-Type must be {media_type}")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None, error_reply(400, "BAD_REQUEST", "The request body is not valid JSON")
    reference = str(declared["schema"].get("$ref", ""))
    problems = validate(reference.removeprefix("#"), payload, "body")
    if not problems and "enabled_events" in payload:
        problems = event_type_problems(payload["enabled_events"], event_types, "body")
    if problems:
        return None, error_reply(400, "VALIDATION_FAILED", "The request body is invalid", problems)
    return payload, None
