"""Successful answers: the typed, checked models users receive, and the requests sent."""

from __future__ import annotations

import datetime
import types
import typing
from typing import Any
from uuid import UUID

import attrs
import faraday_webhooks as fw
import faraday_webhooks_api.models as generated_models
import httpx
import pytest
from helpers import (
    API_KEY,
    ENDPOINT_ID,
    EVENT,
    Recorder,
    create,
    endpoint_body,
    json_response,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


@settings(max_examples=200, deadline=None)
@given(
    extra=st.dictionaries(st.text(max_size=12), st.integers() | st.text(max_size=5), max_size=4),
    secret_sent=st.sampled_from(["value", "null", "absent"]),
)
def test_from_dict_keeps_exactly_the_fields_openapi_yaml_does_not_name(
    extra: dict[str, Any], secret_sent: str
) -> None:
    # from_dict counts the named fields instead of popping them from a copy: a body with
    # an optional field sent as null, left out, or beside unnamed fields keeps just those.
    body = endpoint_body()
    named = set(body)
    if secret_sent == "null":
        body["secret"] = None
    elif secret_sent == "absent":
        del body["secret"]
    body.update({key: value for key, value in extra.items() if key not in named})
    endpoint = fw.WebhookEndpoint.from_dict(body)
    assert endpoint.additional_properties == {
        key: value for key, value in extra.items() if key not in named
    }
    assert endpoint.secret == (body["secret"] if secret_sent == "value" else None)
    assert body == {**endpoint.to_dict(), **({"secret": None} if secret_sent == "null" else {})}


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


# -- list answers: every endpoint checked, however long the list --------------------


def _thousand_endpoints() -> list[dict[str, Any]]:
    return [
        endpoint_body(id=str(UUID(int=number)), url=f"https://example.com/hooks/{number}")
        for number in range(1000)
    ]


@pytest.mark.parametrize(
    ("field", "bad_value", "expected"),
    [
        ("url", 5, "WebhookEndpoint.url: expected str, got int"),
        ("secret", ["whsec_x"], "WebhookEndpoint.secret: expected str | None, got list"),
        ("enabled_events", [EVENT, 7], "WebhookEndpoint.enabled_events: expected list[str]"),
        ("enabled_events", EVENT, "WebhookEndpoint.enabled_events: expected list[str]"),
    ],
)
def test_one_wrong_field_deep_in_a_list_answer_fails_the_call_naming_it(
    field: str, bad_value: Any, expected: str
) -> None:
    endpoints = _thousand_endpoints()
    endpoints[737][field] = bad_value
    with (
        Recorder(json_response(200, endpoints)).client() as client,
        pytest.raises(fw.UnexpectedResponseError) as caught,
    ):
        client.webhooks.list()
    assert expected in str(caught.value)


def test_a_list_answer_reads_naive_date_times_as_utc_wherever_they_are() -> None:
    endpoints = _thousand_endpoints()
    endpoints[998]["updated_at"] = "2024-09-26T14:27:05"
    with Recorder(json_response(200, endpoints)).client() as client:
        found = client.webhooks.list()
    assert len(found) == 1000
    assert found[998].updated_at == datetime.datetime(2024, 9, 26, 14, 27, 5, tzinfo=datetime.UTC)
    assert all(endpoint.updated_at.tzinfo is not None for endpoint in found)
    assert [endpoint.url for endpoint in found[:3]] == [
        f"https://example.com/hooks/{number}" for number in range(3)
    ]
    assert found[999].id == UUID(int=999)


# -- every generated model: fields land where they belong -----------------------------


def _generated_models() -> list[type[Any]]:
    models = [getattr(generated_models, name) for name in generated_models.__all__]
    return [model for model in models if attrs.has(model)]


def _values_of(hint: Any) -> st.SearchStrategy[Any]:
    if isinstance(hint, type) and attrs.has(hint):
        return _instances_of(hint)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return st.lists(_values_of(item), max_size=3)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return st.one_of(*map(_values_of, typing.get_args(hint)))
    if hint is datetime.datetime:
        # from_dict reads a date-time without a zone as UTC: models hold aware ones.
        return st.datetimes(timezones=st.just(datetime.UTC))
    return st.from_type(hint)


def _instances_of(model: type[Any]) -> st.SearchStrategy[Any]:
    # Generated modules import nested models for type checkers only: resolve them here.
    hints = typing.get_type_hints(model, localns=vars(generated_models))
    fields = {field.name: _values_of(hints[field.name]) for field in attrs.fields(model)}
    return st.builds(
        model, **{name: fields[name] for name in fields if name != "additional_properties"}
    )


@pytest.mark.parametrize("model", _generated_models(), ids=lambda model: model.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_generated_model_survives_to_dict_and_from_dict(
    model: type[Any], data: st.DataObject
) -> None:
    # from_dict passes fields to the class by position (generator-templates/model.py.jinja):
    # two fields of one type (created_at, updated_at) must not trade places.
    instance = data.draw(_instances_of(model))
    assert model.from_dict(instance.to_dict()) == instance


# -- UUID fields: the generated fast path is UUID() exactly ---------------------------
