"""Check that a generated model holds what its type annotations promise.

The generated ``from_dict`` methods trust their input: ``url`` may come back as
a number, ``enabled_events`` as a string. This checks any generated attrs model
against its own annotations, so it follows the spec through every regeneration
without repeating a field of it here. Each class's checker is built once from
its annotations, then reused: parsing stays cheap on the hot path.
"""

from __future__ import annotations

import datetime
import types
import typing
from collections.abc import Callable
from typing import Any
from uuid import UUID

import attrs
import faraday_api_client.models as generated_models
from faraday_api_client.types import Unset


class ModelMismatch(Exception):
    """A parsed model does not match its annotations; the message names the field."""


# What generated ``from_dict`` methods, ``json.loads`` and ``check_model`` raise on bad
# input: every parser catches exactly these and turns them into the package's errors.
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, RecursionError, ModelMismatch)


Checker = Callable[[Any], bool]
_FIELD_CHECKERS: dict[type[Any], list[tuple[str, Checker, str]]] = {}


def _accept_anything(value: Any) -> bool:
    return True


def _checker_for(annotation: Any) -> Checker:
    """A function telling whether a value matches ``annotation`` (models are checked deeply)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [_checker_for(option) for option in typing.get_args(annotation)]
        return lambda value: any(check(value) for check in options)
    if origin is list:
        (item_type,) = typing.get_args(annotation) or (Any,)
        check_item = _checker_for(item_type)
        return lambda value: isinstance(value, list) and all(check_item(item) for item in value)
    if origin is dict:
        return lambda value: isinstance(value, dict)
    if annotation is Any:
        return _accept_anything
    if annotation is bool:
        return lambda value: isinstance(value, bool)
    if annotation in (int, float):
        return lambda value: isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(annotation, type) and attrs.has(annotation):
        model = annotation

        def check_nested(value: Any) -> bool:
            if not isinstance(value, model):
                return False
            check_model(value)
            return True

        return check_nested
    if isinstance(annotation, type):  # str, UUID, datetime, generated enums, Unset
        expected = annotation
        return lambda value: isinstance(value, expected)
    raise TypeError(f"cannot check values against {annotation!r}")  # pragma: no cover


def _field_checkers(model: type[Any]) -> list[tuple[str, Checker, str]]:
    checkers = _FIELD_CHECKERS.get(model)
    if checkers is None:
        # Generated modules import nested models only under TYPE_CHECKING, so the
        # models package supplies the names the annotations use.
        namespace = {**vars(generated_models), "Unset": Unset, "datetime": datetime, "UUID": UUID}
        hints = typing.get_type_hints(model, localns=namespace)
        checkers = [
            (field.name, _checker_for(hints[field.name]), _describe(hints[field.name]))
            for field in attrs.fields(model)
        ]
        _FIELD_CHECKERS[model] = checkers
    return checkers


def check_model(instance: Any) -> None:
    """Raise ``ModelMismatch`` naming the first field whose value breaks its annotation.

    Example::

        >>> from faraday_api_client.models import ValidationErrorContext
        >>> check_model(ValidationErrorContext(error_type=5))
        Traceback (most recent call last):
        ...
        faraday_webhooks._model_check.ModelMismatch: ValidationErrorContext.error_type: ...
    """
    for name, check, expected in _field_checkers(type(instance)):
        value = getattr(instance, name)
        try:
            ok = check(value)
        except ModelMismatch as nested:
            raise ModelMismatch(f"{type(instance).__name__}.{name}.{nested}") from None
        if not ok:
            raise ModelMismatch(
                f"{type(instance).__name__}.{name}: expected {expected}, got {type(value).__name__}"
            )


def _describe(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("faraday_api_client.models.", "").replace("faraday_api_client.types.", "")
