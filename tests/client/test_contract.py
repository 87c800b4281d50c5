"""Faraday's real contract: deliveries typed by event type and never rejected for their
shape, secrets on reads, ids in batches of 100, and a sandbox that answers as the spec says."""

from __future__ import annotations

import datetime
import json
import logging
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, assert_type

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks import Faraday
from faraday_webhooks.testing import Sandbox, WebhookReceiver
from faraday_webhooks_api.models import (
    WebhookMessageForEnrichmentJobData,
    WebhookMessageForResourceData,
)
from helpers import API_KEY, EVENT, Recorder, endpoint_body, error_body, json_response
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_727_360_825
ACCOUNT = "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11"
RESOURCE = "2c1881c4-a0c0-424d-89e1-b481f3cb118c"


def signed(message: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(message).encode()
    return body, fw.sign_webhook(body, SECRET, timestamp=NOW)


def verify(message: Any) -> fw.WebhookEvent:
    body, headers = signed(message)
    return fw.verify_webhook(body, headers, SECRET, now=NOW)


def resource_message(**data: Any) -> dict[str, Any]:
    fields = {"account_id": ACCOUNT, "resource_id": RESOURCE, "resource_type": "cohorts", **data}
    return {
        "timestamp": "2024-09-26T14:27:05.944507+00:00",
        "type": "resource.ready_with_update",
        "data": fields,
    }


ENRICHMENT_DATA = {
    "account_id": ACCOUNT,
    "enrichment_id": "0b0b4b43-35a4-4a9c-9d0c-4d5f7f3c8a11",
    "enrichment_job_id": "8d9e8f1a-1f2b-4c3d-9e4f-5a6b7c8d9e0f",
    "invocation": "schedule",
    "scheduled_for": "2026-08-11T06:00:00+00:00",
    "status": "succeeded",
}


# -- deliveries typed by their type ---------------------------------------------------


def describe(event: fw.WebhookEvent) -> str:
    """What a receiver written as the README shows does; mypy checks the narrowing."""
    match event:
        case fw.ResourceEvent(data=data):
            assert_type(data, WebhookMessageForResourceData)
            return f"{event.type} {data.resource_type}/{data.resource_id}"
        case fw.EnrichmentJobEvent(data=job):
            assert_type(job, WebhookMessageForEnrichmentJobData)
            return f"{event.type} {job.enrichment_id} {job.status}"
        case _:
            return f"{event.type} (untyped: {sorted(event.data)})"


def test_resource_events_are_typed() -> None:
    event = verify(resource_message())
    assert isinstance(event, fw.ResourceEvent)
    assert event.type == fw.WebhookEventType.RESOURCE_READY_WITH_UPDATE == event.type_
    assert event.data.account_id == uuid.UUID(ACCOUNT)
    assert event.data.resource_id == uuid.UUID(RESOURCE)
    assert event.data.resource_type == fw.ResourceType.COHORTS
    assert event.data.resource_type == "cohorts"
    assert isinstance(event.data.resource_type, str)
    assert event.timestamp == datetime.datetime(2024, 9, 26, 14, 27, 5, 944507, tzinfo=datetime.UTC)
    assert describe(event) == f"resource.ready_with_update cohorts/{RESOURCE}"
    assert repr(event).startswith("ResourceEvent(type='resource.ready_with_update', timestamp=")


def test_all_nineteen_resource_types_are_constants_and_any_other_kind_is_a_str() -> None:
    # Faraday's 16 of master, and migrations, enrichments and projects of its 2026-08 branches.
    assert len(fw.ResourceType) == 19
    assert {"feature_stores", "migrations", "enrichments", "projects"} <= {
        kind.value for kind in fw.ResourceType
    }
    event = verify(resource_message(resource_type="galaxies"))
    assert isinstance(event, fw.ResourceEvent)
    assert event.data.resource_type == "galaxies"
    assert type(event.data.resource_type) is str


@pytest.mark.parametrize("status", ["succeeded", "failed", "skipped"])
def test_an_enrichment_job_delivery_is_typed(status: str) -> None:
    data = {**ENRICHMENT_DATA, "status": status}
    if status == "skipped":
        data["skip_note"] = "no change since the last run"
    if status == "failed":
        data["status_error"] = "the source timed out"
    message = {
        "timestamp": "2026-08-11T06:00:03.1+00:00",
        "type": f"enrichment_job.{status}",
        "data": data,
    }
    event = verify(message)
    assert type(event) is fw.EnrichmentJobEvent
    assert event.type == f"enrichment_job.{status}"
    assert event.data.enrichment_id == uuid.UUID(data["enrichment_id"])
    assert event.data.enrichment_job_id == uuid.UUID(data["enrichment_job_id"])
    assert event.data.invocation == "schedule"
    assert event.data.status == status
    assert event.data.scheduled_for == datetime.datetime(2026, 8, 11, 6, tzinfo=datetime.UTC)
    assert event.data.skip_note == data.get("skip_note")
    assert event.data.status_error == data.get("status_error")
    assert event.to_dict() == message
    assert describe(event) == f"enrichment_job.{status} {data['enrichment_id']} {status}"


def test_a_known_type_with_skewed_data_is_delivered_untyped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # resource.errored with data of a newer shape: the signature is good, so it is delivered.
    message = resource_message(resource_id="not-a-uuid")
    message["type"] = "resource.errored"
    with caplog.at_level(logging.WARNING, logger="faraday_webhooks"):
        event = verify(message)
    assert type(event) is fw.WebhookEvent
    assert event.data == message["data"]
    (record,) = caplog.records
    assert "resource.errored" in record.getMessage()
    assert "WebhookMessageForResource" in record.getMessage()
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'"a string"', "not a JSON object"),
        (b'{"timestamp": "2024-09-26T14:27:05+00:00", "data": {}}', "type"),
        (b'{"type": 7, "timestamp": "2024-09-26T14:27:05+00:00", "data": {}}', "type"),
        (b'{"type": "x", "timestamp": "2024-09-26T14:27:05+00:00", "data": [1]}', "data"),
        (b'{"type": "x", "data": {}}', "timestamp"),
        (b'{"type": "x", "timestamp": 1727360825, "data": {}}', "timestamp"),
        (b'{"type": "x", "timestamp": "yesterday", "data": {}}', "timestamp"),
    ],
)
def test_only_bodies_that_are_not_deliveries_at_all_are_rejected(body: bytes, why: str) -> None:
    headers = fw.sign_webhook(body, SECRET, timestamp=NOW)
    with pytest.raises(fw.WebhookVerificationError) as caught:
        fw.verify_webhook(body, headers, SECRET, now=NOW)
    assert caught.value.reason == "invalid_payload"
    assert why in str(caught.value)


