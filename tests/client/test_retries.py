"""Retry decisions: a POST is repeated only when the server surely did not act on it.

The client-level tests run against Faraday and AsyncFaraday (``client_kind``)."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks._retries import RetryPolicy, retry_after_seconds
from helpers import ENDPOINT_ID, EVENT, Recorder, endpoint_body, error_body, json_response

POLICY = RetryPolicy(max_retries=2)
NOT_SENT = [
    httpx.ConnectError("refused"),
    httpx.ConnectTimeout("slow"),
    httpx.PoolTimeout("busy"),
    httpx.WriteError("reset"),
]
MAYBE_SENT = [
    httpx.ReadTimeout("slow"),
    httpx.ReadError("reset"),
    httpx.RemoteProtocolError("closed"),
]


@pytest.mark.parametrize("error", NOT_SENT, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("idempotent", [True, False])
def test_errors_before_the_request_was_sent_are_retried_for_every_method(
    error: httpx.TransportError, idempotent: bool
) -> None:
    assert POLICY.should_retry_error(error, attempt=0, idempotent=idempotent)
    assert not POLICY.should_retry_error(error, attempt=2, idempotent=idempotent)


@pytest.mark.parametrize("error", MAYBE_SENT, ids=lambda e: type(e).__name__)
def test_errors_after_sending_are_retried_only_when_idempotent(error: httpx.TransportError) -> None:
    assert POLICY.should_retry_error(error, attempt=0, idempotent=True)
    assert not POLICY.should_retry_error(error, attempt=0, idempotent=False)


@pytest.mark.parametrize(
    ("status", "post", "get"),
    [
        (429, True, True),
        (503, True, True),
        (500, False, True),
        (502, False, True),
        (504, False, True),
        (400, False, False),
        (404, False, False),
        (201, False, False),
    ],
)
def test_status_retry_table(status: int, post: bool, get: bool) -> None:
    assert POLICY.should_retry_status(status, attempt=0, idempotent=False) is post
    assert POLICY.should_retry_status(status, attempt=0, idempotent=True) is get


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0), (20, 8.0)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "0"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        ({"retry-after-ms": "nan", "Retry-After": "2"}, 2.0),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(httpx.Headers(headers)) == expected


def test_retry_after_http_date_and_caps() -> None:
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    waited = retry_after_seconds(httpx.Headers({"Retry-After": date}), now=now)
    assert waited is not None
    assert 8.0 <= waited <= 10.0
    past = email.utils.formatdate(now - 100, usegmt=True)
    assert retry_after_seconds(httpx.Headers({"Retry-After": past}), now=now) == 0.0
    huge = httpx.Response(503, headers={"Retry-After": "86400"})
    assert RetryPolicy(max_retry_after=60).delay(0, huge) == 60.0


# -- over a transport: count the requests ---------------------------------------


def create(client: fw.Faraday) -> fw.WebhookEndpoint:
    return client.webhooks.create(url="https://example.com/hooks", enabled_events=[EVENT])


def test_post_is_retried_after_503_and_429_then_succeeds(client_kind: str) -> None:
    recorder = Recorder(
        json_response(503, error_body("INTERNAL_SERVER_ERROR"), **{"Retry-After": "0"}),
        json_response(429, {"error": "slow down"}),
        json_response(201, endpoint_body()),
    )
    assert create(recorder.client(client_kind)).id.hex == ENDPOINT_ID.replace("-", "")
    assert len(recorder.requests) == 3


def test_post_after_retries_run_out_raises_the_last_answer(client_kind: str) -> None:
    recorder = Recorder(json_response(503, {"error": "busy"}))
    with pytest.raises(fw.UnexpectedResponseError) as caught:
        create(recorder.client(client_kind))
    assert caught.value.status_code == 503
    assert len(recorder.requests) == 3  # one try and two retries


@pytest.mark.parametrize("status", [500, 502, 504])
def test_post_is_not_retried_after_a_server_error(client_kind: str, status: int) -> None:
    recorder = Recorder(
        json_response(status, error_body("INTERNAL_SERVER_ERROR")),
        json_response(201, endpoint_body()),
    )
    with pytest.raises(fw.FaradayError):
        create(recorder.client(client_kind))
    assert len(recorder.requests) == 1


def test_post_is_not_retried_after_a_read_timeout(client_kind: str) -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"), json_response(201, endpoint_body()))
    with pytest.raises(fw.APITimeoutError, match="read timeout"):
        create(recorder.client(client_kind))
    assert len(recorder.requests) == 1


def test_post_is_retried_after_connection_refused(client_kind: str) -> None:
    recorder = Recorder(httpx.ConnectError("refused"), json_response(201, endpoint_body()))
    create(recorder.client(client_kind))
    assert len(recorder.requests) == 2


def test_connection_errors_become_api_connection_errors_without_headers(client_kind: str) -> None:
    recorder = Recorder(httpx.ConnectError("Connection refused"))
    with pytest.raises(fw.APIConnectionError) as caught:
        create(recorder.client(client_kind))
    assert not isinstance(caught.value, fw.APITimeoutError)
    assert "Connection refused" in str(caught.value)
    assert caught.value.request is not None
    assert len(recorder.requests) == 3


@pytest.mark.parametrize(
    "failure", [json_response(500, error_body("INTERNAL_SERVER_ERROR")), httpx.ReadTimeout("x")]
)
def test_idempotent_calls_retry_server_errors_and_read_timeouts(
    client_kind: str,
    failure: httpx.Response | Exception,
) -> None:
    recorder = Recorder(failure, json_response(200, endpoint_body()))
    endpoint = recorder.client(client_kind).webhooks.retrieve(ENDPOINT_ID)
    assert str(endpoint.id) == ENDPOINT_ID
    assert len(recorder.requests) == 2


def test_max_retries_zero_sends_once(client_kind: str) -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(fw.APIConnectionError):
        create(recorder.client(client_kind, retry_policy=RetryPolicy(max_retries=0)))
    assert len(recorder.requests) == 1


def test_max_retries_option_sets_the_policy() -> None:
    client = fw.Faraday(api_key="k", max_retries=5)
    assert client._retry_policy.max_retries == 5


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"max_retries": "2"},
        {"max_retries": True},
        {"initial_delay": -1},
        {"max_delay": float("nan")},
        {"max_retry_after": float("inf")},
        {"initial_delay": "0.5"},
    ],
)
def test_a_policy_that_could_not_work_is_refused_when_made(options: dict[str, Any]) -> None:
    # Not at the first retry, where a negative wait would crash time.sleep.
    with pytest.raises(fw.ConfigurationError):
        RetryPolicy(**options)
