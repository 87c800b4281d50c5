"""The whole-call deadline (``total_timeout``): one per call, over every attempt,
every wait between attempts, the wait for headers and the reading of the body.

httpx's timeouts bound each socket operation; a server that drips one header byte
at a time never trips them. So:

- async calls run inside an anyio cancel scope that ends at the deadline;
- sync calls made through the client's own connection pool read and write through
  ``_sync_transport.DeadlineNetworkBackend``, whose every socket operation waits at
  most until the deadline of the call running in that thread (a context variable).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections.abc import Iterator

import httpx

from .errors import APITimeoutError, request_label

_CURRENT: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "faraday_webhooks_deadline", default=None
)


class Deadline:
    """When a call must be over; ``None`` seconds means never.

    Example::

        deadline = Deadline(2.0, request)
        deadline.check()        # raises APITimeoutError once 2 s have passed
    """

    __slots__ = ("_at", "request", "seconds")

    def __init__(self, seconds: float | None, request: httpx.Request) -> None:
        self.seconds = seconds
        self.request = request
        self._at = math.inf if seconds is None else time.monotonic() + seconds

    @property
    def bounded(self) -> bool:
        return self.seconds is not None

    def remaining(self) -> float:
        """Seconds left (``inf`` without a deadline; may be <= 0)."""
        return self._at - time.monotonic()

    def check(self) -> float:
        """Seconds left; raises ``APITimeoutError`` when none are."""
        remaining = self._at - time.monotonic()
        if remaining <= 0:
            raise self.expired()
        return remaining

    def expired(self) -> APITimeoutError:
        return APITimeoutError(
            f"{request_label(self.request)}: the total timeout of {self.seconds}s ran out",
            request=self.request,
        )

    def allows_wait(self, seconds: float) -> bool:
        """Whether waiting ``seconds`` still leaves time to try again."""
        return time.monotonic() + seconds < self._at

    @contextlib.contextmanager
    def governing_this_thread(self) -> Iterator[None]:
        """Make this the deadline ``DeadlineNetworkBackend`` applies while the block runs."""
        token = _CURRENT.set(self if self.bounded else None)
        try:
            yield
        finally:
            _CURRENT.reset(token)


def current_deadline() -> Deadline | None:
    """The deadline of the call running in this thread, if it has one."""
    return _CURRENT.get()
