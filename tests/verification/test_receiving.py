"""faraday_webhooks.receiver: every answer of the table, through handle, handle_async, the
ASGI app under uvicorn and the WSGI app under wsgiref, over real sockets for the last two."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import wsgiref.simple_server
from collections.abc import Iterator
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
import uvicorn
from engines import free_port
from faraday_webhooks.dedupe import AsyncDeduplicator, Deduplicator, MemoryStore
from faraday_webhooks.receiver import Outcome, Receiver
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, QuietWSGIServer, resource_message

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_" + "b2xkc2VjcmV0b2xkc2VjcmV0b2xkc2VjcmV0MTIzNDU="
PATHS = ["handle", "handle_async", "asgi", "wsgi"]


def message(kind: str = "resource.errored") -> bytes:
    return resource_message(kind, "2024-09-26T14:27:05Z")


@contextlib.contextmanager
def served(receiver: Receiver, path: str) -> Iterator[str | None]:
    """The receiver behind a real server for "asgi" and "wsgi" (its URL), else nothing."""
    if path == "asgi":
        port = free_port()
        config = uvicorn.Config(receiver.asgi(), host="127.0.0.1", port=port, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}/hooks/faraday"
        finally:
            server.should_exit = True
            thread.join(10)
    elif path == "wsgi":

        class Quiet(wsgiref.simple_server.WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd = wsgiref.simple_server.make_server(
            "127.0.0.1", 0, receiver.wsgi(), handler_class=Quiet, server_class=QuietWSGIServer
        )
        thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_port}/any/path"
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(10)
    else:
        yield None


def deliver(
    receiver: Receiver, path: str, url: str | None, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any] | None]:
    """The status the receiver answers, and its JSON body (None for a 204)."""
    if path == "handle":
        outcome = receiver.handle(body, headers)
    elif path == "handle_async":
        outcome = asyncio.run(receiver.handle_async(body, headers))
    else:
        assert url is not None
        answer = httpx.post(url, content=body, headers=headers, timeout=20)
        return answer.status_code, (answer.json() if answer.content else None)
    assert isinstance(outcome, Outcome)
    return outcome.status, (json.loads(outcome.body()) if outcome.body() else None)


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_of_the_table(path: str) -> None:
    store = MemoryStore()
    receiver = Receiver([SECRET], dedupe=Deduplicator(store, lease=30), max_body=4096)
    calls: list[str] = []
    failures = {"resource.ready_with_update": 1}

    @receiver.on("resource.errored")
    def errored(event: fw.ResourceEvent) -> None:
        calls.append(f"errored {event.message_id}")

    @receiver.on("resource.ready_with_update")
    def ready(event: fw.ResourceEvent) -> None:
        if failures["resource.ready_with_update"]:
            failures["resource.ready_with_update"] -= 1
            raise RuntimeError("the first try fails")
        calls.append("ready")

    with served(receiver, path) as url:
        body = message()
        signed = fw.sign_webhook(body, SECRET, msg_id="msg_a")
        assert deliver(receiver, path, url, body, signed) == (204, None)  # handled
        assert deliver(receiver, path, url, body, signed) == (204, None)  # duplicate
        assert calls == ["errored msg_a"]  # the handler ran once

        unknown = message("billing.invoice_paid")
        assert deliver(receiver, path, url, unknown, fw.sign_webhook(unknown, SECRET)) == (
            204,
            None,
        )

        held = message()
        holder = Deduplicator(store, lease=30).claim("msg_held")
        assert holder.__enter__().state == "first"  # another worker holds it
        status, answer = deliver(
            receiver, path, url, held, fw.sign_webhook(held, SECRET, msg_id="msg_held")
        )
        assert (status, answer) == (409, {"state": "busy", "message_id": "msg_held"})
        holder.__exit__(None, None, None)

        failing = message("resource.ready_with_update")
        retried = fw.sign_webhook(failing, SECRET, msg_id="msg_fails_once")
        status, answer = deliver(receiver, path, url, failing, retried)
        assert (status, answer) == (500, {"state": "failed", "message_id": "msg_fails_once"})
        assert deliver(receiver, path, url, failing, retried) == (204, None)  # released: retried
        assert calls[-1] == "ready"

        forged = fw.sign_webhook(body, "whsec_" + "Zm9yZ2Vk" * 4, msg_id="msg_forged")
        status, answer = deliver(receiver, path, url, body, forged)
        assert (status, answer) == (
            400,
            {"state": "rejected", "message_id": None, "reason": "no_matching_signature"},
        )

        exact = body + b" " * (4096 - len(body))  # exactly max_body: accepted
        assert deliver(receiver, path, url, exact, fw.sign_webhook(exact, SECRET)) == (204, None)
        too_big = exact + b" "
        status, answer = deliver(receiver, path, url, too_big, fw.sign_webhook(too_big, SECRET))
        assert status == 413
        assert answer == {"state": "rejected", "message_id": None, "reason": "body_too_large"}
        if url is not None:
            refused = httpx.get(url, timeout=10)
            assert (refused.status_code, refused.headers["allow"]) == (405, "POST")


@pytest.mark.parametrize("path", PATHS)
def test_on_unknown_handles_every_other_type(path: str) -> None:
    receiver = Receiver(SECRET)
    seen: list[str] = []
    receiver.on_unknown(lambda event: seen.append(event.type))
    with served(receiver, path) as url:
        body = message("enrichment_job.skipped")
        assert deliver(receiver, path, url, body, fw.sign_webhook(body, SECRET)) == (204, None)
    assert seen == ["enrichment_job.skipped"]


def test_handle_refuses_an_async_handler_clearly_and_handle_async_awaits_it() -> None:
    receiver = Receiver(SECRET)
    seen: list[str] = []

    @receiver.on("resource.errored")
    async def errored(event: fw.WebhookEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.type)

    body = message()
    headers = fw.sign_webhook(body, SECRET)
    with pytest.raises(fw.InvalidRequestError, match="async: serve it with handle_async"):
        receiver.handle(body, headers)
    assert asyncio.run(receiver.handle_async(body, headers)).state == "handled"
    assert seen == ["resource.errored"]


def test_a_sync_handler_never_blocks_the_event_loop() -> None:
    receiver = Receiver(SECRET, dedupe=AsyncDeduplicator(MemoryStore()))

    @receiver.on("resource.errored")
    def slow(event: fw.WebhookEvent) -> None:
        time.sleep(0.5)

    async def main() -> tuple[str, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        running = asyncio.create_task(ticker())
        body = message()
        outcome = await receiver.handle_async(body, fw.sign_webhook(body, SECRET))
        running.cancel()
        return outcome.state, ticks

    state, ticks = asyncio.run(main())
    assert state == "handled"
    assert ticks >= 10  # the loop kept running while the handler slept in a thread


def test_an_interruption_releases_the_claim_and_propagates() -> None:
    store = MemoryStore()
    receiver = Receiver(SECRET, dedupe=Deduplicator(store))

    @receiver.on("resource.errored")
    def interrupted(event: fw.WebhookEvent) -> None:
        raise KeyboardInterrupt

    body = message()
    headers = fw.sign_webhook(body, SECRET, msg_id="msg_cut")
    with pytest.raises(KeyboardInterrupt):
        receiver.handle(body, headers)
    with Deduplicator(store).claim("msg_cut") as claim:
        assert claim.state == "first"  # released for Faraday's retry


def test_two_secrets_accept_both_and_say_which_verified() -> None:
    receiver = Receiver([SECRET, OLD_SECRET])
    receiver.on("resource.errored")(lambda event: None)
    body = message()
    new = receiver.handle(body, fw.sign_webhook(body, SECRET))
    old = receiver.handle(body, fw.sign_webhook(body, OLD_SECRET))
    assert (new.state, new.matched_secret) == ("handled", 0)
    assert (old.state, old.matched_secret) == ("handled", 1)


@pytest.mark.parametrize(
    ("arguments", "message_text"),
    [
        ({"secrets": []}, "at least one"),
        ({"secrets": ["whsec_not*base64"]}, r"secrets\[0\]"),
        ({"secrets": [SECRET, 5]}, r"secrets\[1\]"),
        ({"secrets": SECRET, "tolerance": float("nan")}, "tolerance"),
        ({"secrets": SECRET, "max_body": 0}, "max_body"),
        ({"secrets": SECRET, "dedupe": MemoryStore()}, "dedupe"),
    ],
)
def test_a_bad_argument_is_refused_at_construction_naming_it(
    arguments: dict[str, Any], message_text: str
) -> None:
    with pytest.raises(fw.InvalidRequestError, match=message_text) as caught:
        Receiver(**arguments)
    assert "not*base64" not in str(caught.value)  # a secret is never echoed


def test_a_rotation_loses_nothing_and_handles_each_event_once(tmp_path: Any) -> None:
    # The receiver holds the old secret; `rotate` makes the twin; the receiver is redeployed
    # with both secrets (each message now arrives twice, once per endpoint, with one id);
    # the old endpoint is deleted. 50 events across the phases, served by uvicorn.
    from faraday_webhooks.cli import main

    store = MemoryStore()  # survives the redeploy, as a shared store would
    handled: list[tuple[str, str]] = []
    outcomes: list[Outcome] = []
    deployed: dict[str, Receiver] = {}

    def deploy(secrets: list[str], phase: str) -> None:
        receiver = Receiver(secrets, dedupe=Deduplicator(store))
        receiver.on("resource.errored")(lambda event: handled.append((phase, event.message_id)))
        deployed["now"] = receiver

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        # The receiver deployed now, its outcomes kept to see which secret verified each.
        receiver = deployed["now"]
        if scope["type"] != "http":
            await receiver.asgi()(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        outcome = await receiver.handle_async(body, scope["headers"])
        outcomes.append(outcome)
        await send({"type": "http.response.start", "status": outcome.status, "headers": []})
        await send({"type": "http.response.body", "body": outcome.body()})

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    with Sandbox(api_keys=[API_KEY]) as sandbox:
        client = fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url)
        old = client.webhooks.create(
            url=f"http://127.0.0.1:{port}/hooks", enabled_events=["resource.errored"]
        )
        deploy([old.secret or ""], "before")
        thread.start()
        while not server.started:
            time.sleep(0.01)
        try:
            sent = [d for _ in range(15) for d in sandbox.trigger("resource.errored")]
            secret_file = tmp_path / "new-secret.txt"
            flags = ["--api-key", API_KEY, "--base-url", sandbox.base_url]
            assert main(["rotate", str(old.id), "--secret-file", str(secret_file), *flags]) == 0
            new_secret = secret_file.read_text().strip()
            deploy([new_secret, old.secret or ""], "during")  # the new one first
            sent += [d for _ in range(20) for d in sandbox.trigger("resource.errored")]
            assert main(["delete", str(old.id), *flags]) == 0
            deploy([new_secret], "after")
            sent += [d for _ in range(15) for d in sandbox.trigger("resource.errored")]
        finally:
            server.should_exit = True
            thread.join(10)
    assert all(delivery.ok for delivery in sent)  # nothing rejected, nothing retried
    assert len(sent) == 15 + 20 * 2 + 15  # during the overlap, two deliveries a message
    ids = [message_id for _, message_id in handled]
    assert len(ids) == len(set(ids)) == 50  # each of the 50 events handled once
    assert [phase for phase, _ in handled].count("during") == 20
    matched = [(o.state, o.matched_secret) for o in outcomes]
    assert set(matched[:15]) == {("handled", 0)}  # the old secret, alone
    during = matched[15:55]
    assert {secret for _, secret in during} == {0, 1}  # both secrets verified deliveries...
    assert sorted(state for state, _ in during).count("handled") == 20  # ...each message once
    assert set(matched[55:]) == {("handled", 0)}  # the new secret, alone


# -- exactly once across replicas: 4 receiver processes, one of them async ------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["postgres", "redis"])
def test_four_receiver_replicas_handle_every_message_exactly_once(
    kind: str, redis_port: int, postgres_conninfo: str
) -> None:
    import multiprocessing
    from collections import Counter

    from dedupe_workers import RECEIVER_SECRET, receive, run_workers

    where: Any = postgres_conninfo if kind == "postgres" else redis_port
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dedupe_workers"])
    deliveries: Any = context.Queue()
    results: Any = context.Queue()
    messages = [f"msg_replica_{kind}_{number:03d}" for number in range(200)]
    for message_id in messages:
        body = message()
        headers = fw.sign_webhook(body, RECEIVER_SECRET, msg_id=message_id)
        for _ in range(3):  # delivered three times, as retries and resends arrive
            deliveries.put((body, headers))
    workers = [
        context.Process(target=receive, args=(kind, where, deliveries, results, seed, seed == 0))
        for seed in range(4)
    ]
    outcomes = run_workers(workers, deliveries, results, messages, "handled", 120)
    # "handled" is reported twice per handled message: by the handler, and by the outcome.
    ran = Counter(m for (state, m), n in outcomes.items() for _ in range(n) if state == "handled")
    assert sorted(ran) == messages
    assert set(ran.values()) == {2}  # one handler run, one "handled" answer, per message
    failed = sum(n for (state, _), n in outcomes.items() if state == "failed")
    duplicates = sum(n for (state, _), n in outcomes.items() if state == "duplicate")
    assert failed > 0
    assert duplicates > 0
    print(f"{kind}: 200 handled once each by 4 replicas, {failed} failed and retried,")
    print(f"  {duplicates} duplicates answered 204")


def _recipe(marker: str) -> str:
    """The Python block of docs/verifying.md that holds ``marker``."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "verifying.md").read_text()
    blocks = [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]
    (found,) = [block for block in blocks if marker in block]
    return found


