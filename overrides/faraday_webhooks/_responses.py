"""Turn an HTTP response into a model or the right exception.

Nothing raised while parsing escapes as ``KeyError``/``TypeError``/``ValueError``:
a documented success becomes the generated model (whose ``from_dict`` checks every
field it reads), a documented error status becomes an ``APIError`` subclass, and
everything else becomes ``UnexpectedResponseError`` with the response kept.
Every ``UnexpectedResponseError`` is built here, and every text taken from a
response is masked (the API key, ``whsec_`` secrets) before it is cut or kept.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import attrs
import httpx
from faraday_webhooks_api.client import Client
from faraday_webhooks_api.errors import UnexpectedStatus
from faraday_webhooks_api.models import ValidationError

from ._redact import redact
from .errors import (
    BODY_EXCERPT_CHARS,
    APIError,
    UnexpectedResponseError,
    api_error_class,
)

# What generated ``from_dict`` methods (which check every field they read) and
# ``json.loads`` raise on bad input: every parser turns exactly these into our errors.
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, RecursionError)


# The generated parsers' client argument: an undocumented status raises UnexpectedStatus.
_RAISING = Client(base_url="", raise_on_unexpected_status=True)


def _is_json(response: httpx.Response) -> bool:
    media_type: str = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _parse_failure(response: httpx.Response, exc: BaseException) -> str:
    if not response.content:
        return "expected a JSON body, got an empty body"
    if isinstance(exc, json.JSONDecodeError | RecursionError | UnicodeDecodeError):
        return f"the body is not valid JSON ({type(exc).__name__})"
    return f"the body does not match openapi.yaml: {describe_parse_error(exc)}"


def describe_parse_error(exc: BaseException) -> str:
    """A short reason for one of ``PARSE_ERRORS``: a missing field by name, else the message.

    Example:

    ```pycon
    >>> describe_parse_error(KeyError("url"))
    "missing field 'url'"

    ```
    """
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "missing field"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


class ResponseReader:
    """Reads responses for one client; bound once to the secrets its texts must mask.

    Example:

    ```python
    reader = ResponseReader(secrets=[api_key])
    endpoint = reader.parse(response, success_status=201, parse=WebhookEndpoint.from_dict)
    ```
    """

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = tuple(secret for secret in secrets if secret)

    def mask(self, text: str) -> str:
        """``text`` with the API key and every ``whsec_`` secret masked."""
        return redact(text, self._secrets)

    # -- the answer ------------------------------------------------------------------

    def parse(self, operation: ModuleType, response: httpx.Response) -> Any:
        """The generated module's reading of ``response`` (its ``_parse_response``): the
        model of the documented success, else the exception matching the answer."""
        status = response.status_code
        if response.content and not _is_json(response):
            content_type = response.headers.get("content-type", "")[:100]
            reason = f"expected a JSON body, got Content-Type {content_type!r}"
            raise self.unexpected(response, reason)
        try:
            parsed = operation._parse_response(client=_RAISING, response=response)
        except UnexpectedStatus:
            reason = f"HTTP {status} is not an answer openapi.yaml documents for this call"
            raise self.unexpected(response, reason) from None
        except PARSE_ERRORS as exc:
            if status < 400:
                raise self.unexpected(response, _parse_failure(response, exc)) from None
        if status >= 400:  # a documented error: Faraday's Error body
            raise self.api_error(response)
        return parsed

    def api_error(self, response: httpx.Response) -> APIError | UnexpectedResponseError:
        """The exception for Faraday's error body, chosen by its ``error`` code. Read field by
        field, so a code this client does not know yet still says what went wrong; every
        text is masked (a server may echo the key back, as a 401 note quoting the header)."""
        try:
            body = json.loads(response.content)
        except (ValueError, RecursionError) as exc:
            return self.unexpected(response, _parse_failure(response, exc))
        code = body.get("error") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code:
            return self.unexpected(response, "the error body has no Faraday error code")
        problems = []
        raw_problems = body.get("validationErrors")
        for raw in raw_problems if isinstance(raw_problems, list) else []:
            with contextlib.suppress(*PARSE_ERRORS):
                problem = ValidationError.from_dict(raw)
                problems.append(
                    attrs.evolve(
                        problem,
                        message=self.mask(problem.message),
                        path=self.mask(problem.path),
                        suggestion=problem.suggestion and self.mask(problem.suggestion),
                    )
                )
        return api_error_class(code)(
            response=response,
            code=self.mask(code),
            error_id=self.mask(str(body.get("id", ""))),
            note=self.mask(str(body.get("note", ""))),
            validation_errors=problems,
        )

    # -- everything else ---------------------------------------------------------------

    def unexpected(self, response: httpx.Response, reason: str) -> UnexpectedResponseError:
        """An ``UnexpectedResponseError`` quoting the start of the (masked) body."""
        return UnexpectedResponseError(
            reason, response=response, body_excerpt=self.body_excerpt(response)
        )

    def too_large(self, response: httpx.Response, limit: int) -> UnexpectedResponseError:
        reason = f"the body is larger than {limit} bytes; stopped reading"
        return UnexpectedResponseError(reason, response=response)

    def undecodable(self, response: httpx.Response) -> UnexpectedResponseError:
        # Faraday answered, so nothing is retried: the body just is not read.
        encoding = response.headers.get("content-encoding", "")[:100]
        reason = f"the body has Content-Encoding {encoding!r}; the client asked for identity"
        return UnexpectedResponseError(reason + " and reads no encoded body", response=response)

    def body_excerpt(self, response: httpx.Response) -> str:
        """The start of a (read) response body as text, secrets masked before it is cut."""
        # Decode a window longer than any secret past the cut, mask, then cut: a key
        # straddling the cut is masked whole, never left half visible.
        text = self.mask(response.content[: BODY_EXCERPT_CHARS * 4].decode("utf-8", "replace"))
        return text if len(text) <= BODY_EXCERPT_CHARS else text[:BODY_EXCERPT_CHARS] + "..."
