"""Successful answers: the typed, checked models users receive, and the requests sent."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

import faraday_webhooks as fw
import httpx
from helpers import (
    API_KEY,
    ENDPOINT_ID,
    EVENT,
    Recorder,
    endpoint_body,
    json_response,
)

ALL_CODES = {
    "BAD_REQUEST": fw.BadRequestError,
    "FORBIDDEN": fw.ForbiddenError,
    "MAX_RESOURCES_REACHED": fw.MaxResourcesReachedError,
    "INTERNAL_SERVER_ERROR": fw.InternalServerError,
    "INVALID_AUTHORIZATION": fw.InvalidAuthorizationError,
    "NOT_FOUND": fw.NotFoundError,
    "MALFORMED_API_KEY": fw.MalformedAPIKeyError,
    "MISSING_API_KEY": fw.MissingAPIKeyError,
    "EXPIRED_API_KEY": fw.ExpiredAPIKeyError,
    "VALIDATION_FAILED": fw.ValidationFailedError,
    "CONFLICT": fw.ConflictError,
}


def create(client: fw.Faraday, **overrides: Any) -> fw.WebhookEndpoint:
    arguments: dict[str, Any] = {"url": "https://example.com/hooks", "enabled_events": [EVENT]}
    arguments.update(overrides)
    return client.webhooks.create(**arguments)


# -- success -------------------------------------------------------------------


def test_create_returns_the_typed_generated_model_and_sends_the_documented_request() -> None:
    recorder = Recorder(json_response(201, endpoint_body()))
    endpoint = create(recorder.client())

    assert endpoint.id == UUID(ENDPOINT_ID)
    assert endpoint.created_at == datetime.datetime(
        2024, 9, 26, 14, 27, 5, 944507, tzinfo=datetime.UTC
    )
    assert endpoint.status is fw.WebhookEndpointStatus.ENABLED
    assert endpoint.secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    from faraday_webhooks_api.models import WebhookEndpoint as Generated

    assert isinstance(endpoint, Generated)

    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.faraday.test/v1/webhook_endpoints"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith(f"faraday-webhooks/{fw.__version__} python/3.")
    assert f"httpx/{httpx.__version__}" in request.headers["user-agent"]
    assert recorder.sent_json() == {"url": "https://example.com/hooks", "enabled_events": [EVENT]}


def test_unknown_extra_fields_and_new_event_types_do_not_break_parsing() -> None:
    body = endpoint_body(enabled_events=["brand.new_event"], added_later={"x": 1})
    endpoint = create(
        Recorder(json_response(201, body)).client(), enabled_events=["brand.new_event"]
    )
    assert endpoint.enabled_events == ["brand.new_event"]
    assert endpoint["added_later"] == {"x": 1}


def test_repr_of_an_endpoint_masks_the_secret_but_the_attribute_keeps_it() -> None:
    endpoint = create(Recorder(json_response(201, endpoint_body())).client())
    assert "whsec_MfKQ" not in repr(endpoint)
    assert "whsec_MfKQ" not in str(endpoint)
    assert "whsec_***" in repr(endpoint)
    assert isinstance(endpoint.secret, str)
    assert endpoint.secret.startswith("whsec_MfKQ")


def test_every_call_goes_to_its_own_url_however_many_ids_are_used() -> None:
    # Parsed URLs are kept per path (a bounded number): past the bound, still the right ones.
    recorder = Recorder(
        lambda request: json_response(
            200, [] if request.url.path.endswith("endpoints") else endpoint_body()
        )
    )
    client = recorder.client()
    ids = [UUID(int=number) for number in range(600)]
    for endpoint_id in ids:
        client.webhooks.retrieve(endpoint_id)
    client.webhooks.list(ids=ids[:2])
    paths = [request.url.path for request in recorder.requests]
    assert paths[:-1] == [f"/v1/webhook_endpoints/{endpoint_id}" for endpoint_id in ids]
    assert paths[-1] == "/v1/webhook_endpoints"
    assert recorder.requests[-1].url.params.get_list("ids") == [str(ids[0]), str(ids[1])]
    assert {request.url.host for request in recorder.requests} == {"api.faraday.test"}
