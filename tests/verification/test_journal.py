"""faraday_webhooks.journal and Receiver.replay: what a receiver keeps, and the recovery it
allows after a handler bug or an outage longer than Svix's retries, on SQLite and on a
real PostgreSQL started by the tests."""

from __future__ import annotations

import asyncio
import datetime
import io
import sqlite3
import threading
import time
import uuid
import wsgiref.simple_server
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faraday_webhooks as fw
import pytest
from faraday_webhooks.dedupe import Deduplicator, PostgresStore, SQLiteStore
from faraday_webhooks.journal import Journal, PostgresJournal, SQLiteJournal
from faraday_webhooks.receiver import Receiver
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, QuietWSGIServer, resource_message

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENGINES = ["sqlite", "postgres"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Journal, Any]]:
    """A fresh journal and dedupe store of one engine (their own tables each time)."""
    table = f"t_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        journal: Any = SQLiteJournal(tmp_path / "journal.sqlite3", table=f"{table}_journal")
        store: Any = SQLiteStore(tmp_path / "claims.sqlite3", table=f"{table}_claims")
    else:
        conninfo = request.getfixturevalue("postgres_conninfo")
        journal = PostgresJournal(conninfo, table=f"{table}_journal")
        store = PostgresStore(conninfo, table=f"{table}_claims")
    yield journal, store
    journal.close()
    store.close()


def delivery(kind: str = "resource.errored") -> tuple[bytes, dict[str, str]]:
    body = resource_message(kind, "2026-12-05T09:00:00Z")
    return body, fw.sign_webhook(body, SECRET)


def test_a_handler_fixed_after_100_failures_replays_each_failed_message_exactly_once(
    engine: tuple[Journal, Any],
) -> None:
    journal, store = engine
    receiver = Receiver(SECRET, dedupe=Deduplicator(store), journal=journal)
    calls: list[str] = []
    handled: dict[str, int] = {}

    @receiver.on("resource.errored")
    def changed(event: fw.ResourceEvent) -> None:
        calls.append(event.message_id or "")
        if len(calls) <= 100:  # the bug: the first 100 messages of the run fail
            raise RuntimeError("the handler's bug")
        handled[event.message_id or ""] = handled.get(event.message_id or "", 0) + 1

    outcomes = [receiver.handle(*delivery()) for _ in range(120)]
    failed = [o.message_id for o in outcomes if o.state == "failed"]
    assert [o.status for o in outcomes] == [500] * 100 + [204] * 20
    assert len(failed) == 100
    # Svix gave up (an outage longer than its schedule): only the journal has them now.
    recorded = journal.entries(state="failed", latest=True)
    assert [entry.message_id for entry in recorded] == failed
    assert {entry.error_type for entry in recorded} == {"RuntimeError"}
    assert {entry.error_message for entry in recorded} == {"the handler's bug"}

    replayed = receiver.replay()
    assert [outcome.message_id for outcome in replayed] == failed
    assert {outcome.state for outcome in replayed} == {"handled"}
    assert set(handled) == {*failed, *(o.message_id for o in outcomes[100:])}
    assert set(handled.values()) == {1}  # each exactly once
    assert receiver.replay() == []  # a second replay handles none
    # Everything again, without force: all duplicates, nothing run twice.
    again = receiver.replay(state=None)
    assert len(again) == 120
    assert {outcome.state for outcome in again} == {"duplicate"}
    assert set(handled.values()) == {1}
    assert len(calls) == 220


def test_dry_run_changes_nothing_and_force_runs_a_handled_message_again(
    engine: tuple[Journal, Any],
) -> None:
    journal, store = engine
    receiver = Receiver(SECRET, dedupe=Deduplicator(store), journal=journal)
    runs: list[str] = []
    broken = True

    @receiver.on_unknown
    def anything(event: fw.WebhookEvent) -> None:
        if broken:
            raise ValueError("not yet")
        runs.append(event.message_id or "")

    first = receiver.handle(*delivery("project.ready"))
    assert first.state == "failed"
    before = journal.entries()
    broken = False
    (pending,) = receiver.replay(dry_run=True)
    assert (pending.state, pending.status, pending.message_id) == ("pending", 202, first.message_id)
    assert pending.event is not None
    assert pending.event.type == "project.ready"
    assert runs == []
    assert journal.entries() == before
    (handled,) = receiver.replay(message_ids=[first.message_id or ""])
    assert handled.state == "handled"
    assert receiver.replay(state="handled")[0].state == "duplicate"
    # Its last record is now that duplicate: asked for by id, with force, it runs again.
    (forced,) = receiver.replay(state=None, message_ids=[first.message_id or ""], force=True)
    assert forced.state == "handled"
    assert runs == [first.message_id, first.message_id]
    states = [entry.state for entry in journal.entries(message_ids=[first.message_id or ""])]
    assert states == ["failed", "handled", "duplicate", "handled"]


