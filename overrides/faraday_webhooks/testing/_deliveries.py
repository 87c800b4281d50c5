"""Sending signed deliveries as Faraday's sender (Svix) does.

- The first attempt goes out at once; a delivery that does not get a 2xx within
  the timeout is retried on Svix's schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
  10 h), each attempt with the same message id and a fresh timestamp and signature.
- Any status outside 2xx is a failure, 3xx included: redirects are not followed.
- A message can be sent again by hand (``redeliver``), again with the same id.
- Every attempt is recorded (``attempts``), bounded.

Only loopback URLs are delivered to: the sandbox never sends off this machine.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime
import heapq
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from .._base_client import LOOPBACK_PATTERNS
from .._validation import check_number, is_loopback_host
from .._version import __version__
from ..verify import sign_webhook

__all__ = ["SVIX_RETRY_SCHEDULE", "USER_AGENT", "Deliverer", "Delivery", "DeliveryAttempt"]

# Seconds before each retry after the first, immediate attempt (Svix's documented schedule).
SVIX_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
# Named as Svix names its sender ("Svix-Webhooks/<version>").
USER_AGENT = f"Faraday-Sandbox-Webhooks/{__version__} (faraday-webhooks; Svix-compatible)"
MAX_KEPT_ATTEMPTS = 10_000
MAX_KEPT_MESSAGES = 1_000
# Retries going out at once, to different endpoints (one at a time to each).
MAX_CONCURRENT_RETRIES = 16
# Deliveries to loopback go straight there, whatever proxy the environment names.
_DIRECT_TO_LOOPBACK: dict[str, httpx.BaseTransport | None] = dict.fromkeys(LOOPBACK_PATTERNS)


# Why a delivery to an endpoint off this machine was skipped (never sent, never retried).
NOT_LOOPBACK = "not delivered: the sandbox only delivers to loopback"


@attrs.frozen
class Delivery:
    """The outcome of sending one event to one endpoint (one attempt)."""

    endpoint_id: str
    url: str
    event_type: str
    status_code: int | None
    error: str | None = None
    body: bytes = attrs.field(default=b"", repr=False)
    message_id: str = ""
    attempt: int = 1

    @property
    def ok(self) -> bool:
        """The receiver answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def skipped(self) -> bool:
        """Never sent: the endpoint is not on loopback, where the sandbox delivers."""
        return self.status_code is None and self.error == NOT_LOOPBACK

    def to_dict(self) -> dict[str, Any]:
        """The report ``POST /_sandbox/trigger`` (and so the CLI) shows for this delivery."""
        return {
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "event_type": self.event_type,
            "message_id": self.message_id,
            "attempt": self.attempt,
            "status_code": self.status_code,
            "ok": self.ok,
            "skipped": self.skipped,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, report: Any) -> Delivery:
        """A delivery from ``to_dict``'s report; ``ValueError`` if it is not one."""
        if not isinstance(report, dict):
            raise ValueError("a delivery report is a JSON object")
        status = report.get("status_code")
        error = report.get("error")
        if not (status is None or (type(status) is int and 100 <= status <= 599)):
            raise ValueError("status_code must be an HTTP status or null")
        if not (error is None or isinstance(error, str)):
            raise ValueError("error must be text or null")
        texts = [report.get(k, "") for k in ("endpoint_id", "url", "event_type", "message_id")]
        endpoint_id, url, event_type, message_id = (
            text if isinstance(text, str) else None for text in texts
        )
        if endpoint_id is None or url is None or event_type is None or message_id is None:
            raise ValueError("endpoint_id, url, event_type and message_id must be text")
        attempt = report.get("attempt", 1)
        if type(attempt) is not int or attempt < 1:
            raise ValueError("attempt must be a whole number from 1")
        return cls(endpoint_id, url, event_type, status, error, b"", message_id, attempt)


