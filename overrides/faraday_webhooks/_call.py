"""One operation as data (``APICall``): what to send and how to read the answer.

Built per call from the spec-derived ``Operation`` (``_operations.py``) and the
generated module's request builder; the clients send it (``_base_client.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from ._operations import IDEMPOTENCY_HEADER, Operation, new_idempotency_key
from ._responses import DOCUMENTED_ERROR_STATUSES
from .errors import InvalidRequestError

__all__ = ["NOT_GIVEN", "APICall", "NotGiven"]

T = TypeVar("T")


class NotGiven:
    """Sentinel for "argument not passed" where ``None`` is a meaningful value."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()


class APICall(Generic[T]):
    """One operation, as data: what to send and how to read the answer.

    A plain slotted class: one is built per call, so it should cost nothing.
    """

    __slots__ = (
        "error_statuses",
        "headers",
        "idempotent",
        "json",
        "method",
        "params",
        "parse",
        "path",
        "success_status",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        success_status: int,
        parse: Callable[[Any], T],
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        error_statuses: frozenset[int] = DOCUMENTED_ERROR_STATUSES,
    ) -> None:
        self.method = method
        self.path = path
        self.success_status = success_status
        self.parse = parse
        self.idempotent = idempotent
        self.json = json
        self.params = params
        self.headers: Mapping[str, str] = headers or {}
        self.error_statuses = error_statuses

    def __repr__(self) -> str:
        return f"APICall({self.method} {self.path} -> {self.success_status})"

    @classmethod
    def for_operation(
        cls,
        operation: Operation,
        params: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> APICall[Any]:
        """The call for one of openapi.yaml's operations, built by its generated module.

        Where the operation declares ``Idempotency-Key``, the call carries one (``idempotency_key``
        or a fresh uuid4), the same on every retry, and is retried like an idempotent call.
        """
        kwargs = operation.request_kwargs(params)
        headers = dict(kwargs.get("headers") or {})
        if operation.idempotency_key:
            headers[IDEMPOTENCY_HEADER] = (
                new_idempotency_key() if idempotency_key is None else idempotency_key
            )
        elif idempotency_key is not None:
            raise InvalidRequestError(
                f"{operation.operation_id} declares no {IDEMPOTENCY_HEADER} header in openapi.yaml"
            )
        return cls(
            method=operation.method,
            path=kwargs["url"],
            success_status=operation.success_status,
            parse=operation.parse,
            idempotent=operation.idempotent,
            json=kwargs.get("json"),
            params=kwargs.get("params") or None,
            headers=headers,
            error_statuses=operation.error_statuses,
        )
