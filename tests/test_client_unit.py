"""Pure mapping logic over httpx.MockTransport: statuses, codes, bad answers, inputs, config."""

from __future__ import annotations

import datetime
import logging
from typing import Any
from uuid import UUID

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks import errors
from helpers import (
    API_KEY,
    ENDPOINT_ID,
    ERROR_ID,
    EVENT,
    Recorder,
    endpoint_body,
    error_body,
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


# -- error statuses and codes --------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_every_documented_status_and_code_raises_its_exception(status: int, code: str) -> None:
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
        create(recorder.client(max_retries=0))
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
def test_key_and_authorization_codes_are_authentication_errors(code: str) -> None:
    with pytest.raises(fw.AuthenticationError):
        create(Recorder(json_response(401, error_body(code))).client())


def test_an_unknown_code_raises_plain_api_error_with_the_code_kept() -> None:
    problems = [{"context": {"errorType": "new"}, "message": "m", "path": "/p"}, {"broken": True}]
    recorder = Recorder(
        json_response(400, error_body("RATE_LIMITED_SOON", validationErrors=problems))
    )
    with pytest.raises(fw.APIError) as caught:
        create(recorder.client())
    assert type(caught.value) is fw.APIError
    assert caught.value.code == "RATE_LIMITED_SOON"
    assert [p.path for p in caught.value.validation_errors] == ["/p"]


def test_error_without_validation_errors_has_an_empty_list() -> None:
    with pytest.raises(fw.NotFoundError) as caught:
        create(Recorder(json_response(404, error_body("NOT_FOUND"))).client())
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
def test_malformed_answers_raise_unexpected_response_error_with_the_response(name: str) -> None:
    recorder = Recorder(MALFORMED[name])
    with pytest.raises(fw.UnexpectedResponseError) as caught:
        create(recorder.client(max_retries=0))
    error = caught.value
    assert error.status_code == MALFORMED[name].status_code
    assert error.response is not None
    assert len(str(error)) < 1000


def test_unexpected_body_excerpt_is_truncated_and_masks_secrets() -> None:
    body = endpoint_body(status="paused", padding="x" * 5000)
    with pytest.raises(fw.UnexpectedResponseError) as caught:
        create(Recorder(json_response(201, body)).client())
    assert "whsec_MfKQ" not in str(caught.value)
    assert len(caught.value.body_excerpt) <= errors.BODY_EXCERPT_CHARS + 3


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
    with pytest.raises(fw.InvalidRequestError, match=r"not a single string"):
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


# -- configuration -------------------------------------------------------------


def test_no_api_key_anywhere_names_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FARADAY_API_KEY", raising=False)
    with pytest.raises(fw.ConfigurationError, match="FARADAY_API_KEY"):
        fw.Faraday()
    with pytest.raises(fw.ConfigurationError, match="FARADAY_API_KEY"):
        fw.AsyncFaraday()


def test_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FARADAY_API_KEY", "sk_from_env")
    monkeypatch.setenv("FARADAY_BASE_URL", "http://127.0.0.1:1/v1/")
    recorder = Recorder(json_response(201, endpoint_body()))
    with fw.Faraday(http_client=httpx.Client(transport=httpx.MockTransport(recorder))) as client:
        assert client.base_url == "http://127.0.0.1:1/v1"
        create(client)
    assert recorder.requests[0].headers["authorization"] == "Bearer sk_from_env"
    assert str(recorder.requests[0].url) == "http://127.0.0.1:1/v1/webhook_endpoints"


def test_default_base_url_is_faradays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FARADAY_BASE_URL", raising=False)
    assert fw.Faraday(api_key="k").base_url == "https://api.faraday.ai/v1"


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": -1},
        {"timeout": "30"},
        {"max_retries": -1},
        {"base_url": "api.faraday.ai"},
        {"api_key": "sk_caf\u00e9"},
        {"default_headers": {"X-Team": "caf\u00e9"}},
        {"default_headers": {"X Team": "billing"}},
        {"default_headers": {"X-Team": "billing\r\nX-Evil: 1"}},
        {"default_headers": {"X-Team": 7}},
        {"default_headers": [("X-Team", "billing")]},
        {"api_key": 123},
        {"retry_policy": "twice"},
        {"http_client": "https://api.faraday.ai"},
        {"http_client": httpx.AsyncClient()},
    ],
)
def test_bad_configuration_is_refused_at_construction(options: dict[str, Any]) -> None:
    options.setdefault("api_key", "k")
    with pytest.raises(fw.ConfigurationError):
        fw.Faraday(**options)


