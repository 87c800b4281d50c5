"""Check that a generated model holds what its type annotations promise.

The generated ``from_dict`` methods trust their input: ``url`` may come back as
a number, ``enabled_events`` as a string. This checks any generated attrs model
against its own annotations, so it follows the spec through every regeneration
without repeating a field of it here. Each class's checker is built once from
its annotations, then reused: parsing stays cheap on the hot path.
"""

from __future__ import annotations

import datetime
import enum
import itertools
import operator
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import attrs
import faraday_webhooks_api.models as generated_models
from faraday_webhooks_api.types import Unset


class ModelMismatch(Exception):
    """A parsed model does not match its annotations; the message names the field."""


# What generated ``from_dict`` methods, ``json.loads`` and ``check_model`` raise on bad
# input: every parser catches exactly these and turns them into the package's errors.
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, RecursionError, ModelMismatch)


Checker = Callable[[Any], bool]


def _accept_anything(value: Any) -> bool:
    return True


def _plain_types(annotation: Any) -> tuple[type, ...] | None:
    """The classes an ``isinstance`` check needs for ``annotation``, if one check is enough.

    ``str``, ``UUID``, ``datetime``, generated enums, and unions of those (``str | None``)
    are; lists, nested models, numbers (``bool`` is an ``int``) and ``Any`` are not.
    """
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found: tuple[type, ...] = ()
        for option in typing.get_args(annotation):
            option_types = _plain_types(option)
            if option_types is None:
                return None
            found += option_types
        return found
    if typing.get_origin(annotation) is dict:
        return (dict,)
    if annotation in (int, float, bool) or not isinstance(annotation, type):
        return None
    if attrs.has(annotation) or typing.get_origin(annotation) is not None:
        return None
    return (annotation,)


def _checker_for(annotation: Any) -> Checker:
    """A function telling whether a value matches ``annotation`` (models are checked deeply)."""
    plain = _plain_types(annotation)
    if plain is not None:
        return lambda value: isinstance(value, plain)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [_checker_for(option) for option in typing.get_args(annotation)]
        return lambda value: any(check(value) for check in options)
    if origin is list:
        (item_type,) = typing.get_args(annotation) or (Any,)
        if _plain_types(item_type) is not None:
            check_column = _column_checker(annotation)
            return lambda value: check_column((value,))
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
    raise TypeError(f"cannot check values against {annotation!r}")  # pragma: no cover


ColumnChecker = Callable[[Sequence[Any]], bool]


def _column_checker(annotation: Any) -> ColumnChecker:
    """A function telling whether every value of a column (one field of many models)
    matches ``annotation``. Plain types and lists of them are checked in C-level passes
    over the whole column, with no Python call per value."""
    plain = _plain_types(annotation)
    if plain is not None:
        return lambda values: all(map(isinstance, values, itertools.repeat(plain)))
    if typing.get_origin(annotation) is list:
        (item_type,) = typing.get_args(annotation) or (Any,)
        item_plain = _plain_types(item_type)
        if item_plain is not None:
            item_types = item_plain

            def lists_of_plain_items(values: Sequence[Any]) -> bool:
                if not all(map(isinstance, values, itertools.repeat(list))):
                    return False
                items = itertools.chain.from_iterable(values)
                return all(map(isinstance, items, itertools.repeat(item_types)))

            return lists_of_plain_items
    check = _checker_for(annotation)
    return lambda values: all(map(check, values))


