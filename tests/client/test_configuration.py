"""Configuration: arguments, environment and headers, checked at construction; the lifecycle."""

from __future__ import annotations

from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from helpers import (
    API_KEY,
    Recorder,
    create,
    endpoint_body,
    json_response,
)

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
