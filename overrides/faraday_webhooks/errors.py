"""Every exception faraday-webhooks raises, under one root.

    FaradayError                         anything this package raises
    ├── ConfigurationError               no API key, a bad base URL or timeout
    ├── InvalidRequestError (ValueError) bad input to a call; nothing was sent
    ├── ClientClosedError                the client was used after close()
    ├── SandboxExtraMissing (ImportError) the sandbox needs the [sandbox] extra
    ├── APIRequestError                  a call was sent and failed: catch this for "any"
    │   ├── APIConnectionError           no answer from Faraday (refused, reset, DNS)
    │   │   └── APITimeoutError          ... because a timeout ran out
    │   ├── UnexpectedResponseError      an answer openapi.yaml does not describe (a proxy's 502)
    │   └── APIError                     Faraday answered with its error body
    │       ├── BadRequestError          BAD_REQUEST
    │       ├── ForbiddenError           FORBIDDEN
    │       ├── MaxResourcesReachedError MAX_RESOURCES_REACHED
    │       ├── InternalServerError      INTERNAL_SERVER_ERROR
    │       ├── NotFoundError            NOT_FOUND
    │       ├── ValidationFailedError    VALIDATION_FAILED
    │       ├── ConflictError            CONFLICT (also any 409 with Faraday's error body)
    │       └── AuthenticationError
    │           ├── InvalidAuthorizationError  INVALID_AUTHORIZATION
    │           ├── MalformedAPIKeyError       MALFORMED_API_KEY
    │           ├── MissingAPIKeyError         MISSING_API_KEY
    │           └── ExpiredAPIKeyError         EXPIRED_API_KEY
    ├── WebhookVerificationError         a delivery failed its signature checks
    └── DedupeStoreError                 a deduplication store (SQLite, Redis, PostgreSQL) failed
        └── ClaimLostError               a claim was taken over while its block ran

An error code this package does not know yet raises plain ``APIError`` with
``code`` kept, so a new Faraday code never crashes a client.

Every exception pickles (``response`` and ``request`` are dropped from the copy,
the fields and the message are kept), so one raised in a process pool reaches the
caller. Messages quote server text escaped and bounded, with secrets masked.

Example:

```python
try:
    client.webhooks.create(url=url, enabled_events=["resource.ready_with_update"])
except faraday_webhooks.ValidationFailedError as err:
    for problem in err.validation_errors:
        print(problem.path, problem.message)
except faraday_webhooks.AuthenticationError:
    rotate_key()
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ._redact import printable, redact

if TYPE_CHECKING:
    from faraday_webhooks_api.models import ValidationError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIRequestError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClaimLostError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DedupeStoreError",
    "ExpiredAPIKeyError",
    "FaradayError",
    "ForbiddenError",
    "InternalServerError",
    "InvalidAuthorizationError",
    "InvalidRequestError",
    "MalformedAPIKeyError",
    "MaxResourcesReachedError",
    "MissingAPIKeyError",
    "NotFoundError",
    "SandboxExtraMissing",
    "UnexpectedResponseError",
    "ValidationFailedError",
    "WebhookVerificationError",
]

# How much of an unexpected body an exception quotes.
BODY_EXCERPT_CHARS = 300


# How much of a server's note (and of each validation problem) a message quotes.
NOTE_CHARS = 1000
# Attributes a pickled copy leaves out: live HTTP objects, which do not pickle.
_UNPICKLED = frozenset({"response", "request"})


def _rebuilt(cls: type[FaradayError], message: str, state: dict[str, Any]) -> FaradayError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    error.__dict__.setdefault("response", None)
    return error


class FaradayError(Exception):
    """Base class of every exception this package raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The default pickles ``args`` and calls cls(*args), which keyword-only
        # constructors refuse: rebuild from the message and fields instead.
        state = {k: v for k, v in self.__dict__.items() if k not in _UNPICKLED}
        return _rebuilt, (type(self), str(self), state)


class ConfigurationError(FaradayError):
    """The client cannot be built: no API key, a malformed base URL, a bad timeout."""


class InvalidRequestError(FaradayError, ValueError):
    """An argument failed the checks made before sending; no request was sent."""


class ClientClosedError(FaradayError):
    """The client (or the httpx client it was given) is closed."""


class SandboxExtraMissing(FaradayError, ImportError):
    """The sandbox's dependencies (the ``sandbox`` extra: jsonschema, PyYAML) are missing."""


class APIRequestError(FaradayError):
    """A request was sent (or tried) and did not succeed: no answer, an unexpected one,
    or Faraday's error. ``except APIRequestError`` catches every failed call."""


