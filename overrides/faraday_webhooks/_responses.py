"""Turn an HTTP response into a model or the right exception.

Nothing raised while parsing escapes as ``KeyError``/``TypeError``/``ValueError``:
a documented success becomes the generated model (checked against its own
annotations), a documented error status becomes an ``APIError`` subclass, and
everything else becomes ``UnexpectedResponseError`` with the response kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
from faraday_api_client.models import Error, ValidationError

from ._model_check import PARSE_ERRORS, check_model, describe_parse_error
from ._redact import redact
from .errors import (
    BODY_EXCERPT_CHARS,
    APIError,
    UnexpectedResponseError,
    api_error_class,
)

T = TypeVar("T")

# Every operation in openapi.yaml documents these statuses with the Error body
# (tests/test_spec.py keeps this set and the document in step).
DOCUMENTED_ERROR_STATUSES = frozenset({400, 401, 403, 404, 500})


def body_excerpt(response: httpx.Response, secrets: Iterable[str] = ()) -> str:
    """The start of a response body as text, secrets masked, for error messages."""
    text = response.content[: BODY_EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    text = redact(text, secrets)
    if len(text) > BODY_EXCERPT_CHARS:
        text = text[:BODY_EXCERPT_CHARS] + "..."
    return text


def unexpected(
    response: httpx.Response, reason: str, secrets: Iterable[str]
) -> UnexpectedResponseError:
    """An ``UnexpectedResponseError`` quoting the (masked) body."""
    return UnexpectedResponseError(
        reason, response=response, body_excerpt=body_excerpt(response, secrets)
    )


def json_body(response: httpx.Response, secrets: Iterable[str]) -> Any:
    """The decoded JSON body, or ``UnexpectedResponseError`` saying why it is not JSON."""
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not (media_type == "application/json" or media_type.endswith("+json")):
        raise unexpected(
            response, f"expected a JSON body, got Content-Type {content_type!r}", secrets
        )
    if not response.content:
        raise unexpected(response, "expected a JSON body, got an empty body", secrets)
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        raise unexpected(
            response, f"the body is not valid JSON ({type(exc).__name__})", secrets
        ) from None


def parse_model(response: httpx.Response, parse: Callable[[Any], T], secrets: Iterable[str]) -> T:
    """Parse the JSON body with a generated ``from_dict`` and check the result's types."""
    body = json_body(response, secrets)
    try:
        parsed = parse(body)
        for model in parsed if isinstance(parsed, list) else [parsed]:
            check_model(model)
    except PARSE_ERRORS as exc:
        raise unexpected(
            response, f"the body does not match openapi.yaml: {describe_parse_error(exc)}", secrets
        ) from None
    return parsed


def api_error(
    response: httpx.Response, secrets: Iterable[str]
) -> APIError | UnexpectedResponseError:
    """The exception for a documented error status, chosen by the body's ``error`` code."""
    body = json_body(response, secrets)
    try:
        error = Error.from_dict(body)
        check_model(error)
    except PARSE_ERRORS:
        # A code this client does not know yet (or a sloppy body) still says what went wrong.
        return _lenient_api_error(response, body, secrets)
    validation_errors = error.validation_errors if isinstance(error.validation_errors, list) else []
    return api_error_class(str(error.error))(
        response=response,
        code=str(error.error),
        error_id=str(error.id),
        note=error.note,
        validation_errors=validation_errors,
    )


def _lenient_api_error(
    response: httpx.Response, body: Any, secrets: Iterable[str]
) -> APIError | UnexpectedResponseError:
    if not isinstance(body, dict) or not isinstance(body.get("error"), str) or not body["error"]:
        return unexpected(response, "the error body has no Faraday error code", secrets)
    code: str = body["error"]
    validation_errors: list[ValidationError] = []
    raw_problems = body.get("validationErrors")
    for raw in raw_problems if isinstance(raw_problems, list) else []:
        try:
            problem = ValidationError.from_dict(raw)
            check_model(problem)
        except PARSE_ERRORS:
            continue
        validation_errors.append(problem)
    return api_error_class(code)(
        response=response,
        code=code,
        error_id=str(body.get("id", "")),
        note=str(body.get("note", "")),
        validation_errors=validation_errors,
    )


def parse_response(
    response: httpx.Response,
    *,
    success_status: int,
    parse: Callable[[Any], T] | None,
    secrets: Iterable[str],
) -> T | None:
    """The model for the documented success status, else raise the matching exception."""
    status = response.status_code
    if status == success_status:
        return None if parse is None else parse_model(response, parse, secrets)
    if status in DOCUMENTED_ERROR_STATUSES:
        raise api_error(response, secrets)
    raise unexpected(
        response, f"HTTP {status} is not an answer openapi.yaml documents for this call", secrets
    )
