# pyright: strict
"""A user program that touches the whole public API, checked by mypy --strict and by
pyright strict (make pyright). Nothing here runs at import: only the types matter."""

from __future__ import annotations

import asyncio
import uuid
from typing import assert_type

import faraday_webhooks as fw
import httpx
from faraday_webhooks.dedupe import (
    Claim,
    ClaimState,
    Deduplicator,
    MemoryStore,
    PostgresStore,
    RedisStore,
    SQLiteStore,
)
from faraday_webhooks.testing import (
    Delivery,
    DeliveryAttempt,
    ReceivedDelivery,
    Sandbox,
    WebhookReceiver,
)
from faraday_webhooks_api.api.webhooks import get_webhook_endpoint, get_webhook_endpoints
from faraday_webhooks_api.models import WebhookEndpointPost


def client_calls(client: fw.Faraday, endpoint_id: uuid.UUID) -> None:
    created = client.webhooks.create(url="https://example.com/h", enabled_events=["a.b"])
    client.webhooks.create(
        url="https://example.com/h",
        enabled_events=[fw.WebhookEventType.RESOURCE_ERRORED, "project.ready"],
    )
    assert_type(created, fw.WebhookEndpoint)
    assert_type(client.webhooks.list(ids=[endpoint_id]), list[fw.WebhookEndpoint])
    assert_type(client.webhooks.retrieve(endpoint_id, timeout=5), fw.WebhookEndpoint)
    assert_type(
        client.webhooks.update(endpoint_id, status=fw.WebhookEndpointStatus.DISABLED),
        fw.WebhookEndpoint,
    )
    assert_type(client.webhooks.enable(endpoint_id, extra_headers={"X": "1"}), fw.WebhookEndpoint)
    assert_type(client.webhooks.disable(endpoint_id), fw.WebhookEndpoint)
    client.webhooks.delete(endpoint_id)
    assert_type(
        client.call(get_webhook_endpoint, webhook_endpoint_id=endpoint_id), fw.WebhookEndpoint
    )
    assert_type(client.call(get_webhook_endpoints), list[fw.WebhookEndpoint])
    body = WebhookEndpointPost(url="https://example.com/h", enabled_events=["a.b"])
    client.call("createWebhookEndpoint", body=body)
    status: str = created.status.value
    secret: str | None = created.secret
    print(status, secret, created.id.hex, created.created_at.isoformat(), client.base_url)


async def async_calls(client: fw.AsyncFaraday, endpoint_id: uuid.UUID) -> None:
    async with client:
        assert_type(await client.webhooks.retrieve(endpoint_id), fw.WebhookEndpoint)
        assert_type(await client.webhooks.list(), list[fw.WebhookEndpoint])
        assert_type(
            await client.call(get_webhook_endpoint, webhook_endpoint_id=endpoint_id),
            fw.WebhookEndpoint,
        )


def configuration() -> fw.Faraday:
    policy = fw.RetryPolicy(max_retries=3, initial_delay=0.1, max_delay=2, max_retry_after=10)
    return fw.Faraday(
        api_key="sk_test",
        base_url="http://127.0.0.1:8765/v1",
        timeout=httpx.Timeout(5.0),
        total_timeout=30.0,
        retry_policy=policy,
        default_headers={"X-Team": "billing"},
        http_client=httpx.Client(),
    )


def errors(client: fw.Faraday) -> str:
    try:
        client.webhooks.list()
    except fw.ValidationFailedError as error:
        return " ".join(problem.path for problem in error.validation_errors)
    except fw.APIError as error:
        return f"{error.status_code} {error.code} {error.error_id} {error.note}"
    except fw.UnexpectedResponseError as error:
        return f"{error.status_code} {error.reason} {error.body_excerpt}"
    except fw.APIConnectionError as error:
        return str(error.request)
    except fw.FaradayError as error:
        return str(error)
    return ""


def verification(body: bytes, headers: dict[str, str], secret: str) -> str:
    signed = fw.sign_webhook(body, secret, msg_id="msg_1", timestamp=1)
    assert_type(signed, dict[str, str])
    message_id: str = fw.verify_webhook_signature(body, headers, secret)
    verifier = fw.WebhookVerifier(secret, tolerance=300)
    verifier.tolerance = 60
    event = verifier.verify(body, headers)
    match event:
        case fw.ResourceEvent(data=data):
            kind: fw.ResourceType | str = data.resource_type
            return f"{kind} {data.resource_id} {event.message_id} {message_id}"
        case _:
            return f"{event.type} {event.timestamp.isoformat()} {event.to_dict()}"


def once(event: fw.WebhookEvent, store: MemoryStore | SQLiteStore) -> ClaimState:
    dedupe = Deduplicator(store, ttl=3600, lease=30)
    with dedupe.claim(event.message_id or "") as claim:
        assert_type(claim, Claim)
        return claim.state


def stores(conninfo: str, redis_client: object) -> None:
    PostgresStore(conninfo).close()
    RedisStore(redis_client).close()


def testing() -> None:
    with Sandbox(api_keys=["sk_test"], retry_schedule=[0.1]) as sandbox:
        deliveries: list[Delivery] = sandbox.trigger("resource.errored")
        attempts: list[DeliveryAttempt] = sandbox.deliveries
        print(deliveries, attempts, sandbox.redeliver(deliveries[0].message_id))
        with WebhookReceiver(secret=None) as receiver:
            received: list[ReceivedDelivery] = receiver.wait_for(1, timeout=1)
            print(received[0].verified if received else None)


def run_async() -> None:
    asyncio.run(async_calls(fw.AsyncFaraday(api_key="k"), uuid.uuid4()))