class APIConnectionError(APIRequestError):
    """The request got no HTTP answer: refused, reset, closed mid-response, DNS failure."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """A connect, write, read or pool timeout ran out."""


class UnexpectedResponseError(APIRequestError):
    """Faraday (or something in between) answered in a way openapi.yaml does not describe.

    An undocumented status, a body that is not JSON, or JSON that does not match
    the schema. ``body_excerpt`` holds the start of the body, secrets masked.
    """

    def __init__(self, reason: str, *, response: httpx.Response, body_excerpt: str = "") -> None:
        self.reason = reason
        self.response: httpx.Response | None = response
        self.status_code: int = response.status_code
        self.body_excerpt = body_excerpt
        message = f"Unexpected response from Faraday: HTTP {self.status_code}: {reason}"
        if body_excerpt:
            message += f"; body starts: {body_excerpt!r}"
        super().__init__(message)


class APIError(APIRequestError):
    """Faraday answered with its documented error body.

    Attributes mirror the body: ``code`` (for example ``"VALIDATION_FAILED"``),
    ``error_id`` (quote it in bug reports), ``note`` and ``validation_errors``;
    plus ``status_code`` and the ``response`` itself.
    """

    def __init__(
        self,
        *,
        response: httpx.Response,
        code: str,
        error_id: str,
        note: str,
        validation_errors: Sequence[ValidationError] = (),
    ) -> None:
        self.response: httpx.Response | None = response
        self.status_code: int = response.status_code
        self.code = code
        self.error_id = error_id
        self.note = note
        self.validation_errors: list[ValidationError] = list(validation_errors)
        super().__init__(self._describe())

    @property
    def request(self) -> httpx.Request | None:
        """The request that failed (method and URL; headers include the key, so never log them)."""
        return None if self.response is None else self.response.request

    def _describe(self) -> str:
        # Server text is quoted escaped (no terminal control) and bounded.
        code, error_id = printable(self.code, 100), printable(self.error_id, 100)
        lines = [
            f"HTTP {self.status_code} {code}: {printable(self.note, NOTE_CHARS)} "
            f"(error id {error_id})"
        ]
        for problem in self.validation_errors[:20]:
            line = f"  - {printable(problem.path, 200)}: {printable(problem.message, 500)}"
            if problem.suggestion:
                line += f" (suggestion: {printable(problem.suggestion, 500)})"
            lines.append(line)
        if len(self.validation_errors) > 20:
            lines.append(f"  ... and {len(self.validation_errors) - 20} more")
        return redact("\n".join(lines))


class AuthenticationError(APIError):
    """The API key is missing, malformed, expired or not accepted."""


class BadRequestError(APIError):
    """BAD_REQUEST: the request could not be validated."""


class ForbiddenError(APIError):
    """FORBIDDEN: you do not have permission to access the specified resource."""


class MaxResourcesReachedError(APIError):
    """MAX_RESOURCES_REACHED: the account holds as many of these resources as it may."""


class InternalServerError(APIError):
    """INTERNAL_SERVER_ERROR: Faraday failed; quote ``error_id`` when reporting it."""


class InvalidAuthorizationError(AuthenticationError):
    """INVALID_AUTHORIZATION: the Authorization header could not be parsed (not
    ``Bearer <key>``)."""


class NotFoundError(APIError):
    """NOT_FOUND: the requested resource ID was not found."""


class MalformedAPIKeyError(AuthenticationError):
    """MALFORMED_API_KEY: could not parse the supplied API key (the sandbox also answers
    it for a well-formed key it was not given)."""


class MissingAPIKeyError(AuthenticationError):
    """MISSING_API_KEY: no API key was supplied."""


class ExpiredAPIKeyError(AuthenticationError):
    """EXPIRED_API_KEY: the API key has expired."""


class ValidationFailedError(APIError):
    """VALIDATION_FAILED: a parameter or the request body failed validation."""


class ConflictError(APIError):
    """CONFLICT: well-formed, but conflicts with an existing resource."""


class WebhookVerificationError(FaradayError):
    """A webhook delivery failed verification; ``reason`` names the check.

    Reasons: ``missing_header``, ``invalid_timestamp``, ``timestamp_too_old``,
    ``timestamp_too_new``, ``no_signature``, ``no_matching_signature``,
    ``invalid_secret``, ``invalid_payload``.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class DedupeStoreError(FaradayError):
    """A deduplication store failed or cannot be reached; the message names the engine."""


class ClaimLostError(DedupeStoreError):
    """The claim was lost while its block ran (its lease ran out unrenewed, and another
    worker claimed the message): the work may have been done twice, and is not marked done."""


# Faraday error code -> exception class. Codes not listed raise plain APIError.
ERROR_CLASSES: dict[str, type[APIError]] = {
    "BAD_REQUEST": BadRequestError,
    "FORBIDDEN": ForbiddenError,
    "MAX_RESOURCES_REACHED": MaxResourcesReachedError,
    "INTERNAL_SERVER_ERROR": InternalServerError,
    "INVALID_AUTHORIZATION": InvalidAuthorizationError,
    "NOT_FOUND": NotFoundError,
    "MALFORMED_API_KEY": MalformedAPIKeyError,
    "MISSING_API_KEY": MissingAPIKeyError,
    "EXPIRED_API_KEY": ExpiredAPIKeyError,
    "VALIDATION_FAILED": ValidationFailedError,
    "CONFLICT": ConflictError,
}


def request_label(request: httpx.Request) -> str:
    """``METHOD url`` without the query, as messages name a request (never its headers).

    Example:

    ```pycon
    >>> request_label(httpx.Request("GET", "https://api.faraday.ai/v1/x?ids=1"))
    'GET https://api.faraday.ai/v1/x'

    ```
    """
    return f"{request.method} {request.url.copy_with(query=None)}"


def api_error_class(code: str) -> type[APIError]:
    """The exception class for a Faraday error code; ``APIError`` for codes not known yet.

    Example:

    ```pycon
    >>> api_error_class("CONFLICT").__name__
    'ConflictError'
    >>> api_error_class("SOMETHING_NEW").__name__
    'APIError'

    ```
    """
    return ERROR_CLASSES.get(code, APIError)
