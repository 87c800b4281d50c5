"""The bundled openapi.yaml, loaded once, and JSON Schema validators built from it.

Needs the ``sandbox`` extra (jsonschema, PyYAML).
"""

from __future__ import annotations

import datetime
import functools
import importlib.resources
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from ..errors import SandboxExtraMissing

SPEC_PACKAGE = "faraday_webhooks_api"
SPEC_FILE = "openapi.yaml"
_SPEC_URI = "urn:faraday-webhooks:openapi"


def _missing_extra(exc: ImportError) -> SandboxExtraMissing:
    return SandboxExtraMissing(
        f"The Faraday sandbox needs the 'sandbox' extra ({exc.name} is missing): "
        "pip install 'faraday-webhooks[sandbox]' --index-url <the internal index>"
    )


def require_sandbox_extra() -> None:
    """Raise ``ImportError`` naming the ``sandbox`` extra if jsonschema or PyYAML is missing.

    Example:

    ```python
    require_sandbox_extra()  # before starting anything that serves
    ```
    """
    try:
        import jsonschema  # noqa: F401
        import referencing  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as exc:
        raise _missing_extra(exc) from None


@functools.cache
def load_spec() -> dict[str, Any]:
    """The OpenAPI document shipped inside the package (a copy ./generate.sh keeps in step)."""
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise _missing_extra(exc) from None
    text = importlib.resources.files(SPEC_PACKAGE).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    # RFC 3986 has no whitespace or control characters: a newline in a URL is not one.
    if any(
        character.isspace() or ord(character) < 32 or ord(character) == 127 for character in value
    ):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment.tzinfo is not None


@functools.cache
def _validator_class_and_registry() -> tuple[Any, Any, Any]:
    try:
        import jsonschema
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise _missing_extra(exc) from None
    registry = Registry().with_resource(
        _SPEC_URI, Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    )
    # jsonschema checks "uri" and "date-time" only with optional packages; do it here.
    format_checker = jsonschema.FormatChecker()
    format_checker.checks("uri")(_is_uri)
    format_checker.checks("date-time")(_is_date_time)
    return jsonschema.Draft202012Validator, registry, format_checker


@functools.cache
def validator_for(pointer: str) -> Any:
    """A validator for the schema at a JSON pointer into openapi.yaml.

    Example:

    ```python
    validator_for("/components/schemas/WebhookEndpointPost").is_valid({"url": 1})  # False
    ```
    """
    validator_class, registry, format_checker = _validator_class_and_registry()
    return validator_class(
        {"$ref": f"{_SPEC_URI}#{pointer}"}, registry=registry, format_checker=format_checker
    )


def schema_validator(name: str) -> Any:
    """A validator for ``components/schemas/<name>``."""
    return validator_for(f"/components/schemas/{name}")


def operation(path: str, method: str) -> dict[str, Any]:
    """The operation object for ``method`` on ``path`` in openapi.yaml."""
    operation_object: dict[str, Any] = load_spec()["paths"][path][method.lower()]
    return operation_object


def validate(pointer: str, instance: Any, location: str) -> list[dict[str, Any]]:
    """Faraday's ``validationErrors`` for ``instance`` against the schema at ``pointer``."""
    return _problems(validator_for(pointer), instance, location, pointer.rsplit("/", 1)[-1])


def event_type_problems(
    enabled_events: Any, known: Collection[str], location: str
) -> list[dict[str, Any]]:
    """Faraday's ``validationErrors`` for each event type outside ``known``: upstream's
    request items are the closed ``WebhookEventType``, where openapi.yaml also takes any
    string (for the client's sake, so that a new kind can be subscribed before
    regeneration).

    Example:

    ```pycon
    >>> [p["path"] for p in event_type_problems(["a", "b"], {"a"}, "body")]
    ['body/enabled_events/1']

    ```
    """
    validator_class, _, _ = _validator_class_and_registry()
    validator = validator_class({"items": {"enum": sorted(known)}})
    return _problems(validator, enabled_events, f"{location}/enabled_events", "WebhookEventType")


def _problems(
    validator: Any, instance: Any, location: str, schema_name: str
) -> list[dict[str, Any]]:
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
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
