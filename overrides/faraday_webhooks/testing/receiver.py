"""A local webhook receiver that verifies every delivery: what ``faraday-webhooks listen`` runs.

Example:

```python
from faraday_webhooks.testing import WebhookReceiver

with WebhookReceiver(secret=endpoint.secret) as receiver:
    client.webhooks.update(endpoint.id, url=receiver.url)
    sandbox.trigger("resource.ready_with_update")
    (result,) = receiver.wait_for(1)
    assert result.event is not None
```
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .._validation import check_number, is_loopback_host
from ..dedupe import Deduplicator, MemoryStore
from ..errors import InvalidRequestError, WebhookVerificationError
from ..events import WebhookEvent
from ..verify import DEFAULT_TOLERANCE, MAX_TOLERANCE, WebhookVerifier, verify_webhook
from ._server import (
    LoopbackHTTPServer,
    QuietHandler,
    UnreadableBody,
    check_port,
    declared_body_length,
)

__all__ = ["ReceivedDelivery", "WebhookReceiver"]

# A Faraday delivery is a few hundred bytes; anything far larger is not one.
MAX_DELIVERY_BYTES = 1024 * 1024


# Deliveries a receiver keeps, and message ids it remembers to spot replays.
MAX_KEPT_DELIVERIES = 10_000


@attrs.frozen
class ReceivedDelivery:
    """One delivery: the verified ``event``, or the ``error`` it was rejected with.

    ``duplicate`` is true for a verified delivery whose message id was verified
    before: Faraday retries, and an attacker may replay. Acknowledge it; act once.
    """

    message_id: str | None
    event: WebhookEvent | None
    error: WebhookVerificationError | None
    duplicate: bool = False
    # What arrived, to pass on unchanged (``listen --forward-to``): the raw body, and
    # the signature headers (svix-*, webhook-*) and Content-Type. No other header is kept.
    body: bytes = attrs.field(default=b"", repr=False, eq=False)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def verified(self) -> bool:
        """The signature, timestamp and body all checked out."""
        return self.event is not None


class _Server(LoopbackHTTPServer):
    def __init__(self, address: tuple[str, int], receiver: WebhookReceiver) -> None:
        self.receiver = receiver
        super().__init__(address, _Handler)


class _Handler(QuietHandler):
    server: _Server

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Anything but POST (a browser's GET, a probe): say what this is, as plain text.
        self.close_connection = True
        if code == 501:
            self._reply(405, b"POST signed webhook deliveries here\n", close=True, allow="POST")
        else:
            self._reply(code, (message or "Bad request").encode() + b"\n", close=True)

    def do_POST(self) -> None:
        try:
            length = declared_body_length(self.headers, MAX_DELIVERY_BYTES)
        except UnreadableBody as problem:
            # Not a delivery at all: answered, closed, and not recorded.
            self._reply(400, str(problem).encode(), close=True)
            return
        body = self.rfile.read(length) if length else b""
        receiver = self.server.receiver
        try:
            result = receiver._verify(body, self.headers)
        except Exception as problem:  # a store that failed: answered 500, so Faraday retries
            self._reply(500, f"{type(problem).__name__}\n".encode(), close=True)
            return
        status, reply = (204, b"") if result.verified else (400, str(result.error).encode())
        self._reply(status, reply)
        # Counted only once answered: whoever waits on it may stop the server next.
        receiver._record(result)

    def _reply(
        self, status: int, reply: bytes, *, close: bool = False, allow: str | None = None
    ) -> None:
        self.send_response(status)
        if allow is not None:
            self.send_header("Allow", allow)
        if reply:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(reply)
        self.wfile.flush()


class WebhookReceiver:
    """An HTTP server on loopback that verifies deliveries with ``verify_webhook``.

    ``secret`` is never shown by ``repr``; it may be ``None`` until known.

    Verified deliveries are answered 204, rejected ones 400 with the reason; a
    verified message id seen before is answered 204 and recorded as ``duplicate``.
    The last ``MAX_KEPT_DELIVERIES`` deliveries are kept.
    """

    def __init__(
        self,
        secret: str | None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tolerance: int = DEFAULT_TOLERANCE,
        on_delivery: Callable[[ReceivedDelivery], None] | None = None,
        allow_remote: bool = False,
        dedupe: Deduplicator | None = None,
    ) -> None:
        if not allow_remote and not is_loopback_host(host):
            raise ValueError(
                f"the receiver listens on loopback only, not {host!r}; "
                "pass allow_remote=True to listen there anyway"
            )
        if secret is not None:
            WebhookVerifier(secret)  # a malformed secret fails here, not at every delivery
        # May be set after start(): the secret exists only once the endpoint pointing here does.
        self.secret = secret
        self.host = host
        self.port: int = check_port(port)
        self.tolerance = tolerance
        self.on_delivery = on_delivery
        self._deliveries: collections.deque[ReceivedDelivery] = collections.deque(
            maxlen=MAX_KEPT_DELIVERIES
        )
        # Replicas that share a store (SQLite, Redis, PostgreSQL) share what they have seen.
        self.dedupe: Deduplicator = dedupe or Deduplicator(
            MemoryStore(max_messages=MAX_KEPT_DELIVERIES)
        )
        self._received = 0
        self._arrived = threading.Condition()
        self._server: _Server | None = None

    def __repr__(self) -> str:
        return f"WebhookReceiver({self.url if self._server else 'stopped'}, secret='whsec_***')"

    @property
    def tolerance(self) -> float:
        """Seconds a delivery's timestamp may be off, either way; checked when set."""
        return self._tolerance

    @tolerance.setter
    def tolerance(self, seconds: float) -> None:
        # Checked here, not at each delivery, where a bad value would fail in the server.
        self._tolerance = check_number(
            seconds, name="tolerance", maximum=MAX_TOLERANCE, error=ValueError
        )

    @property
    def url(self) -> str:
        """Where to point a webhook endpoint: ``http://127.0.0.1:<port>/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def deliveries(self) -> list[ReceivedDelivery]:
        """Everything received so far, oldest first."""
        with self._arrived:
            return list(self._deliveries)

    def start(self) -> WebhookReceiver:
        """Bind and serve in a background thread; returns ``self``."""
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.port
            self._server.start_in_background("faraday-receiver")
        return self

    def stop(self) -> None:
        """Stop serving."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedDelivery]:
        """Wait until ``count`` deliveries arrived or ``timeout`` seconds passed; return all."""
        timeout = check_number(timeout, name="timeout", error=InvalidRequestError)
        deadline = time.monotonic() + timeout
        with self._arrived:
            while self._received < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._arrived.wait(remaining)
            return list(self._deliveries)

    def _verify(self, body: bytes, headers: Any) -> ReceivedDelivery:
        # Until verified, the id is only what a header claims (kept for the report).
        message_id = headers.get("svix-id") or headers.get("webhook-id")
        kept = {
            name.lower(): value
            for name, value in headers.items()
            if name.lower().startswith(("svix-", "webhook-")) or name.lower() == "content-type"
        }
        try:
            if self.secret is None:
                raise WebhookVerificationError("invalid_secret", "The receiver has no secret yet")
            event = verify_webhook(body, headers, self.secret, tolerance=self.tolerance)
        except WebhookVerificationError as error:
            return ReceivedDelivery(message_id, None, error, body=body, headers=kept)
        # Deduplicated on the id that was signed, whichever header family carried it.
        verified = event.message_id or ""  # verify_webhook always sets it
        seen = self._seen(verified)
        return ReceivedDelivery(verified, event, None, duplicate=seen, body=body, headers=kept)

    def _seen(self, message_id: str) -> bool:
        """Whether a verified ``message_id`` was processed (or is being processed) before."""
        with self.dedupe.claim(message_id) as claim:
            return claim.state != "first"

    def _record(self, result: ReceivedDelivery) -> None:
        with self._arrived:
            self._deliveries.append(result)
            self._received += 1
            self._arrived.notify_all()
        if self.on_delivery is not None:
            self.on_delivery(result)
