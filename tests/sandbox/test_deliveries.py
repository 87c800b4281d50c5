"""The sandbox delivers as Faraday's sender (Svix) does, and receivers process each
message once: retries with the same id and a fresh signature, redelivery by hand,
redirects as failures, and replicas sharing what they have processed.

Real sockets throughout: the sandbox on 127.0.0.1 sends to real receivers.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks.cli import main
from faraday_webhooks.dedupe import Deduplicator, SQLiteStore
from faraday_webhooks.testing import SVIX_RETRY_SCHEDULE, Sandbox, WebhookReceiver
from helpers import API_KEY, EVENT, QuietHTTPServer


@pytest.fixture
def quick_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose retry schedule is compressed to a tenth of a second a step."""
    with Sandbox(api_keys=[API_KEY], retry_schedule=[0.1, 0.1, 0.1]) as running:
        yield running


class FlakyReceiver:
    """A receiver that answers ``answers`` in turn (then 204), keeping what it was sent."""

    def __init__(self, *answers: int, location: str = "") -> None:
        self.answers = list(answers)
        self.location = location
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((dict(self.headers.items()), body))
                status = outer.answers.pop(0) if outer.answers else 204
                self.send_response(status)
                if outer.location:
                    self.send_header("Location", outer.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    def __enter__(self) -> FlakyReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)


def wait_for_attempts(sandbox: Sandbox, count: int, timeout: float = 10) -> None:
    """Until the sandbox has recorded ``count`` attempts: it records one once the
    receiver's answer is read, a moment after the receiver has seen the request."""
    deadline = time.monotonic() + timeout
    while len(sandbox.deliveries) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def subscribe(sandbox: Sandbox, url: str) -> fw.WebhookEndpoint:
    with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
        return client.webhooks.create(url=url, enabled_events=[EVENT])


def test_the_default_schedule_is_svixs() -> None:
    assert SVIX_RETRY_SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)
    with pytest.raises(ValueError, match="retry_schedule"):
        Sandbox(retry_schedule="5,300")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="retry_schedule"):
        Sandbox(retry_schedule=[5, float("nan")])


def test_a_failed_delivery_is_retried_with_the_same_id_and_a_fresh_signature(
    quick_sandbox: Sandbox,
) -> None:
    with FlakyReceiver(500, 503) as receiver:
        endpoint = subscribe(quick_sandbox, receiver.url)
        (first,) = quick_sandbox.trigger(EVENT)
        receiver.wait_for(3)
        wait_for_attempts(quick_sandbox, 3)
    assert (first.status_code, first.attempt, first.ok) == (500, 1, False)  # the report: attempt 1
    assert len(receiver.requests) == 3
    ids = {headers["svix-id"] for headers, _ in receiver.requests}
    assert ids == {first.message_id}
    bodies = {body for _, body in receiver.requests}
    assert len(bodies) == 1  # the same message
    for headers, body in receiver.requests:  # each attempt signed afresh, each verifies
        event = fw.verify_webhook(body, headers, endpoint.secret or "")
        assert event.message_id == first.message_id
    attempts = [(a.attempt, a.status_code) for a in quick_sandbox.deliveries]
    assert attempts == [(1, 500), (2, 503), (3, 204)]
    assert {a.message_id for a in quick_sandbox.deliveries} == {first.message_id}


def test_retries_stop_after_the_schedule(quick_sandbox: Sandbox) -> None:
    with FlakyReceiver(*[500] * 10) as receiver:
        subscribe(quick_sandbox, receiver.url)
        quick_sandbox.trigger(EVENT)
        receiver.wait_for(4)
        time.sleep(0.5)
    assert len(receiver.requests) == 4  # the first attempt and three retries


def test_a_redirect_is_a_failure_and_is_not_followed(quick_sandbox: Sandbox) -> None:
    with FlakyReceiver(204) as target, FlakyReceiver(*[302] * 4, location="") as moved:
        moved.location = target.url
        subscribe(quick_sandbox, moved.url)
        (first,) = quick_sandbox.trigger(EVENT)
        moved.wait_for(4)
        wait_for_attempts(quick_sandbox, 4)
    assert (first.status_code, first.ok) == (302, False)
    assert target.requests == []
    assert [a.status_code for a in quick_sandbox.deliveries] == [302, 302, 302, 302]


def test_the_user_agent_names_the_sandbox_as_svix_names_its_sender(
    quick_sandbox: Sandbox,
) -> None:
    with FlakyReceiver() as receiver:
        subscribe(quick_sandbox, receiver.url)
        quick_sandbox.trigger(EVENT)
    (headers, _), = receiver.requests  # fmt: skip
    assert headers["User-Agent"].startswith("Faraday-Sandbox-Webhooks/")
    assert "python-httpx" not in headers["User-Agent"]


def test_redeliver_sends_the_same_message_again_as_svixs_resend(quick_sandbox: Sandbox) -> None:
    with FlakyReceiver() as receiver:
        subscribe(quick_sandbox, receiver.url)
        (first,) = quick_sandbox.trigger(EVENT)
        (again,) = quick_sandbox.redeliver(first.message_id)
    assert again.message_id == first.message_id
    assert again.attempt == 2
    assert [headers["svix-id"] for headers, _ in receiver.requests] == [first.message_id] * 2
    assert receiver.requests[0][1] == receiver.requests[1][1]
    with pytest.raises(KeyError):
        quick_sandbox.redeliver("msg_never_sent")


