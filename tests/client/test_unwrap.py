"""``Faraday(webhook_secret=...)`` and ``client.webhooks.unwrap``: a delivery the sandbox
sent over a real socket, verified with the client's secret(s), as openai's
``client.webhooks.unwrap`` does with ``OPENAI_WEBHOOK_SECRET``."""

from __future__ import annotations

import asyncio
import http.server
import queue
from typing import Any

import faraday_webhooks as fw
import pytest
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, EVENT, serving

SECRET_ENV = "FARADAY_WEBHOOK_SECRET"


def _raw_deliveries() -> tuple[type[http.server.BaseHTTPRequestHandler], queue.Queue[Any]]:
    """A handler that keeps each delivery's raw body and headers, untouched."""
    received: queue.Queue[tuple[bytes, dict[str, str]]] = queue.Queue()

    class Keep(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((body, dict(self.headers.items())))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Keep, received


@pytest.fixture
def delivery() -> Any:
    """One real delivery (body, headers) from the sandbox, and the endpoint's secret."""
    handler, received = _raw_deliveries()
    with serving(handler) as url, Sandbox(api_keys=[API_KEY]) as sandbox:
        with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
            endpoint = client.webhooks.create(url=url, enabled_events=[EVENT])
        sandbox.trigger(EVENT)
        body, headers = received.get(timeout=10)
        assert endpoint.secret is not None
        yield body, headers, endpoint.secret


def test_unwrap_returns_the_typed_event_verified_with_the_clients_secret(
    delivery: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, headers, secret = delivery
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with fw.Faraday(api_key=API_KEY, webhook_secret=secret) as client:
        event = client.webhooks.unwrap(body, headers)
        assert secret not in repr(client)
    assert isinstance(event, fw.ResourceEvent)
    assert event.type == EVENT
    assert event.message_id == headers["svix-id"]


def test_the_secret_comes_from_the_environment_and_several_allow_a_rotation(
    delivery: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, headers, secret = delivery
    other = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # a valid secret that signed nothing
    monkeypatch.setenv(SECRET_ENV, f"{other} {secret}\n")
    with fw.Faraday(api_key=API_KEY) as client:
        assert client.webhooks.unwrap(body, headers).type == EVENT  # the second one matched
    with (
        fw.Faraday(api_key=API_KEY, webhook_secret=[other]) as client,  # the argument wins
        pytest.raises(fw.WebhookVerificationError) as caught,
    ):
        client.webhooks.unwrap(body, headers)
    assert caught.value.reason == "no_matching_signature"
    assert secret not in str(caught.value)
    assert other not in str(caught.value)


def test_when_no_secret_verifies_the_first_secrets_reason_is_raised(delivery: Any) -> None:
    body, headers, secret = delivery
    tampered = body.replace(b"}", b" }", 1)
    for secrets, reason in (
        ([secret, "whsec_!!"], "no_matching_signature"),
        (["whsec_!!", secret], "invalid_secret"),
    ):
        with fw.Faraday(api_key=API_KEY, webhook_secret=secrets) as client:
            with pytest.raises(fw.WebhookVerificationError) as caught:
                client.webhooks.unwrap(tampered, headers)
            assert caught.value.reason == reason
            assert client.webhooks.unwrap(body, headers).type == EVENT  # untampered: fine


def test_without_a_secret_unwrap_names_the_argument_and_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with (
        fw.Faraday(api_key=API_KEY) as client,
        pytest.raises(fw.ConfigurationError, match=f"webhook_secret=.*{SECRET_ENV}"),
    ):
        client.webhooks.unwrap(b"{}", {})
    with pytest.raises(fw.ConfigurationError, match="webhook_secret must be"):
        fw.Faraday(api_key=API_KEY, webhook_secret=[b"whsec_x"])  # type: ignore[list-item]


def test_the_async_client_unwraps_the_same_way_without_await(delivery: Any) -> None:
    body, headers, secret = delivery

    async def main() -> fw.WebhookEvent:
        async with fw.AsyncFaraday(api_key=API_KEY, webhook_secret=secret) as client:
            return client.webhooks.unwrap(body, headers)

    assert asyncio.run(main()).type == EVENT
