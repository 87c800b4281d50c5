"""The types of ``faraday-webhooks`` flag values: each returns the value, or raises
``argparse.ArgumentTypeError``, which argparse turns into one line and exit 2."""

from __future__ import annotations

import argparse
import datetime
import json
import uuid
from typing import Any

from .._config import check_base_url
from .._validation import MAX_SECONDS, check_url, is_message_id
from ..errors import ConfigurationError, InvalidRequestError

__all__ = [
    "app_reference",
    "aware_datetime",
    "base_url",
    "count",
    "endpoint_url",
    "json_object",
    "message_id",
    "port",
    "positive_count",
    "printable_text",
    "retry_schedule",
    "seconds",
    "uuid_text",
]


def port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text!r}")
    return int(text)


def positive_count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 10**9):
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def limit(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= 10**9):
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 10^9, got {text!r}")
    return int(text)


def count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= 100):
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 100, got {text!r}")
    return int(text)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_SECONDS:  # NaN and inf fail too
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds above 0 and at most {MAX_SECONDS:g}, got {text!r}"
        )
    return value


def uuid_text(text: str) -> str:

    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a UUID, got {text[:60]!r}") from None


def printable_text(text: str) -> str:
    # A byte that is not UTF-8 reaches Python as a lone surrogate: no request can carry it.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("is not valid UTF-8 text") from None
    if not text or not text.isprintable():
        raise argparse.ArgumentTypeError(f"must be printable text, got {text!r}")
    return text


def base_url(text: str) -> str:

    # Cleartext to a remote host is decided with --allow-insecure-http, once all flags are read.
    try:
        return check_base_url(printable_text(text), allow_insecure_http=True)
    except ConfigurationError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def endpoint_url(text: str) -> str:

    try:
        return check_url(printable_text(text), name="the URL")
    except InvalidRequestError as problem:
        raise argparse.ArgumentTypeError(str(problem).removeprefix("the URL ")) from None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def json_object(text: str) -> dict[str, Any]:

    try:
        # json.loads takes NaN and Infinity, which JSON (and so Faraday) does not have.
        value = json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise argparse.ArgumentTypeError("must be a JSON object, such as '{\"id\": 1}'") from None
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise argparse.ArgumentTypeError(f"must be a JSON object, not a JSON {kind}")
    return value


def aware_datetime(text: str) -> datetime.datetime:
    """An ISO 8601 date-time with its timezone, such as 2026-12-01T00:00:00Z."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z, got {text[:100]!r}"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"needs a timezone (Z or +01:00), got {text[:100]!r}: a time means nothing without"
        )
    return moment


def message_id(text: str) -> str:
    if not is_message_id(text):
        raise argparse.ArgumentTypeError("must be a message id (printable, 1 to 1,000 bytes)")
    return text


def app_reference(text: str) -> tuple[str, str]:
    """``module:attribute``, as uvicorn takes an app: a dotted module, then a name in it."""
    module, colon, attribute = text.partition(":")
    names = [*module.split("."), *attribute.split(".")]
    if not colon or not all(name.isidentifier() for name in names):
        raise argparse.ArgumentTypeError(
            f"must be module:attribute, such as myapp.hooks:receiver, got {text[:100]!r}"
        )
    return module, attribute


def retry_schedule(text: str) -> tuple[float, ...]:
    """Seconds before each retry, comma-separated: 1,2,5."""
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        delays = ()
    if not delays or not all(0 <= delay <= MAX_SECONDS for delay in delays):
        raise argparse.ArgumentTypeError(
            "must be seconds before each retry, comma-separated (such as 1,2,5), "
            f"got {text[:100]!r}"
        )
    return delays
