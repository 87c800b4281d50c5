"""The sandbox and the receiver under abuse: they answer, stay up and stay bounded."""

from __future__ import annotations

import datetime
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks.testing import Sandbox, WebhookReceiver
from faraday_webhooks.testing import receiver as receiver_module
from faraday_webhooks.testing.faults import MAX_TRACKED_SEQUENCES, FaultPlan
from helpers import (
    API_KEY,
    EVENT,
    resource_message,
)

# The command line of the Python running the tests (python -m is the installed command's twin).
CLI = [sys.executable, "-m", "faraday_webhooks"]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE = resource_message()


# -- the sandbox and the receiver under abuse ------------------------------------------


def test_the_receiver_answers_400_to_a_long_timestamp_and_stays_up() -> None:
    headers = {"svix-id": "msg_1", "svix-timestamp": "9" * 5000, "svix-signature": "v1,x"}
    with WebhookReceiver(secret=SECRET) as receiver:
        answer = httpx.post(receiver.url, content=MESSAGE, headers=headers)
        good = httpx.post(receiver.url, content=MESSAGE, headers=fw.sign_webhook(MESSAGE, SECRET))
    assert (answer.status_code, good.status_code) == (400, 204)


def test_idle_connections_cannot_lock_out_a_real_client(
    sandbox: Sandbox, client: fw.Faraday
) -> None:
    # Counted from here: threads other tests of this worker left running are not the sandbox's.
    bound = threading.active_count() + 290  # 256 connections at most, and a margin
    idle = [socket.create_connection(("127.0.0.1", sandbox.port)) for _ in range(400)]
    try:
        assert client.webhooks.list() == []
        # The quietest connections were closed; their threads end as they read EOF.
        deadline = time.monotonic() + 10
        while threading.active_count() >= bound and time.monotonic() < deadline:
            time.sleep(0.05)
        assert threading.active_count() < bound
    finally:
        for connection in idle:
            connection.close()


def test_faults_serve_authenticated_requests_only_and_are_bounded(sandbox: Sandbox) -> None:
    stranger = httpx.get(
        sandbox.base_url + "/webhook_endpoints",
        headers={"X-Sandbox-Fail": "oversized:1000", "Authorization": "Bearer sk_someone"},
    )
    assert stranger.status_code == 401
    for fault in ("oversized:1000", "timeout:1e9", "slow-body:inf", "gzip-bomb:100000"):
        refused = httpx.get(
            sandbox.base_url + "/webhook_endpoints",
            headers={"X-Sandbox-Fail": fault, "Authorization": f"Bearer {API_KEY}"},
        )
        assert refused.status_code == 400, fault
        assert "X-Sandbox-Fail" in refused.json()["note"]