def test_a_timestamp_without_a_zone_is_read_as_utc() -> None:
    message = resource_message()
    message["timestamp"] = "2024-09-26T14:27:05"
    event = verify(message)
    assert event.timestamp == datetime.datetime(2024, 9, 26, 14, 27, 5, tzinfo=datetime.UTC)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
event_types = st.sampled_from(
    ["resource.errored", "resource.ready_with_update", "enrichment_job.failed"]
) | st.text(max_size=30)
data_objects = st.dictionaries(
    st.text(max_size=15), json_values, max_size=5
) | st.fixed_dictionaries(
    {
        "account_id": st.uuids().map(str),
        "resource_id": st.uuids().map(str) | st.text(max_size=5),
        "resource_type": st.sampled_from([kind.value for kind in fw.ResourceType])
        | st.text(max_size=12),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    event_type=event_types,
    moment=st.datetimes(timezones=st.timezones() | st.none()),
    data=data_objects,
    extra=st.dictionaries(
        st.text(max_size=8).filter(lambda key: key not in ("type", "timestamp", "data")),
        json_values,
        max_size=2,
    ),
)
def test_any_signed_object_with_type_timestamp_and_data_verifies(
    event_type: str, moment: datetime.datetime, data: dict[str, Any], extra: dict[str, Any]
) -> None:
    message = {"type": event_type, "timestamp": moment.isoformat(), "data": data, **extra}
    event = verify(message)
    assert event.type == event_type
    assert event.to_dict() == message
    assert event.timestamp.tzinfo is not None
    if isinstance(event, fw.ResourceEvent):
        assert event_type in ("resource.errored", "resource.ready_with_update")
        assert str(event.data.resource_id) == data["resource_id"]
    else:
        assert event.data == data


def test_a_receiver_acknowledges_an_enrichment_job_the_sandbox_sends(
    sandbox: Sandbox, client: Faraday
) -> None:
    enrichment_id = str(uuid.uuid4())
    with WebhookReceiver(secret=None) as receiver:
        endpoint = client.webhooks.create(
            url=receiver.url, enabled_events=["enrichment_job.failed", EVENT]
        )
        receiver.secret = endpoint.secret
        (delivery,) = sandbox.trigger("enrichment_job.failed", enrichment_id=enrichment_id)
        (received,) = receiver.wait_for(1, timeout=10)
    assert delivery.status_code == 204  # acknowledged, so Faraday would not retry
    assert isinstance(received.event, fw.EnrichmentJobEvent)  # typed, as the sandbox sent it
    data = received.event.data
    assert data.enrichment_id == uuid.UUID(enrichment_id)
    assert (data.status, data.invocation) == ("failed", "manual")
    assert data.status_error
    assert "resource_id" not in received.event.to_dict()["data"]


# -- secrets on reads, None rather than Unset ------------------------------------------


def test_reads_return_the_secret_and_repr_masks_it(sandbox: Sandbox, client: Faraday) -> None:
    created = client.webhooks.create(url="https://example.com/a", enabled_events=[EVENT])
    assert created.secret is not None
    assert created.secret.startswith("whsec_")
    (listed,) = client.webhooks.list()
    retrieved = client.webhooks.retrieve(created.id)
    updated = client.webhooks.update(created.id, url="https://example.com/b")
    for endpoint in (listed, retrieved, updated):
        assert endpoint.secret == created.secret
        assert created.secret not in repr(endpoint)
        assert "secret='whsec_***'" in repr(endpoint)


def test_an_optional_field_not_sent_is_none_everywhere() -> None:
    body = {
        "created_at": "2024-09-26T14:27:05+00:00",
        "updated_at": "2024-09-26T14:27:05+00:00",
        "enabled_events": [EVENT],
        "id": RESOURCE,
        "status": "enabled",
        "url": "https://example.com/hooks",
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with Faraday(api_key=API_KEY, http_client=httpx.Client(transport=transport)) as client:
        endpoint = client.webhooks.retrieve(RESOURCE)
    assert endpoint.secret is None
    assert "secret=None" in repr(endpoint)
    assert endpoint.to_dict() == body  # left out, as sent, never an Unset object
    problem = fw.ValidationError.from_dict(
        {"context": {"errorType": "x"}, "message": "m", "path": "p"}
    )
    assert problem.suggestion is None


# -- ids in batches of 100 -------------------------------------------------------------


def test_list_asks_for_ids_100_at_a_time_and_joins_the_answers(
    sandbox: Sandbox, client: Faraday
) -> None:
    made = [
        client.webhooks.create(url=f"https://example.com/{n}", enabled_events=[EVENT])
        for n in range(3)
    ]
    unknown = [uuid.uuid4() for _ in range(247)]
    order: list[str | uuid.UUID] = [made[0].id, *unknown, str(made[2].id).upper(), made[1].id]
    wanted = (value for value in order)
    before = len(sandbox.requests)
    found = client.webhooks.list(ids=wanted)
    # Batch answers in order; within one, Faraday's (here: creation) order.
    assert [endpoint.id for endpoint in found] == [made[0].id, made[1].id, made[2].id]
    gets = [r for r in sandbox.requests[before:] if r.method == "GET"]
    assert [r.status for r in gets] == [200, 200, 200]  # 250 ids: 100 + 100 + 50


def test_list_fails_whole_when_one_batch_fails() -> None:
    recorder = Recorder(
        json_response(200, [endpoint_body()]), json_response(400, error_body("BAD_REQUEST"))
    )
    with recorder.client() as client, pytest.raises(fw.BadRequestError):
        client.webhooks.list(ids=[uuid.uuid4() for _ in range(150)])
    first, second = (request.url.params.get_list("ids") for request in recorder.requests)
    assert (len(first), len(second)) == (100, 50)


@pytest.mark.parametrize("bad", [5, uuid.UUID(RESOURCE), "2c1881c4-a0c0-424d-89e1-b481f3cb118c"])
def test_list_refuses_ids_that_are_not_a_collection(client: Faraday, bad: Any) -> None:
    with pytest.raises(fw.InvalidRequestError, match="ids must be an iterable"):
        client.webhooks.list(ids=bad)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&".join(f"ids={uuid.uuid4()}" for _ in range(101)), "maxItems"),
        ("ids=", "format"),
        ("ids=not-a-uuid", "format"),
    ],
)
def test_the_sandbox_refuses_101_empty_or_invalid_ids(
    sandbox: Sandbox, query: str, expected: str
) -> None:
    response = httpx.get(
        f"{sandbox.base_url}/webhook_endpoints?{query}",
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "VALIDATION_FAILED"
    assert any(expected in problem["context"]["errorType"] for problem in body["validationErrors"])


def test_cli_list_takes_more_than_100_ids(sandbox: Sandbox, client: Faraday) -> None:
    endpoint = client.webhooks.create(url="https://example.com/cli", enabled_events=[EVENT])
    ids = [str(uuid.uuid4()) for _ in range(120)] + [str(endpoint.id)]
    arguments = [flag for value in ids for flag in ("--id", value)]
    result = subprocess.run(
        [sys.executable, "-m", "faraday_webhooks", "list", *arguments, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"FARADAY_API_KEY": API_KEY, "FARADAY_BASE_URL": sandbox.base_url, "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    (shown,) = json.loads(result.stdout)
    assert shown["id"] == str(endpoint.id)
    assert shown["secret"] is None  # left out of --json unless --show-secret


# -- the sandbox answers undeclared methods as HTTP says -----------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/webhook_endpoints", "GET, POST"),
        ("PUT", "/webhook_endpoints", "GET, POST"),
        ("HEAD", f"/webhook_endpoints/{RESOURCE}", "DELETE, GET, PATCH"),
        ("POST", f"/webhook_endpoints/{RESOURCE}", "DELETE, GET, PATCH"),
        ("BREW", "/webhook_endpoints", "GET, POST"),
    ],
)
def test_an_undeclared_method_gets_405_with_allow_and_json(
    sandbox: Sandbox, method: str, path: str, allow: str
) -> None:
    response = httpx.request(
        method, sandbox.base_url + path, headers={"Authorization": f"Bearer {API_KEY}"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if method != "HEAD":
        assert response.headers["content-type"] == "application/json"
        assert response.json()["note"].startswith(f"{method} is not allowed")


def test_an_upper_case_id_finds_the_endpoint(sandbox: Sandbox, client: Faraday) -> None:
    endpoint = client.webhooks.create(url="https://example.com/case", enabled_events=[EVENT])
    assert client.webhooks.retrieve(str(endpoint.id).upper()).id == endpoint.id