def test_redeliver_over_http_and_from_the_command_line(
    quick_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    with FlakyReceiver() as receiver:
        subscribe(quick_sandbox, receiver.url)
        (first,) = quick_sandbox.trigger(EVENT)
        base = ["--base-url", quick_sandbox.base_url, "--api-key", API_KEY]
        assert main(["trigger", "--redeliver", first.message_id, *base]) == 0
        out = capsys.readouterr().out
        assert "Redelivered" in out
        assert first.message_id in out
        assert main(["trigger", "--redeliver", "msg_unknown", *base]) == 1
        assert "404" in capsys.readouterr().err
        assert main(["trigger", *base]) == 2  # neither a type nor --redeliver
        assert "--redeliver" in capsys.readouterr().err
    assert len(receiver.requests) == 2


def test_the_receiver_processes_a_retried_message_once(quick_sandbox: Sandbox) -> None:
    with WebhookReceiver(secret=None) as receiver:
        endpoint = subscribe(quick_sandbox, receiver.url)
        receiver.secret = endpoint.secret
        (first,) = quick_sandbox.trigger(EVENT)
        quick_sandbox.redeliver(first.message_id)
        quick_sandbox.redeliver(first.message_id)
        received = receiver.wait_for(3)
    assert [delivery.duplicate for delivery in received] == [False, True, True]
    assert {delivery.message_id for delivery in received} == {first.message_id}


def test_two_receiver_replicas_sharing_a_store_process_a_message_once(
    quick_sandbox: Sandbox, tmp_path: Path
) -> None:
    shared = tmp_path / "claims.sqlite3"
    with (
        WebhookReceiver(secret=None, dedupe=Deduplicator(SQLiteStore(shared))) as one,
        WebhookReceiver(secret=None, dedupe=Deduplicator(SQLiteStore(shared))) as two,
    ):
        first_endpoint = subscribe(quick_sandbox, one.url)
        second_endpoint = subscribe(quick_sandbox, two.url)
        one.secret, two.secret = first_endpoint.secret, second_endpoint.secret
        body = json.dumps({"type": EVENT, "timestamp": "2024-09-26T14:27:05Z", "data": {}})
        secret = first_endpoint.secret or ""
        headers = fw.sign_webhook(body, secret, msg_id="msg_shared")
        two.secret = secret
        with httpx.Client() as http:
            assert http.post(one.url, content=body, headers=headers).status_code == 204
            assert http.post(two.url, content=body, headers=headers).status_code == 204
        (at_one,), (at_two,) = one.wait_for(1), two.wait_for(1)
    assert (at_one.duplicate, at_two.duplicate) == (False, True)


def test_the_sandbox_accepts_fadays_legacy_merge_patch_media_type(quick_sandbox: Sandbox) -> None:
    endpoint = subscribe(quick_sandbox, "https://example.com/h")
    with httpx.Client(base_url=quick_sandbox.base_url) as raw:
        for media_type in ("application/merge-patch+json", "application/json+merge-patch"):
            response = raw.patch(
                f"/webhook_endpoints/{endpoint.id}",
                content=json.dumps({"status": "disabled"}),
                headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": media_type},
            )
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "disabled"
        refused = raw.patch(
            f"/webhook_endpoints/{endpoint.id}",
            content=b"{}",
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "text/plain"},
        )
    assert refused.status_code == 400


def test_a_sandbox_started_again_after_a_stop_still_retries() -> None:
    sandbox = Sandbox(api_keys=[API_KEY], retry_schedule=[0.1])
    sandbox.start()
    sandbox.stop()
    with sandbox, FlakyReceiver(500) as receiver:  # started again
        subscribe(sandbox, receiver.url)
        (first,) = sandbox.trigger(EVENT)
        receiver.wait_for(2)
        wait_for_attempts(sandbox, 2)
    assert first.status_code == 500
    assert [(a.attempt, a.status_code) for a in sandbox.deliveries] == [(1, 500), (2, 204)]


class HangingReceiver:
    """Answers its first request 500 at once, then nothing for ``hang`` seconds on every
    later one (then 204): an endpoint whose retries time out."""

    def __init__(self, hang: float) -> None:
        outer = self
        self.hang = hang
        self.arrived: list[float] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.arrived.append(time.monotonic())
                if len(outer.arrived) > 1:
                    time.sleep(outer.hang)
                self.send_response(500 if len(outer.arrived) == 1 else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    def __enter__(self) -> HangingReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def test_hanging_endpoints_never_delay_another_endpoints_retries() -> None:
    # Four endpoints fail their first attempt at once; all four retries fall due together
    # 0.2 s later. Three of them hang past the 1 s delivery timeout: the fourth's retry
    # still goes out then, not after the three (3 s, when they went one at a time).
    with (
        Sandbox(api_keys=[API_KEY], retry_schedule=[0.2], delivery_timeout=1) as sandbox,
        HangingReceiver(2) as hanging_a,
        HangingReceiver(2) as hanging_b,
        HangingReceiver(2) as hanging_c,
        FlakyReceiver(500) as flaky,
    ):
        for url in (hanging_a.url, hanging_b.url, hanging_c.url, flaky.url):
            subscribe(sandbox, url)
        sandbox.trigger(EVENT)
        flaky.wait_for(2, timeout=15)
        wait_for_attempts(sandbox, 5)
    flaky_attempts = [a.at for a in sandbox.deliveries if a.url == flaky.url]
    assert len(flaky_attempts) == 2
    waited = flaky_attempts[1] - flaky_attempts[0]
    assert waited < 1.0, f"the retry came {waited:.1f} s after the failure: it waited its turn"