def test_the_sandbox_and_receiver_listen_on_loopback_only_unless_asked() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        Sandbox(host="0.0.0.0")
    with pytest.raises(ValueError, match="loopback only"):
        WebhookReceiver(secret=SECRET, host="0.0.0.0")
    result = subprocess.run(
        [*CLI, "sandbox", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2  # a bad --host value
    assert "--allow-remote" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        # One str would be taken a character at a time: "s", "k", ... accepted as keys.
        ({"api_keys": "sk_test"}, TypeError, r"a list of keys, not a str: api_keys=\['sk_test'\]"),
        ({"expired_api_keys": "sk_old"}, TypeError, "a list of keys"),
        ({"api_keys": [5]}, TypeError, "must be a str, not int"),
        ({"api_keys": ["sk test"]}, ValueError, "non-empty ASCII without spaces"),
        ({"api_keys": [""]}, ValueError, "non-empty ASCII without spaces"),
        ({"port": 70000}, ValueError, "port must be a whole number"),
        ({"port": "8765"}, ValueError, "port must be a whole number"),
        ({"max_endpoints": -5}, ValueError, "max_endpoints must be a whole number"),
        ({"max_endpoints": True}, ValueError, "max_endpoints must be a whole number"),
        ({"delivery_timeout": 0}, ValueError, "delivery_timeout must be a number above 0"),
        ({"delivery_timeout": float("nan")}, ValueError, "delivery_timeout must be a number"),
    ],
)
def test_a_sandbox_refuses_arguments_it_could_only_misread(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        Sandbox(**arguments)
    assert "sk_test" not in str(caught.value).replace("api_keys=['sk_test']", "")


def test_a_receiver_refuses_a_malformed_secret_port_or_tolerance_when_made() -> None:
    with pytest.raises(fw.WebhookVerificationError) as caught:
        WebhookReceiver(secret="whsec_not*base64")
    assert caught.value.reason == "invalid_secret"
    assert "not*base64" not in str(caught.value)
    with pytest.raises(ValueError, match="port must be a whole number"):
        WebhookReceiver(secret=SECRET, port=-1)
    for tolerance in (-1, float("inf"), float("nan"), "300"):
        with pytest.raises(ValueError, match="tolerance must be a number"):
            WebhookReceiver(secret=SECRET, tolerance=tolerance)  # type: ignore[arg-type]
    receiver = WebhookReceiver(secret=None)  # the secret may come later, with the endpoint
    with pytest.raises(ValueError, match="tolerance must be a number"):
        receiver.tolerance = float("nan")  # once crashed the server thread at each delivery
    receiver.tolerance = 60
    assert receiver.tolerance == 60


def test_trigger_refuses_what_faraday_could_never_send_and_delivers_nothing() -> None:
    with (
        Sandbox(api_keys=[API_KEY], event_types=["custom.kind"]) as sandbox,
        fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client,
        WebhookReceiver(secret=None) as receiver,
    ):
        endpoint = client.webhooks.create(url=receiver.url, enabled_events=["custom.kind"])
        receiver.secret = endpoint.secret
        with pytest.raises(ValueError, match="cannot be sent as JSON: Out of range float"):
            sandbox.trigger("custom.kind", data={"score": float("nan")})
        with pytest.raises(ValueError, match="cannot be sent as JSON"):
            sandbox.trigger("custom.kind", data={"when": datetime.datetime.now()})
        with pytest.raises(TypeError, match="data must be a mapping"):
            sandbox.trigger("custom.kind", data="score=1")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="event_type must be a non-empty str"):
            sandbox.trigger(5)  # type: ignore[arg-type]
        # json.loads reads NaN, so the HTTP route must refuse it too.
        refused = httpx.post(
            sandbox.base_url.removesuffix("/v1") + "/_sandbox/trigger",
            content=b'{"type": "custom.kind", "data": {"score": NaN}}',
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "BAD_REQUEST"
        (delivered,) = sandbox.trigger("custom.kind", data={"score": 1.5})
        assert delivered.ok
        (received,) = receiver.wait_for(1)
        assert received.event is not None
        assert received.event.data == {"score": 1.5}


def test_memory_for_fault_tags_and_rejected_deliveries_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = FaultPlan()
    for tag in range(MAX_TRACKED_SEQUENCES * 3):
        plan.take(f"503;{tag}")
    assert len(plan._seen) == MAX_TRACKED_SEQUENCES
    monkeypatch.setattr(receiver_module, "MAX_KEPT_DELIVERIES", 50)
    with WebhookReceiver(secret=SECRET) as receiver, httpx.Client() as http:
        for _ in range(120):
            http.post(receiver.url, content=b"{}", headers={"svix-id": "x"})
        assert len(receiver.wait_for(120, timeout=10)) == 50


def test_a_url_with_a_line_break_is_refused_and_one_bad_endpoint_never_stops_the_others(
    sandbox: Sandbox, client: fw.Faraday
) -> None:
    refused = httpx.post(
        sandbox.base_url + "/webhook_endpoints",
        json={"url": "http://127.0.0.1:9/a\nb", "enabled_events": [EVENT]},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert (refused.status_code, refused.json()["error"]) == (400, "VALIDATION_FAILED")
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    with WebhookReceiver(secret=None) as receiver:
        client.webhooks.create(url=f"http://127.0.0.1:{closed_port}/", enabled_events=[EVENT])
        good = client.webhooks.create(url=receiver.url, enabled_events=[EVENT])
        receiver.secret = good.secret
        deliveries = sandbox.trigger(EVENT)
        assert sorted(d.ok for d in deliveries) == [False, True]
        assert receiver.wait_for(1)[0].verified


def _raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"Content-Length: 2\r\nContent-Length: 9\r\n", b"400"),
        (b"Transfer-Encoding: chunked\r\n", b"411"),
        (b"Content-Length: 99999999999999999999\r\n", b"400"),
    ],
)
def test_untrustworthy_body_framing_is_refused(
    sandbox: Sandbox, headers: bytes, status: bytes
) -> None:
    answer = _raw_request(
        sandbox.port,
        b"POST /v1/webhook_endpoints HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + API_KEY.encode()
        + b"\r\nContent-Type: application/json\r\n"
        + headers
        + b"Connection: close\r\n\r\n{}",
    )
    assert answer.split(b" ", 2)[1] == status
    assert sandbox.endpoints == []


@pytest.mark.parametrize(
    "line", [b"GARBAGE", b"GET / HTTP/2.0", b"GET /" + b"a" * 70_000 + b" HTTP/1.1"]
)
def test_the_sandbox_answers_a_malformed_request_line(sandbox: Sandbox, line: bytes) -> None:
    host, port = urlsplit(sandbox.base_url).hostname, urlsplit(sandbox.base_url).port
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(line + b"\r\n\r\n")
        answer = connection.recv(65536)
    assert answer.startswith(b"HTTP/1."), answer[:100]
    assert answer.split(b" ", 2)[1] in (b"400", b"414", b"505")


def test_the_receiver_always_answers_an_id_too_long_to_deduplicate_or_a_store_that_failed(
    tmp_path: Path,
) -> None:
    from faraday_webhooks.dedupe import Deduplicator, SQLiteStore

    long_id = "msg_" + "x" * 2000  # a signature over it verifies; no store could keep it
    headers = {"svix-id": long_id, "svix-timestamp": str(int(time.time())), "svix-signature": ""}
    signed = fw.sign_webhook(MESSAGE, SECRET, msg_id="msg_1")
    headers["svix-signature"] = signed["svix-signature"]
    store = SQLiteStore(tmp_path / "claims.sqlite3")
    with WebhookReceiver(secret=SECRET, dedupe=Deduplicator(store)) as receiver:
        refused = httpx.post(receiver.url, content=MESSAGE, headers=headers, timeout=10)
        store.close()  # the store fails from here on
        failed = httpx.post(receiver.url, content=MESSAGE, headers=signed, timeout=10)
    assert refused.status_code == 400
    assert "invalid_message_id" in refused.text or "id header" in refused.text
    assert failed.status_code == 500  # answered: Faraday retries
