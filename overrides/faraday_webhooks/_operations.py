"""Every operation in openapi.yaml, as the client calls it: derived, never hand-written.

For each ``operationId`` the bundled spec (its JSON copy) and the generated endpoint
module give everything a call needs: the request builder (``_get_kwargs``), the
success status and how to parse it, the documented error statuses, whether the
operation is idempotent, and whether it declares an ``Idempotency-Key`` header.
A new operation in openapi.yaml is callable through ``client.call`` with no code here.

Generated endpoint modules are imported on first use (``lazy_module``): importing
one loads the generator's ``Client`` classes, which a program should pay for only
when it calls something.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import attrs
import faraday_webhooks_api.models as generated_models

from ._bundled_spec import GENERATED_PACKAGE, bundled_spec
from ._models import PUBLIC_MODELS
from ._responses import DOCUMENTED_ERROR_STATUSES, parse_nothing
from ._validation import check_uuid
from .errors import InvalidRequestError

__all__ = ["Operation", "lazy_module", "operation_for"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
_SCHEMA_PREFIX = "#/components/schemas/"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, loaded at its first attribute access rather than now.

    The one lazy-import helper of the package. ``resources/webhooks.py`` names the
    generated endpoint modules with it, so they type-check as modules and load
    only when an operation is first called.

    Example::

        get_webhook_endpoint = lazy_module("faraday_webhooks_api.api.webhooks.get_webhook_endpoint")
    """
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def snake_case(operation_id: str) -> str:
    """The generated module name of an ``operationId``, as openapi-python-client makes it.

    Example::

        >>> snake_case("getWebhookEndpoints")
        'get_webhook_endpoints'
    """
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", operation_id)
    return "_".join(word.lower() for word in words)


def _model(reference: Any) -> type[Any] | None:
    if not isinstance(reference, str) or not reference.startswith(_SCHEMA_PREFIX):
        return None
    model = getattr(generated_models, reference.removeprefix(_SCHEMA_PREFIX), None)
    if not isinstance(model, type):
        return None
    return PUBLIC_MODELS.get(model, model)


def _schema_of(content: Mapping[str, Any] | None) -> dict[str, Any]:
    """The schema of a request or response's first media type ({} when it has none)."""
    for media in (content or {}).values():
        schema: dict[str, Any] = media.get("schema") or {}
        return schema
    return {}


def _parser(response: Mapping[str, Any]) -> Callable[[Any], Any]:
    """How to read a success response's JSON: its model, a list of its models, or as is."""
    if not response.get("content"):
        return parse_nothing
    schema = _schema_of(response.get("content"))
    model = _model(schema.get("$ref"))
    if model is not None:
        return model.from_dict  # type: ignore[no-any-return]
    if schema.get("type") == "array":
        items = _model((schema.get("items") or {}).get("$ref"))
        if items is not None:
            return functools.partial(_parse_list, items.from_dict)
    return _as_sent


def _as_sent(body: Any) -> Any:
    return body


def _parse_list(parse_item: Callable[[Any], Any], body: Any) -> list[Any]:
    if not isinstance(body, list):
        raise TypeError(f"expected a JSON array, got {type(body).__name__}")
    return [parse_item(item) for item in body]


@attrs.frozen
class Operation:
    """One operation of openapi.yaml and the generated module that builds its requests."""

    operation_id: str
    method: str
    module_name: str
    success_status: int
    parse: Callable[[Any], Any]
    error_statuses: frozenset[int]
    idempotency_key: bool
    uuid_parameters: frozenset[str]
    array_limits: Mapping[str, int]
    body_model: type[Any] | None

    @property
    def module(self) -> ModuleType:
        """The generated endpoint module (imported at the first call of the operation)."""
        return sys.modules.get(self.module_name) or importlib.import_module(self.module_name)

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: an idempotent method, or a declared ``Idempotency-Key``."""
        return self.method in IDEMPOTENT_METHODS or self.idempotency_key

    def request_kwargs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The generated ``_get_kwargs`` for ``params``, checked first against the spec."""
        checked = dict(params)
        for name, value in params.items():
            if name in self.uuid_parameters:
                checked[name] = check_uuid(value, name=name)
            elif name in self.array_limits:
                checked[name] = self._checked_array(name, value)
            elif (
                name == "body"
                and self.body_model is not None
                and not isinstance(value, self.body_model)
            ):
                raise InvalidRequestError(
                    f"{self.operation_id} takes body={self.body_model.__name__}(...), "
                    f"not {type(value).__name__}"
                )
        build = self.module._get_kwargs
        try:
            kwargs: dict[str, Any] = build(**checked)
        except TypeError as problem:
            # A missing or unknown parameter: name what the operation takes.
            raise InvalidRequestError(
                f"{self.operation_id} takes {inspect.signature(build)}: {problem}"
            ) from None
        return kwargs

    def _checked_array(self, name: str, value: Any) -> list[Any]:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise InvalidRequestError(f"{name} must be a list, not {type(value).__name__}")
        items = [check_uuid(item, name=f"{name} item") for item in value]
        limit = self.array_limits[name]
        if len(items) > limit:
            raise InvalidRequestError(f"{name} takes at most {limit} items, got {len(items)}")
        return items