def test_the_async_client_refuses_a_sync_http_client() -> None:
    with httpx.Client() as sync_pool, pytest.raises(fw.ConfigurationError, match="AsyncClient"):
        fw.AsyncFaraday(api_key="k", http_client=sync_pool)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "extra_headers",
    [
        {"X-Trace": "caf\u00e9"},
        {"X-Trace": "a\nb"},
        {"X Trace": "a"},
        {"": "a"},
        {"X-Trace": b"abc"},
        [("X-Trace", "abc")],
    ],
)
def test_bad_extra_headers_are_refused_before_sending(extra_headers: Any) -> None:
    recorder = Recorder(json_response(201, endpoint_body()))
    with pytest.raises(fw.InvalidRequestError) as caught:
        create(recorder.client(), extra_headers=extra_headers)
    assert recorder.requests == []
    assert "caf" not in str(caught.value)  # values are never echoed (they may be secrets)


def test_default_timeout_is_30_seconds_and_per_call_timeout_overrides_it() -> None:
    recorder = Recorder(json_response(201, endpoint_body()))
    client = recorder.client()
    create(client)
    create(client, timeout=2.5)
    create(client, timeout=httpx.Timeout(1.0, connect=0.5))
    timeouts = [request.extensions["timeout"] for request in recorder.requests]
    assert timeouts[0] == {"connect": 30.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert timeouts[1] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}
    assert timeouts[2]["connect"] == 0.5
    assert timeouts[2]["read"] == 1.0


@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_default_headers_may_not_set_authorization_in_any_case(name: str) -> None:
    with pytest.raises(fw.ConfigurationError, match="may not set Authorization"):
        Recorder().client(default_headers={name: "Bearer wrong"})


def test_headers_merge_case_insensitively_and_each_is_sent_once() -> None:
    recorder = Recorder(json_response(201, endpoint_body()))
    client = recorder.client(default_headers={"X-Team": "billing", "user-agent": "billing/1.0"})
    create(client, extra_headers={"X-Trace": "abc", "x-team": "ops"})
    create(client, extra_headers={"authorization": "Bearer per-call"})
    first, second = (request.headers for request in recorder.requests)
    assert first.get_list("x-team") == ["ops"]  # per call wins over the default
    assert first["x-trace"] == "abc"
    assert first.get_list("user-agent") == ["billing/1.0"]  # the default replaced ours
    assert first.get_list("authorization") == [f"Bearer {API_KEY}"]
    # extra_headers on one call may replace the key for that call (as in openai-python).
    assert second.get_list("authorization") == ["Bearer per-call"]


def test_a_closed_client_says_so_and_a_brought_http_client_stays_open() -> None:
    recorder = Recorder(json_response(201, endpoint_body()))
    own = httpx.Client(transport=httpx.MockTransport(recorder))
    with fw.Faraday(api_key=API_KEY, http_client=own) as client:
        create(client)
    assert not own.is_closed
    with pytest.raises(fw.ClientClosedError):
        create(client)
    own.close()


# -- secrets never leak --------------------------------------------------------


def test_api_key_never_appears_in_repr_str_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(
        json_response(503, {"x": 1}),
        httpx.ConnectError("refused"),
        json_response(400, error_body("VALIDATION_FAILED")),
    )
    client = recorder.client()
    texts = [repr(client), str(client), repr(client._config)]
    with pytest.raises(fw.ValidationFailedError) as caught:
        create(client)
    texts += [str(caught.value), repr(caught.value), caplog.text]
    assert len(recorder.requests) == 3
    for text in texts:
        assert API_KEY not in text
    assert "retrying POST /webhook_endpoints" in caplog.text  # the log is real, just clean


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
