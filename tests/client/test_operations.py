"""client.call: every operation in openapi.yaml, through the one request path."""

from __future__ import annotations

import uuid
from typing import assert_type

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks.testing import Sandbox
from faraday_webhooks_api.api.webhooks import get_webhook_endpoint, get_webhook_endpoints
from faraday_webhooks_api.models import WebhookEndpointPost
from helpers import API_KEY, EVENT, Recorder, endpoint_body, error_body, json_response

ENDPOINT_ID = endpoint_body()["id"]


def test_call_by_module_or_name_is_typed_and_parses_the_public_model() -> None:
    recorder = Recorder(json_response(200, endpoint_body()), json_response(200, [endpoint_body()]))
    with recorder.client() as client:
        endpoint = client.call(get_webhook_endpoint, webhook_endpoint_id=ENDPOINT_ID)
        assert_type(endpoint, fw.WebhookEndpoint)
        listed = client.call("getWebhookEndpoints")
    assert isinstance(endpoint, fw.WebhookEndpoint)  # the masked-repr subclass
    assert "whsec_***" in repr(endpoint)
    assert [e.id for e in listed] == [endpoint.id]
    assert recorder.requests[0].url.path == f"/v1/webhook_endpoints/{ENDPOINT_ID}"
    assert recorder.requests[0].headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        ("getWebhookEndpointz", {}, "no operation 'getWebhookEndpointz'"),
        ("getWebhookEndpoint", {}, "getWebhookEndpoint takes"),
        ("getWebhookEndpoint", {"webhook_endpoint_id": "nope"}, "must be a UUID"),
        ("createWebhookEndpoint", {"body": {"url": "x"}}, "body must be a WebhookEndpointPost"),
        (42, {}, "give a generated endpoint module or its operationId"),
    ],
)
def test_a_bad_call_is_refused_before_sending(
    operation: object, params: dict[str, object], message: str
) -> None:
    recorder = Recorder(json_response(200, endpoint_body()))
    with recorder.client() as client, pytest.raises(fw.InvalidRequestError, match=message):
        client.call(operation, **params)  # type: ignore[call-overload]
    assert recorder.requests == []


def test_an_idempotency_key_where_the_spec_declares_none_is_refused() -> None:
    body = WebhookEndpointPost(url="https://example.com/h", enabled_events=[EVENT])
    with (
        Recorder().client() as client,
        pytest.raises(fw.InvalidRequestError, match="declares no Idempotency-Key"),
    ):
        client.call("createWebhookEndpoint", body=body, idempotency_key="k")


def test_without_a_declared_key_create_sends_none_and_a_500_is_not_retried() -> None:
    recorder = Recorder(
        json_response(500, error_body("INTERNAL_SERVER_ERROR")), json_response(201, endpoint_body())
    )
    with recorder.client() as client, pytest.raises(fw.InternalServerError):
        client.webhooks.create(url="https://example.com/h", enabled_events=[EVENT])
    (request,) = recorder.requests
    assert "idempotency-key" not in request.headers


@pytest.mark.anyio
async def test_async_call_goes_through_the_same_path(sandbox: Sandbox) -> None:
    async with fw.AsyncFaraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
        body = WebhookEndpointPost(url="https://example.com/a", enabled_events=[EVENT])
        created = await client.call("createWebhookEndpoint", body=body)
        listed = await client.call(get_webhook_endpoints, ids=[created.id])
        assert_type(listed, list[fw.WebhookEndpoint])
        with pytest.raises(fw.NotFoundError):
            await client.call("getWebhookEndpoint", webhook_endpoint_id=uuid.uuid4())
    assert [endpoint.id for endpoint in listed] == [created.id]
    assert isinstance(created, fw.WebhookEndpoint)


def test_transport_failures_keep_their_meaning_through_call() -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    with recorder.client(max_retries=0) as client, pytest.raises(fw.APIConnectionError):
        client.call("getWebhookEndpoints")