@attrs.frozen
class DeliveryAttempt:
    """One attempt at one message to one endpoint, as ``Sandbox.deliveries`` lists them."""

    message_id: str
    endpoint_id: str
    url: str
    event_type: str
    attempt: int
    status_code: int | None
    error: str | None
    at: float  # seconds since the epoch

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def line(self) -> str:
        """The attempt as ``faraday-webhooks sandbox`` prints it: time, endpoint, message
        id, attempt number, and status or error."""
        at = datetime.datetime.fromtimestamp(self.at, datetime.UTC).strftime("%H:%M:%S")
        outcome = f"HTTP {self.status_code}" if self.status_code is not None else self.error
        return (
            f"sandbox: delivery {at} {self.message_id} attempt {self.attempt} "
            f"to {self.url} (endpoint {self.endpoint_id}): {outcome}"
        )


@attrs.define
class _Message:
    event_type: str
    body: bytes
    endpoint_ids: list[str]
    attempts: dict[str, int] = attrs.field(factory=dict)  # endpoint id -> attempts made


def check_schedule(schedule: Any) -> tuple[float, ...]:
    """Delays in seconds before each retry, or ``ValueError`` saying what is wrong."""
    if isinstance(schedule, str | bytes) or not isinstance(schedule, Iterable):
        raise ValueError("retry_schedule takes a list of seconds, such as [5, 300, 1800]")
    return tuple(
        float(
            check_number(delay, name="each retry_schedule delay", maximum=10**6, error=ValueError)
        )
        for delay in schedule
    )


