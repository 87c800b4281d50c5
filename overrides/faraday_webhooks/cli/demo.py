"""The offline demo: the whole webhook flow against the bundled sandbox, narrated.

Run it with ``faraday-webhooks demo`` (or ``make demo``). It starts a sandbox
and a verifying receiver on loopback, registers the receiver through the public
client, triggers an event, shows the verified delivery, shows a tampered copy
being rejected, and stops everything it started.
"""

from __future__ import annotations

import json

import httpx

from .._client import Faraday
from .._redact import mask_secret
from ..events import ResourceEvent
from ..testing.receiver import WebhookReceiver
from ..testing.sandbox import DEFAULT_API_KEY, Sandbox
from ..verify import sign_webhook

EVENT_TYPE = "resource.ready_with_update"


def _step(number: int, total: int, text: str) -> None:
    print(f"[{number}/{total}] {text}", flush=True)


def run_demo() -> int:
    """Run the demo; 0 when the delivery verified and the forgery was rejected.

    Example:

    ```python
    status = run_demo()
    [1/6] Starting the Faraday sandbox on 127.0.0.1 ...
    ```
    """
    total = 6
    with Sandbox(api_keys=[DEFAULT_API_KEY]) as sandbox, WebhookReceiver(secret=None) as receiver:
        _step(1, total, f"Started the Faraday sandbox at {sandbox.base_url}")
        _step(2, total, f"Started a verifying webhook receiver at {receiver.url}")

        with Faraday(api_key=DEFAULT_API_KEY, base_url=sandbox.base_url) as client:
            endpoint = client.webhooks.create(url=receiver.url, enabled_events=[EVENT_TYPE])
        receiver.secret = endpoint.secret
        _step(
            3,
            total,
            f"Created webhook endpoint {endpoint.id} ({endpoint.status}) for {EVENT_TYPE}; "
            f"signing secret {mask_secret(str(endpoint.secret))}",
        )

        (delivery,) = sandbox.trigger(EVENT_TYPE, resource_type="cohorts")
        _step(4, total, f"Triggered {EVENT_TYPE}: receiver answered HTTP {delivery.status_code}")

        (received,) = receiver.wait_for(1, timeout=10)
        if received.event is None:
            print(f"      FAILED: the delivery was rejected: {received.error}", flush=True)
            return 1
        event = received.event
        if not isinstance(event, ResourceEvent):
            print(f"      FAILED: expected a typed resource event, got {event!r}", flush=True)
            return 1
        _step(
            5,
            total,
            f"Receiver verified delivery {received.message_id}: type={event.type} "
            f"resource={event.data.resource_type}/{event.data.resource_id}",
        )

        if not _forgery_is_rejected(receiver, delivery.body, step=6, total=total):
            return 1
    print("Demo complete: sandbox and receiver stopped.", flush=True)
    return 0


def _forgery_is_rejected(receiver: WebhookReceiver, body: bytes, *, step: int, total: int) -> bool:
    """Send a correctly signed body with one field changed afterwards: it must be refused."""
    signed = sign_webhook(body, receiver.secret or "")
    tampered = json.loads(body)
    tampered["data"]["resource_type"] = "streams"
    answer = httpx.post(
        receiver.url, content=json.dumps(tampered).encode(), headers=signed, timeout=10
    )
    rejected = receiver.wait_for(2, timeout=10)[-1]
    if rejected.verified or answer.status_code != 400:
        print("      FAILED: a tampered delivery was accepted", flush=True)
        return False
    _step(
        step,
        total,
        f"Receiver rejected a tampered copy (HTTP {answer.status_code}: {rejected.error})",
    )
    return True
