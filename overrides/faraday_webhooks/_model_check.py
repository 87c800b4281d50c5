"""Check that a generated model holds what its type annotations promise.

The generated ``from_dict`` methods trust their input: ``url`` may come back as
a number, ``enabled_events`` as a string. This walks any generated attrs model
against its own annotations, so it follows the spec through every regeneration
without repeating a field of it here.
"""

from __future__ import annotations

import datetime
import enum
import types
import typing
from typing import Any
from uuid import UUID

import attrs
import faraday_api_client.models as generated_models
from faraday_api_client.types import Unset


class ModelMismatch(Exception):
    """A parsed model does not match its annotations; the message names the field."""


_FIELD_TYPES: dict[type[Any], dict[str, Any]] = {}


def _field_types(model: type[Any]) -> dict[str, Any]:
    cached = _FIELD_TYPES.get(model)
    if cached is not None:
        return cached
    # Generated modules import nested models only under TYPE_CHECKING, so the
    # models package supplies the names the annotations use.
    namespace = {**vars(generated_models), "Unset": Unset, "datetime": datetime, "UUID": UUID}
    hints = typing.get_type_hints(model, localns=namespace)
    types_by_field = {field.name: hints[field.name] for field in attrs.fields(model)}
    _FIELD_TYPES[model] = types_by_field
    return types_by_field


def _conforms(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, option) for option in typing.get_args(annotation))
    if origin is list:
        (item_type,) = typing.get_args(annotation) or (Any,)
        return isinstance(value, list) and all(_conforms(item, item_type) for item in value)
    if origin is dict:
        return isinstance(value, dict)
    if annotation is Any:
        return True
    if annotation is bool:
        return isinstance(value, bool)
    if annotation in (int, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(annotation, type) and attrs.has(annotation):
        if not isinstance(value, annotation):
            return False
        check_model(value)
        return True
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return isinstance(value, annotation)
    return isinstance(annotation, type) and isinstance(value, annotation)


def check_model(instance: Any) -> None:
    """Raise ``ModelMismatch`` naming the first field whose value breaks its annotation.

    Example::

        >>> from faraday_api_client.models import ValidationErrorContext
        >>> check_model(ValidationErrorContext(error_type=5))
        Traceback (most recent call last):
        ...
        faraday_webhooks._model_check.ModelMismatch: ValidationErrorContext.error_type: ...
    """
    for name, annotation in _field_types(type(instance)).items():
        value = getattr(instance, name)
        try:
            ok = _conforms(value, annotation)
        except ModelMismatch as nested:
            raise ModelMismatch(f"{type(instance).__name__}.{name}.{nested}") from None
        if not ok:
            raise ModelMismatch(
                f"{type(instance).__name__}.{name}: expected {_describe(annotation)}, "
                f"got {type(value).__name__}"
            )


def _describe(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("faraday_api_client.models.", "").replace("faraday_api_client.types.", "")