@attrs.frozen
class _ModelChecker:
    """One model's checks, compiled once from its annotations.

    Fields that one ``isinstance`` settles are read together and checked in a single
    C-level pass; the rest (lists, nested models) run their own checker. Many models
    of one class (a list answer) are checked a field at a time, still in C.
    """

    plain_values: Callable[[Any], tuple[Any, ...]]
    plain_types: tuple[tuple[type, ...], ...]
    other_checks: tuple[tuple[str, Checker], ...]
    other_columns: tuple[tuple[Callable[[Any], Any], ColumnChecker], ...]
    descriptions: dict[str, tuple[Checker, str]]
    date_times: tuple[str, ...]

    def read_naive_as_utc(self, instance: Any) -> None:
        """A date-time sent without a zone is read as UTC: every one compares and converts."""
        for name in self.date_times:
            value = getattr(instance, name)
            if value is not None and value.tzinfo is None:
                setattr(instance, name, value.replace(tzinfo=datetime.UTC))

    def read_all_naive_as_utc(self, instances: Sequence[Any]) -> None:
        """``read_naive_as_utc`` for many instances; one C-level pass finds none to fix."""
        for name in self.date_times:
            # filter(None) drops unset optional date-times (every datetime is truthy).
            zones = map(_TIME_ZONE, filter(None, map(operator.attrgetter(name), instances)))
            if None in zones:
                for instance in instances:
                    self.read_naive_as_utc(instance)
                return

    def passes(self, instance: Any) -> bool:
        # map() keeps the plain checks in C; the loop avoids a generator per call.
        if not all(map(isinstance, self.plain_values(instance), self.plain_types)):
            return False
        for name, check in self.other_checks:  # noqa: SIM110 - no generator per call (hot path)
            if not check(getattr(instance, name)):
                return False
        return True

    def all_pass(self, instances: Sequence[Any]) -> bool:
        """``passes`` for every one of ``instances`` (all of this model), a field at a time."""
        rows = list(map(self.plain_values, instances))
        # zip(*rows) turns the rows into one tuple per field (none at all for no rows).
        columns = zip(*rows, strict=True)
        for column, kinds in zip(columns, self.plain_types, strict=False):
            if not all(map(isinstance, column, itertools.repeat(kinds))):
                return False
        for read, check_column in self.other_columns:
            if not check_column(list(map(read, instances))):
                return False
        return True


_TIME_ZONE = operator.attrgetter("tzinfo")


_CHECKERS: dict[type[Any], _ModelChecker] = {}
# Values a generated ``from_dict`` builds itself (``UUID(...)``, ``fromisoformat``,
# ``Status(...)``): right by construction, or it raised. Only what it passes through
# unconverted (strings, lists, unions) can be of the wrong type.
_BUILT_TYPES = (UUID, datetime.datetime, datetime.date, enum.Enum)


def _is_date_time(annotation: Any) -> bool:
    options = [o for o in typing.get_args(annotation) or (annotation,) if o is not Unset]
    return options == [datetime.datetime]


def _built_by_from_dict(annotation: Any) -> bool:
    options = [
        option for option in typing.get_args(annotation) or (annotation,) if option is not Unset
    ]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType, None):
        return False
    return (
        len(options) == 1 and isinstance(options[0], type) and issubclass(options[0], _BUILT_TYPES)
    )


def _model_checker(model: type[Any]) -> _ModelChecker:
    checker = _CHECKERS.get(model)
    if checker is None:
        # Generated modules import nested models only under TYPE_CHECKING, so the
        # models package supplies the names the annotations use.
        namespace = {**vars(generated_models), "Unset": Unset, "datetime": datetime, "UUID": UUID}
        hints = typing.get_type_hints(model, localns=namespace)
        names = [field.name for field in attrs.fields(model)]
        # additional_properties is the dict from_dict copied the input into: a dict by
        # construction, like the values in _BUILT_TYPES.
        checked = [
            name
            for name in names
            if name != "additional_properties" and not _built_by_from_dict(hints[name])
        ]
        plain = [(name, _plain_types(hints[name])) for name in checked]
        plain_names = [name for name, found in plain if found is not None]
        getter = operator.attrgetter(*plain_names) if plain_names else (lambda _: ())
        checker = _CHECKERS[model] = _ModelChecker(
            plain_values=getter if len(plain_names) != 1 else (lambda obj: (getter(obj),)),
            plain_types=tuple(found for _, found in plain if found is not None),
            other_checks=tuple(
                (name, _checker_for(hints[name])) for name, found in plain if found is None
            ),
            other_columns=tuple(
                (operator.attrgetter(name), _column_checker(hints[name]))
                for name, found in plain
                if found is None
            ),
            descriptions={
                name: (_checker_for(hints[name]), _describe(hints[name])) for name in names
            },
            date_times=tuple(name for name in names if _is_date_time(hints[name])),
        )
    return checker


