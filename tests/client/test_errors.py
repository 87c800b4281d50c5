"""Every answer that is not a success becomes the right exception, for Faraday and AsyncFaraday."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks import errors
from helpers import (
    ALL_CODES,
    API_KEY,
    ENDPOINT_ID,
    ERROR_ID,
    EVENT,
    Recorder,
    create,
    endpoint_body,
    error_body,
    json_response,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# -- error statuses and codes --------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_every_documented_status_and_code_raises_its_exception(
    client_kind: str, status: int, code: str
) -> None:
    problems = [
        {
            "context": {"errorType": "format"},
            "message": "is not a uri",
            "path": "/url",
            "suggestion": "use https",
        }
    ]
    recorder = Recorder(json_response(status, error_body(code, validationErrors=problems)))
    with pytest.raises(ALL_CODES[code]) as caught:
        create(recorder.client(client_kind, max_retries=0))
    error = caught.value
    assert isinstance(error, fw.APIError)
    assert isinstance(error, fw.FaradayError)
    assert (error.status_code, error.code, error.error_id, error.note) == (
        status,
        code,
        ERROR_ID,
        f"note for {code}",
    )
    assert error.response is not None
    assert error.response.status_code == status
    assert [(p.path, p.message, p.suggestion) for p in error.validation_errors] == [
        ("/url", "is not a uri", "use https")
    ]
    text = str(error)
    for part in (
        str(status),
        code,
        f"note for {code}",
        ERROR_ID,
        "/url",
        "is not a uri",
        "use https",
    ):
        assert part in text
    assert len(recorder.requests) == 1  # POST is never retried on these


@pytest.mark.parametrize(
    "code", ["INVALID_AUTHORIZATION", "MALFORMED_API_KEY", "MISSING_API_KEY", "EXPIRED_API_KEY"]
)
def test_key_and_authorization_codes_are_authentication_errors(client_kind: str, code: str) -> None:
    with pytest.raises(fw.AuthenticationError):
        create(Recorder(json_response(401, error_body(code))).client(client_kind))


def test_an_unknown_code_raises_plain_api_error_with_the_code_kept(client_kind: str) -> None:
    problems = [{"context": {"errorType": "new"}, "message": "m", "path": "/p"}, {"broken": True}]
    recorder = Recorder(
        json_response(400, error_body("RATE_LIMITED_SOON", validationErrors=problems))
    )
    with pytest.raises(fw.APIError) as caught:
        create(recorder.client(client_kind))
    assert type(caught.value) is fw.APIError
    assert caught.value.code == "RATE_LIMITED_SOON"
    assert [p.path for p in caught.value.validation_errors] == ["/p"]


def test_error_without_validation_errors_has_an_empty_list(client_kind: str) -> None:
    with pytest.raises(fw.NotFoundError) as caught:
        create(Recorder(json_response(404, error_body("NOT_FOUND"))).client(client_kind))
    assert caught.value.validation_errors == []


def test_api_error_class_table_matches_the_tree() -> None:
    for code, cls in ALL_CODES.items():
        assert errors.api_error_class(code) is cls
    assert errors.api_error_class("ANYTHING_ELSE") is fw.APIError


# -- malformed answers ---------------------------------------------------------

MALFORMED = {
    "html 502": httpx.Response(
        502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"}
    ),
    "not json": httpx.Response(
        201, content=b"{not json", headers={"content-type": "application/json"}
    ),
    "empty body": httpx.Response(201, content=b"", headers={"content-type": "application/json"}),
    "wrong content type": httpx.Response(
        201, json=endpoint_body(), headers={"content-type": "text/plain"}
    ),
    "missing field": json_response(201, {k: v for k, v in endpoint_body().items() if k != "id"}),
    "url is a number": json_response(201, endpoint_body(url=5)),
    "events is a string": json_response(201, endpoint_body(enabled_events="resource.errored")),
    "unknown status": json_response(201, endpoint_body(status="paused")),
    "bad uuid": json_response(201, endpoint_body(id="not-a-uuid")),
    "bad date": json_response(201, endpoint_body(created_at="yesterday")),
    "array body": json_response(201, [endpoint_body()]),
    "null body": json_response(201, None),
    "200 instead of 201": json_response(200, endpoint_body()),
    "undocumented 418": json_response(418, error_body("BAD_REQUEST")),
    "error body without code": json_response(400, {"note": "x"}),
    "error body is a list": json_response(400, ["BAD_REQUEST"]),
    "deeply nested": httpx.Response(
        201, content=b"[" * 100_000, headers={"content-type": "application/json"}
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_answers_raise_unexpected_response_error_with_the_response(
    client_kind: str, name: str
) -> None:
    recorder = Recorder(MALFORMED[name])
    with pytest.raises(fw.UnexpectedResponseError) as caught:
        create(recorder.client(client_kind, max_retries=0))
    error = caught.value
    assert error.status_code == MALFORMED[name].status_code
    assert error.response is not None
    assert len(str(error)) < 1000


def test_unexpected_body_excerpt_is_truncated_and_masks_secrets(client_kind: str) -> None:
    body = endpoint_body(status="paused", padding="x" * 5000)
    with pytest.raises(fw.UnexpectedResponseError) as caught:
        create(Recorder(json_response(201, body)).client(client_kind))
    assert "whsec_MfKQ" not in str(caught.value)
    assert len(caught.value.body_excerpt) <= errors.BODY_EXCERPT_CHARS + 3


# -- secrets never leak --------------------------------------------------------


def test_api_key_never_appears_in_repr_str_logs_or_errors(
    client_kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(
        json_response(503, {"x": 1}),
        httpx.ConnectError("refused"),
        json_response(400, error_body("VALIDATION_FAILED")),
    )
    client = recorder.client(client_kind)
    texts = [repr(client), str(client), repr(client._config)]
    with pytest.raises(fw.ValidationFailedError) as caught:
        create(client)
    texts += [str(caught.value), repr(caught.value), caplog.text]
    assert len(recorder.requests) == 3
    for text in texts:
        assert API_KEY not in text
    assert "retrying POST https://api.faraday.test/v1/webhook_endpoints" in caplog.text


def test_a_bad_key_is_not_echoed_in_the_configuration_error() -> None:
    with pytest.raises(fw.ConfigurationError) as caught:
        fw.Faraday(api_key="sk_live_secret\n")
    assert "sk_live_secret" not in str(caught.value)


# -- async ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_client_parses_and_maps_errors_the_same_way() -> None:
    recorder = Recorder(
        json_response(201, endpoint_body()),
        json_response(409, error_body("CONFLICT")),
        json_response(400, error_body("CONFLICT")),
    )
    transport = httpx.MockTransport(recorder)
    async with fw.AsyncFaraday(
        api_key=API_KEY, http_client=httpx.AsyncClient(transport=transport)
    ) as client:
        endpoint = await client.webhooks.create(url="https://example.com/h", enabled_events=[EVENT])
        assert endpoint.id == UUID(ENDPOINT_ID)
        with pytest.raises(fw.UnexpectedResponseError):
            await client.webhooks.create(url="https://example.com/h", enabled_events=[EVENT])
        with pytest.raises(fw.ConflictError):
            await client.webhooks.create(url="https://example.com/h", enabled_events=[EVENT])
        with pytest.raises(fw.InvalidRequestError):
            await client.webhooks.create(url="nope", enabled_events=[EVENT])
    assert len(recorder.requests) == 3
    with pytest.raises(fw.ClientClosedError):
        await client.webhooks.list()


# -- property-based: any answer becomes one of our exceptions -------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
# Shapes close to the real ones, so parsing gets deep before it fails.
near_valid = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from([str(uuid.uuid4()), "x", 5, None]),
        "url": st.sampled_from(["https://example.com/hooks", 5, None, []]),
        "enabled_events": st.sampled_from([[EVENT], EVENT, [1], None]),
        "status": st.sampled_from(["enabled", "disabled", "paused", 1]),
        "created_at": st.sampled_from(["2024-09-26T14:27:05+00:00", "never", 0]),
        "updated_at": st.sampled_from(["2024-09-26T14:27:05+00:00", "never", 0]),
        "error": st.sampled_from(["CONFLICT", "NEW_CODE", 3, None]),
        "note": st.sampled_from(["n", 1, None]),
        "validationErrors": st.sampled_from(
            [[], [{}], "x", [{"context": {}, "message": 1, "path": "p"}]]
        ),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.sampled_from([200, 201, 204, 400, 401, 403, 404, 500]), body=json_values | near_valid
)
def test_any_json_body_for_any_documented_status_raises_only_our_exceptions(
    status: int, body: Any
) -> None:
    recorder = Recorder(httpx.Response(status, json=body))
    with contextlib.suppress(fw.FaradayError):
        recorder.client(max_retries=0).webhooks.create(
            url="https://example.com/hooks", enabled_events=[EVENT]
        )


@settings(max_examples=150, deadline=None)
@given(
    status=st.sampled_from([200, 201, 400, 401, 403, 404, 500, 502]), body=st.binary(max_size=200)
)
def test_any_bytes_as_a_body_raise_only_our_exceptions(status: int, body: bytes) -> None:
    recorder = Recorder(
        httpx.Response(status, content=body, headers={"content-type": "application/json"})
    )
    calls: list[Callable[[fw.Faraday], object]] = [
        lambda c: c.webhooks.create(url="https://example.com/hooks", enabled_events=[EVENT]),
        lambda c: c.webhooks.list(),
        lambda c: c.webhooks.delete(uuid.uuid4()),
    ]
    for call in calls:
        with contextlib.suppress(fw.FaradayError):
            call(recorder.client(retry_policy=fw.RetryPolicy(max_retries=0)))


# Any code point, lone surrogates included (they cannot be sent as UTF-8 JSON).
ANY_CHARACTER = st.characters(exclude_categories=())


def test_error_body_property_sample_is_not_vacuous() -> None:
    # The properties above must exercise both outcomes; check one of each by hand.
    with pytest.raises(fw.ConflictError):
        Recorder(httpx.Response(400, json=error_body("CONFLICT"))).client().webhooks.create(
            url="https://example.com/hooks", enabled_events=[EVENT]
        )
    assert (
        Recorder(httpx.Response(201, json=endpoint_body()))
        .client()
        .webhooks.create(url="https://example.com/hooks", enabled_events=[EVENT])
    )