class Deliverer:
    """Sends messages to endpoints and retries failures on the schedule, in the background.

    ``endpoint`` looks an endpoint up by id as it is now (deleted or disabled: no more
    attempts), so a retry is signed with the endpoint's current secret.
    """

    def __init__(
        self,
        endpoint: Callable[[str], Mapping[str, Any] | None],
        *,
        schedule: tuple[float, ...],
        timeout: float,
        on_attempt: Callable[[DeliveryAttempt], object] | None = None,
    ) -> None:
        self._endpoint = endpoint
        self.on_attempt = on_attempt
        self.schedule = schedule
        self.timeout = timeout
        self.attempts: collections.deque[DeliveryAttempt] = collections.deque(
            maxlen=MAX_KEPT_ATTEMPTS
        )
        self._messages: collections.OrderedDict[str, _Message] = collections.OrderedDict()
        self._due: list[tuple[float, int, str, str]] = []  # (when, order, message, endpoint)
        self._order = itertools.count()
        self._lock = threading.Condition()
        self._stopped = False
        self._worker: threading.Thread | None = None
        # Svix sends each endpoint's attempts on their own: one hanging endpoint never
        # delays another's retries. One attempt at a time per endpoint, in a bounded pool.
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._in_flight: set[str] = set()
        self._waiting: dict[str, collections.deque[str]] = {}

    def send(
        self, event_type: str, body: bytes, targets: Sequence[Mapping[str, Any]]
    ) -> list[Delivery]:
        """A new message: its first attempt to each target now; failures retried later."""
        message_id = "msg_" + uuid.uuid4().hex[:24]
        message = _Message(event_type, body, [str(target["id"]) for target in targets])
        with self._lock:
            self._messages[message_id] = message
            while len(self._messages) > MAX_KEPT_MESSAGES:
                self._messages.popitem(last=False)
        return [self._attempt(message_id, message, target) for target in targets]

    def redeliver(self, message_id: str) -> list[Delivery]:
        """Send a message again to the endpoints it went to, as Svix's "resend" does;
        ``KeyError`` if the sandbox does not know the message."""
        with self._lock:
            message = self._messages[message_id]
        return [
            self._attempt(message_id, message, found)
            for endpoint_id in message.endpoint_ids
            if (found := self._endpoint(endpoint_id)) is not None
        ]

    def start(self) -> None:
        """Take retries again (a sandbox started after a stop)."""
        with self._lock:
            self._stopped = False

    def stop(self) -> None:
        """Cancel every pending retry and end the background threads."""
        with self._lock:
            self._stopped = True
            self._due.clear()
            self._waiting.clear()
            self._lock.notify_all()
            worker, self._worker = self._worker, None
            pool, self._pool = self._pool, None
        if worker is not None:
            worker.join(10)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _attempt(self, message_id: str, message: _Message, target: Mapping[str, Any]) -> Delivery:
        endpoint_id, url = str(target["id"]), str(target["url"])
        with self._lock:
            number = message.attempts.get(endpoint_id, 0) + 1
            message.attempts[endpoint_id] = number
        delivery = self._post(message_id, message, target, number)
        made = DeliveryAttempt(
            message_id,
            endpoint_id,
            url,
            message.event_type,
            number,
            delivery.status_code,
            delivery.error,
            time.time(),
        )
        self.attempts.append(made)
        if self.on_attempt is not None:
            self.on_attempt(made)
        retries_made = number - 1
        if not delivery.ok and not delivery.skipped and retries_made < len(self.schedule):
            self._schedule(time.monotonic() + self.schedule[retries_made], message_id, endpoint_id)
        return delivery

    def _post(
        self, message_id: str, message: _Message, target: Mapping[str, Any], number: int
    ) -> Delivery:
        endpoint_id, url = str(target["id"]), str(target["url"])
        report = Delivery(endpoint_id, url, message.event_type, None, None, b"", message_id, number)
        if not is_loopback_host(urlsplit(url).hostname or ""):
            return attrs.evolve(report, error=NOT_LOOPBACK)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            # The same id on every attempt; a fresh timestamp and signature each time.
            **sign_webhook(message.body, str(target["secret"]), msg_id=message_id),
        }
        try:
            with httpx.Client(timeout=self.timeout, mounts=_DIRECT_TO_LOOPBACK) as http:
                response = http.post(url, content=message.body, headers=headers)
        except Exception as exc:  # any failure is this delivery's, never the others'
            return attrs.evolve(report, error=f"{type(exc).__name__}: {exc}")
        error = None if response.is_success else f"receiver answered HTTP {response.status_code}"
        return attrs.evolve(
            report, status_code=response.status_code, error=error, body=message.body
        )

    def _schedule(self, when: float, message_id: str, endpoint_id: str) -> None:
        with self._lock:
            if self._stopped:
                return
            heapq.heappush(self._due, (when, next(self._order), message_id, endpoint_id))
            if self._worker is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    MAX_CONCURRENT_RETRIES, thread_name_prefix="faraday-sandbox-retry"
                )
                self._worker = threading.Thread(
                    target=self._run, name="faraday-sandbox-retries", daemon=True
                )
                self._worker.start()
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and (not self._due or self._due[0][0] > time.monotonic()):
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    self._lock.wait(wait)
                if self._stopped or self._pool is None:
                    return
                _, _, message_id, endpoint_id = heapq.heappop(self._due)
                if endpoint_id in self._in_flight:  # after the attempt under way
                    self._waiting.setdefault(endpoint_id, collections.deque()).append(message_id)
                    continue
                self._in_flight.add(endpoint_id)
                pool = self._pool
            try:
                pool.submit(self._retry, message_id, endpoint_id)
            except RuntimeError:  # stopped meanwhile: the pool takes no more
                return

    def _retry(self, message_id: str, endpoint_id: str) -> None:
        try:
            message = self._messages.get(message_id)
            target = self._endpoint(endpoint_id)
            if message is not None and target is not None and target.get("status") == "enabled":
                self._attempt(message_id, message, target)
        finally:
            with self._lock:
                self._in_flight.discard(endpoint_id)
                waiting = self._waiting.get(endpoint_id)
                if waiting:  # the next due retry to this endpoint goes now
                    next_id = waiting.popleft()
                    heapq.heappush(
                        self._due, (time.monotonic(), next(self._order), next_id, endpoint_id)
                    )
                    self._lock.notify_all()
