"""Types that let ``client.call`` be checked by what each operation returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from faraday_webhooks_api.models import Error

T_co = TypeVar("T_co", covariant=True)


class OperationModule(Protocol[T_co]):
    """A generated endpoint module, seen by the type of its success result.

    Every generated module has ``sync(...) -> Error | <success model> | None``; mypy
    matches a module against this protocol and infers ``T_co`` as the success model,
    so ``client.call(get_webhook_endpoint, ...)`` is typed ``WebhookEndpoint``.
    """

    @property
    def sync(self) -> Callable[..., Error | T_co | None]: ...
