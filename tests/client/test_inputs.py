"""Inputs are checked before anything is sent: InvalidRequestError, and no request."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import faraday_webhooks as fw
import httpx
import pytest
from helpers import (
    ENDPOINT_ID,
    EVENT,
    Recorder,
    create,
    endpoint_body,
    json_response,
)
from hypothesis import given, settings
from hypothesis import strategies as st

# -- inputs are checked before sending -----------------------------------------

BAD_INPUTS: list[tuple[str, dict[str, Any]]] = [
    ("relative url", {"url": "/hooks"}),
    ("ftp url", {"url": "ftp://example.com/hooks"}),
    ("no host", {"url": "https:///hooks"}),
    ("spaces", {"url": "https://example.com/my hooks"}),
    ("not a string", {"url": 42}),
    ("empty url", {"url": ""}),
    ("bad port", {"url": "https://example.com:99999/"}),
    ("bare string events", {"enabled_events": EVENT}),
    ("empty events", {"enabled_events": []}),
    ("non-string event", {"enabled_events": [EVENT, 7]}),
    ("empty event", {"enabled_events": [""]}),
    ("set of events", {"enabled_events": {EVENT}}),
    ("None events", {"enabled_events": None}),
]


@pytest.mark.parametrize(("name", "arguments"), BAD_INPUTS, ids=[name for name, _ in BAD_INPUTS])
def test_bad_input_raises_invalid_request_error_and_sends_nothing(
    name: str, arguments: dict[str, Any]
) -> None:
    recorder = Recorder(json_response(201, endpoint_body()))
    with pytest.raises(fw.InvalidRequestError) as caught:
        create(recorder.client(), **arguments)
    assert isinstance(caught.value, ValueError)
    assert recorder.requests == []


def test_a_bare_string_of_events_is_explained() -> None:
    with pytest.raises(fw.InvalidRequestError, match=r"write \["):
        create(Recorder().client(), enabled_events=EVENT)


@pytest.mark.parametrize("endpoint_id", ["../admin", "2c1881c4", "", 12])
def test_ids_must_be_uuids_before_a_path_is_built(endpoint_id: Any) -> None:
    recorder = Recorder(json_response(200, endpoint_body()))
    with pytest.raises(fw.InvalidRequestError):
        recorder.client().webhooks.retrieve(endpoint_id)
    assert recorder.requests == []


def test_update_sends_only_the_fields_given_as_merge_patch() -> None:
    recorder = Recorder(json_response(200, endpoint_body(status="disabled")))
    endpoint = recorder.client().webhooks.update(ENDPOINT_ID, status="disabled")
    assert endpoint.status is fw.WebhookEndpointStatus.DISABLED
    assert recorder.sent_json() == {"status": "disabled"}
    assert recorder.requests[0].headers["content-type"] == "application/merge-patch+json"
    assert recorder.requests[0].method == "PATCH"
    with pytest.raises(fw.InvalidRequestError):
        recorder.client().webhooks.update(ENDPOINT_ID)
    with pytest.raises(fw.InvalidRequestError):
        recorder.client().webhooks.update(ENDPOINT_ID, status="paused")


def test_list_with_ids_sends_repeated_query_parameters_and_empty_ids_sends_nothing() -> None:
    other = "1b5c0c1e-2f0a-4a57-9d1a-0f3c2b1a9e8d"
    recorder = Recorder(json_response(200, [endpoint_body()]))
    found = recorder.client().webhooks.list(ids=[ENDPOINT_ID, UUID(other)])
    assert [e.id for e in found] == [UUID(ENDPOINT_ID)]
    assert recorder.requests[0].url.params.get_list("ids") == [ENDPOINT_ID, other]
    assert recorder.client().webhooks.list(ids=[]) == []
    assert len(recorder.requests) == 1


ANY_CHARACTER = st.characters(exclude_categories=())


@settings(max_examples=300, deadline=None)
@given(
    url=st.one_of(
        st.text(ANY_CHARACTER, max_size=60),
        st.from_regex(r"https?://[a-z0-9.\-\[\]:@%]{0,20}(/[^ ]{0,10})?", fullmatch=True),
        st.from_regex(r"https://example\.com/[a-z]{0,5}", fullmatch=True).map(
            lambda url: url + "\ud800"
        ),
    ),
    events=st.one_of(
        st.text(ANY_CHARACTER, max_size=10),
        st.lists(st.text(ANY_CHARACTER, max_size=10), max_size=3),
        st.lists(st.integers(), max_size=2),
        st.just(["resource.\udfff"]),
    ),
)
def test_any_url_and_events_either_validate_or_raise_before_sending(url: str, events: Any) -> None:
    recorder = Recorder(httpx.Response(201, json=endpoint_body()))
    try:
        recorder.client().webhooks.create(url=url, enabled_events=events)
    except fw.InvalidRequestError:
        assert recorder.requests == []
    else:
        assert len(recorder.requests) == 1
        assert recorder.sent_json() == {"url": url, "enabled_events": list(events)}


# -- event types: Faraday's closed list, and any string for a kind added tomorrow ------


def test_an_unknown_event_type_is_sent_with_a_warning_naming_the_known_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from faraday_webhooks.testing import Sandbox

    with (
        Sandbox(api_keys=["sk_test"], event_types=["project.ready"]) as newer,
        fw.Faraday(api_key="sk_test", base_url=newer.base_url) as client,
    ):
        endpoint = client.webhooks.create(
            url="https://example.com/hooks",
            enabled_events=[fw.WebhookEventType.RESOURCE_ERRORED, "project.ready"],
        )
        assert endpoint.enabled_events == ["resource.errored", "project.ready"]
        (warning,) = caplog.records  # the known type, given as the enum, warns of nothing
        assert warning.levelname == "WARNING"
        assert "'project.ready' is not one openapi.yaml names" in warning.getMessage()
        assert "resource.ready_with_update" in warning.getMessage()
        # A typo is sent too, and refused by the server as Faraday refuses it.
        with pytest.raises(fw.ValidationFailedError) as caught:
            client.webhooks.update(endpoint.id, enabled_events=["resource.erored"])
        assert caught.value.validation_errors[0].path == "body/enabled_events/0"
        assert "'resource.erored'" in caplog.records[-1].getMessage()
        assert client.webhooks.retrieve(endpoint.id).enabled_events == endpoint.enabled_events