@pytest.mark.slow
def test_the_task_queue_recipe_hands_a_real_rq_worker_the_same_typed_event(
    tmp_path: Any, redis_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib
    import os
    import subprocess
    import sys
    from pathlib import Path

    import redis
    from rq import Queue
    from rq.job import Job

    redis.Redis(port=redis_port).flushall()
    (tmp_path / "faraday_tasks.py").write_text(_recipe("from rq import Queue"))
    url = f"redis://127.0.0.1:{redis_port}/0"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("FARADAY_WEBHOOK_SECRET", SECRET)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("faraday_tasks", None)
    tasks = importlib.import_module("faraday_tasks")
    bodies = [message(), message("resource.ready_with_update"), message("billing.invoice_paid")]
    expected = []
    for body in bodies:
        headers = fw.sign_webhook(body, SECRET)
        event = fw.verify_webhook(body, headers, SECRET)
        expected.append(f"{type(event).__name__} {event.type} {event.message_id}")
        assert tasks.receiver.handle(body, headers).state == "handled"
        assert tasks.receiver.handle(body, headers).state == "duplicate"  # not queued twice
    job_ids = Queue("faraday", connection=redis.Redis(port=redis_port)).job_ids
    assert len(job_ids) == 3
    worker = subprocess.run(
        [str(Path(sys.executable).parent / "rq"), "worker", "--burst", "--url", url, "faraday"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        },
        cwd=tmp_path,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    connection = redis.Redis(port=redis_port)
    results = [Job.fetch(job_id, connection=connection).return_value() for job_id in job_ids]
    assert results == expected  # ResourceEvent, ResourceEvent, WebhookEvent: as verified


def test_a_type_without_a_handler_is_ignored_with_an_async_deduplicator_too() -> None:
    receiver = Receiver(SECRET, dedupe=AsyncDeduplicator(MemoryStore()))
    body = message("billing.invoice_paid")
    outcome = asyncio.run(receiver.handle_async(body, fw.sign_webhook(body, SECRET)))
    assert (outcome.state, outcome.status) == ("ignored", 204)