def test_entries_filter_by_state_time_and_id_and_bodies_only_when_asked(
    engine: tuple[Journal, Any],
) -> None:
    journal, store = engine
    receiver = Receiver(SECRET, dedupe=Deduplicator(store), journal=journal)
    receiver.on("resource.errored")(lambda event: None)
    old_body, old_headers = delivery()
    old = receiver.handle(old_body, old_headers)
    time.sleep(0.05)
    middle = datetime.datetime.now(datetime.UTC)
    ignored = receiver.handle(*delivery("resource.ready_with_update"))
    duplicate = receiver.handle(old_body, old_headers)
    rejected = receiver.handle(*delivery()[:1], {})
    assert (old.state, ignored.state, duplicate.state, rejected.state) == (
        "handled",
        "ignored",
        "duplicate",
        "rejected",
    )
    everything = journal.entries()
    assert [e.state for e in everything] == ["handled", "ignored", "duplicate"]  # not rejected
    assert all(e.body is None for e in everything)
    assert everything[0].received_at.tzinfo is not None
    assert [e.state for e in journal.entries(since=middle)] == ["ignored", "duplicate"]
    assert [e.state for e in journal.entries(state="ignored")] == ["ignored"]
    (latest,) = journal.entries(message_ids=[old.message_id or ""], latest=True, bodies=True)
    assert (latest.state, latest.body) == ("duplicate", old_body)
    with pytest.raises(fw.InvalidRequestError, match="aware"):
        journal.entries(since=datetime.datetime(2026, 1, 1))
    with pytest.raises(fw.InvalidRequestError, match="state must be one of"):
        journal.entries(state="lost")  # type: ignore[arg-type]


def test_no_header_and_no_secret_is_kept(tmp_path: Path) -> None:
    journal = SQLiteJournal(tmp_path / "journal.sqlite3")
    receiver = Receiver(SECRET, journal=journal)
    receiver.on_unknown(lambda event: None)
    body, headers = delivery()
    assert receiver.handle(body, headers).state == "handled"
    journal.close()
    with sqlite3.connect(tmp_path / "journal.sqlite3") as connection:
        dumped = "\n".join(connection.iterdump())
    assert headers["svix-signature"] not in dumped
    assert SECRET.removeprefix("whsec_") not in dumped
    assert headers["svix-id"] in dumped  # the message id is what it keys on


def test_a_journal_that_cannot_record_answers_500_so_faraday_retries(tmp_path: Path) -> None:
    journal = SQLiteJournal(tmp_path / "journal.sqlite3")
    receiver = Receiver(SECRET, journal=journal)
    receiver.on_unknown(lambda event: None)
    with sqlite3.connect(tmp_path / "journal.sqlite3") as connection:
        connection.execute("DROP TABLE faraday_webhook_journal")
    outcome = receiver.handle(*delivery())
    assert (outcome.status, outcome.state) == (500, "failed")
    assert isinstance(outcome.error, fw.DedupeStoreError)
    assert "no such table" in str(outcome.error)


def test_prune_removes_only_what_is_older_than_the_retention(tmp_path: Path) -> None:
    journal = SQLiteJournal(tmp_path / "journal.sqlite3", retention=0.2)
    journal.record("msg_old", "resource.errored", b"{}", "handled")
    time.sleep(0.3)
    journal.record("msg_new", "resource.errored", b"{}", "handled")
    assert journal.prune() == 1
    assert [entry.message_id for entry in journal.entries()] == ["msg_new"]
    with pytest.raises(fw.InvalidRequestError, match="retention"):
        SQLiteJournal(tmp_path / "other.sqlite3", retention=float("inf"))


def test_an_async_handler_is_journaled_and_replayed_in_a_running_loop(tmp_path: Path) -> None:
    journal = SQLiteJournal(tmp_path / "journal.sqlite3")
    receiver = Receiver(SECRET, journal=journal)
    attempts: list[str] = []

    @receiver.on("resource.errored")
    async def changed(event: fw.ResourceEvent) -> None:
        attempts.append(event.message_id or "")
        if len(attempts) == 1:
            raise RuntimeError("first time")

    async def main() -> list[str]:
        outcome = await receiver.handle_async(*delivery())
        assert outcome.state == "failed"
        replayed = await receiver.replay_async()
        return [each.state for each in replayed]

    assert asyncio.run(main()) == ["handled"]
    assert [entry.state for entry in journal.entries()] == ["failed", "handled"]


def test_what_the_sandbox_delivered_is_journaled_byte_for_byte(tmp_path: Path) -> None:
    received: list[bytes] = []
    journal = SQLiteJournal(tmp_path / "journal.sqlite3")

    def keep_body(app: Any) -> Any:
        def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            received.append(body)
            environ["wsgi.input"] = io.BytesIO(body)
            return app(environ, start_response)

        return wrapped

    with Sandbox(api_keys=[API_KEY]) as sandbox:
        with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
            endpoint = client.webhooks.create(
                url="http://127.0.0.1:1/placeholder", enabled_events=["resource.errored"]
            )
        assert endpoint.secret is not None
        receiver = Receiver(endpoint.secret, journal=journal)
        receiver.on_unknown(lambda event: None)
        httpd = wsgiref.simple_server.make_server(
            "127.0.0.1", 0, keep_body(receiver.wsgi()), server_class=QuietWSGIServer
        )
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
        thread.start()
        try:
            with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
                client.webhooks.update(endpoint.id, url=f"http://127.0.0.1:{httpd.server_port}/h")
            (sent,) = sandbox.trigger("resource.errored")
            assert sent.ok, sent.error
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(10)
    (entry,) = journal.entries(bodies=True)
    assert (entry.message_id, entry.state, entry.event_type) == (
        sent.message_id,
        "handled",
        "resource.errored",
    )
    assert entry.body == received[0]