def _operation(path: str, method: str, spec_operation: Mapping[str, Any]) -> Operation:
    operation_id = str(spec_operation["operationId"])
    tag = (spec_operation.get("tags") or ["default"])[0]
    module_name = f"{GENERATED_PACKAGE}.api.{snake_case(tag)}.{snake_case(operation_id)}"
    responses: Mapping[str, Any] = spec_operation.get("responses", {})
    success = sorted(int(status) for status in responses if str(status).startswith("2"))
    error_statuses = frozenset(int(s) for s in responses if str(s)[:1] in ("4", "5")) or (
        DOCUMENTED_ERROR_STATUSES
    )
    declared = [
        *bundled_spec()["paths"][path].get("parameters", []),
        *spec_operation.get("parameters", []),
    ]
    uuid_parameters, array_limits = set(), {}
    for parameter in declared:
        schema = parameter.get("schema", {})
        name = snake_case(str(parameter.get("name", ""))) or str(parameter.get("name"))
        if schema.get("format") == "uuid":
            uuid_parameters.add(name)
        elif schema.get("type") == "array" and (schema.get("items") or {}).get("format") == "uuid":
            array_limits[name] = int(schema.get("maxItems", 10**9))
    body_schema = _schema_of((spec_operation.get("requestBody") or {}).get("content"))
    body_model = _model(body_schema.get("$ref"))
    return Operation(
        operation_id=operation_id,
        method=method.upper(),
        module_name=module_name,
        success_status=success[0] if success else 200,
        parse=_parser(responses[str(success[0])]) if success else parse_nothing,
        error_statuses=error_statuses,
        idempotency_key=any(
            p.get("in") == "header" and str(p.get("name", "")).lower() == "idempotency-key"
            for p in declared
        ),
        uuid_parameters=frozenset(uuid_parameters),
        array_limits=array_limits,
        body_model=body_model,
    )


@functools.cache
def _operations() -> dict[str, Operation]:
    """operationId and generated module name -> ``Operation``, for every operation."""
    table: dict[str, Operation] = {}
    for path, item in bundled_spec()["paths"].items():
        for method in _HTTP_METHODS:
            spec_operation = item.get(method)
            if spec_operation and spec_operation.get("operationId"):
                operation = _operation(path, method, spec_operation)
                table[operation.operation_id] = operation
                table[operation.module_name] = operation
    return table


def operation_for(operation: ModuleType | str | Any) -> Operation:
    """The ``Operation`` for a generated endpoint module or its ``operationId``.

    Example::

        operation_for("getWebhookEndpoint").success_status   # 200
    """
    if isinstance(operation, ModuleType):
        key = operation.__name__
    elif isinstance(operation, str):
        key = operation
    else:
        raise InvalidRequestError(
            "operation must be a generated endpoint module or its operationId, "
            f"not {type(operation).__name__}"
        )
    found = _operations().get(key)
    if found is None:
        known = sorted(name for name in _operations() if "." not in name)
        raise InvalidRequestError(
            f"openapi.yaml has no operation {key!r}; it has: {', '.join(known)}"
        )
    return found


def new_idempotency_key() -> str:
    """A fresh key for one logical call (its retries reuse it)."""
    return str(uuid.uuid4())