def parser_for(model: type[Any]) -> Callable[[Any], Any]:
    """``model.from_dict`` followed by ``check_model``, with the checks looked up once.

    For a hot path that parses one model many times (a webhook receiver's ``data``).

    Example::

        >>> parse = parser_for(ValidationErrorContext)  # doctest: +SKIP
        >>> parse({"errorType": "format"}).error_type     # doctest: +SKIP
        'format'
    """
    checker = _model_checker(model)
    from_dict = model.from_dict
    passes, date_times = checker.passes, checker.date_times

    def parse(source: Any) -> Any:
        instance = from_dict(source)
        if not passes(instance):
            check_model(instance)  # raises, naming the field
            raise ModelMismatch(f"{model.__name__} does not match its annotations")
        if date_times:
            checker.read_naive_as_utc(instance)
        return instance

    return parse


def check_model(instance: Any) -> None:
    """Raise ``ModelMismatch`` naming the first field whose value breaks its annotation.

    A model that passes has any date-time sent without a zone read as UTC.

    Example::

        >>> from faraday_webhooks_api.models import ValidationErrorContext
        >>> check_model(ValidationErrorContext(error_type=5))
        Traceback (most recent call last):
        ...
        faraday_webhooks._model_check.ModelMismatch: ValidationErrorContext.error_type: ...
    """
    checker = _model_checker(type(instance))
    if checker.passes(instance):
        if checker.date_times:
            checker.read_naive_as_utc(instance)
        return
    # The slow path, only on failure: find the field and say what is wrong with it.
    for name, (check, expected) in checker.descriptions.items():
        value = getattr(instance, name)
        try:
            ok = check(value)
        except ModelMismatch as nested:
            raise ModelMismatch(f"{type(instance).__name__}.{name}.{nested}") from None
        if not ok:
            raise ModelMismatch(
                f"{type(instance).__name__}.{name}: expected {expected}, got {type(value).__name__}"
            )


def check_models(instances: Sequence[Any]) -> None:
    """``check_model`` for each of ``instances``; a list of one model is checked a field
    at a time (a 1,000-endpoint list costs a few C-level passes, not 1,000 calls).

    Example::

        >>> check_models([ValidationErrorContext(error_type="format")])  # doctest: +SKIP
    """
    model = type(instances[0]) if len(instances) > 1 else None
    if model is None or not all(map(operator.is_, map(type, instances), itertools.repeat(model))):
        for instance in instances:  # one model (most answers), none, or a mix
            check_model(instance)
        return
    checker = _model_checker(model)
    if not checker.all_pass(instances):
        for instance in instances:
            check_model(instance)  # raises at the first one that fails, naming the field
        raise ModelMismatch(f"{model.__name__} does not match its annotations")  # pragma: no cover
    if checker.date_times:
        checker.read_all_naive_as_utc(instances)


def describe_parse_error(exc: BaseException) -> str:
    """A short reason for one of ``PARSE_ERRORS``: a missing field by name, else the message.

    Example::

        >>> describe_parse_error(KeyError("url"))
        "missing field 'url'"
    """
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "missing field"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _describe(annotation: Any) -> str:
    # list[str] and str | None print themselves; a class prints as <class ...>.
    if typing.get_origin(annotation) is not None:
        text = str(annotation)
    else:
        text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("faraday_webhooks_api.models.", "").replace(
        "faraday_webhooks_api.types.", ""
    )
