"""faraday_webhooks.dedupe: each message processed once, against real engines.

Redis and PostgreSQL are real servers started for this module (tests/engines.py);
SQLite is a real file. No engine is mocked, and no store's test is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import subprocess
import sys
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faraday_webhooks as fw
import pytest
import redis
import redis.asyncio
from dedupe_workers import make_store, run_workers, work, work_slowly
from engines import free_port
from faraday_webhooks.dedupe import (
    DEFAULT_TTL,
    Deduplicator,
    MemoryStore,
    PostgresStore,
    RedisStore,
    Renewer,
    SQLiteStore,
)

KINDS = ["memory", "sqlite", "redis", "postgres"]


@pytest.fixture
def where(
    request: pytest.FixtureRequest, tmp_path: Path, redis_port: int, postgres_conninfo: str
) -> Any:
    kind = request.param
    if kind == "sqlite":
        return tmp_path / "claims.sqlite3"
    if kind == "redis":
        redis.Redis(port=redis_port).flushall()
        return redis_port
    if kind == "postgres":
        import psycopg

        with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
            connection.execute("DROP TABLE IF EXISTS faraday_webhook_claims")
        return postgres_conninfo
    return None


_OPEN: list[Any] = []


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def store_for(kind: str, where: Any) -> Any:
    store = MemoryStore() if kind == "memory" else make_store(kind, where)
    _OPEN.append(store)
    return store


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_first_duplicate_busy_and_release(kind: str, where: Any) -> None:
    store = store_for(kind, where)
    dedupe = Deduplicator(store, lease=30)
    with dedupe.claim("msg_1") as first:
        assert first.state == "first"
        with Deduplicator(store).claim("msg_1") as other:
            assert other.state == "busy"  # held by the first, who has not finished
    with dedupe.claim("msg_1") as again:
        assert again.state == "duplicate"

    def crashing_handler() -> None:
        with dedupe.claim("msg_2") as failing:
            assert failing.state == "first"
            raise RuntimeError("the handler crashed")

    with pytest.raises(RuntimeError):
        crashing_handler()
    with dedupe.claim("msg_2") as retried:
        assert retried.state == "first"  # released: Faraday's retry processes it


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_a_dead_holders_claim_expires_after_the_lease(kind: str, where: Any) -> None:
    store = store_for(kind, where)
    # A lease long enough that a stalled CI machine still sees it held, then outlived.
    assert store.acquire("msg_dead", "holder-that-died", 1.0) == "first"
    assert Deduplicator(store).claim("msg_dead").__enter__().state == "busy"
    time.sleep(1.2)
    with Deduplicator(store).claim("msg_dead") as claim:
        assert claim.state == "first"


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_a_done_message_is_forgotten_after_its_ttl(kind: str, where: Any) -> None:
    dedupe = Deduplicator(store_for(kind, where), ttl=1.0)
    with dedupe.claim("msg_old"):
        pass
    with dedupe.claim("msg_old") as claim:
        assert claim.state == "duplicate"
    time.sleep(1.2)
    with dedupe.claim("msg_old") as claim:
        assert claim.state == "first"


def test_the_default_ttl_outlasts_svixs_whole_retry_schedule() -> None:
    schedule = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    assert sum(schedule) < 29 * 3600 < DEFAULT_TTL
    assert Deduplicator(MemoryStore()).ttl == 7 * 86_400


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"ttl": 0}, "ttl"),
        ({"ttl": -5}, "ttl"),
        ({"lease": float("nan")}, "lease"),
        ({"lease": "60"}, "lease"),
    ],
)
def test_bad_settings_are_refused(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(fw.InvalidRequestError, match=message):
        Deduplicator(MemoryStore(), **arguments)
    with pytest.raises(fw.InvalidRequestError, match="store"):
        Deduplicator(object())  # type: ignore[arg-type]


@pytest.mark.parametrize("message_id", ["", None, 5, b"msg", "x" * 2000, "bad\nid"])
def test_bad_message_ids_are_refused(message_id: Any) -> None:
    with (
        pytest.raises(fw.InvalidRequestError, match="message_id"),
        Deduplicator(MemoryStore()).claim(message_id),
    ):
        pass


def test_an_engine_that_is_down_raises_one_error_naming_it(tmp_path: Path) -> None:
    down = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    with (
        pytest.raises(fw.DedupeStoreError, match="Redis"),
        Deduplicator(RedisStore(down)).claim("msg"),
    ):
        pass
    with pytest.raises(fw.DedupeStoreError, match="PostgreSQL"):
        PostgresStore(f"host=127.0.0.1 port={free_port()} user=x connect_timeout=1")
    with pytest.raises(fw.DedupeStoreError, match="SQLite"):
        SQLiteStore(tmp_path / "missing-folder" / "claims.sqlite3")


@pytest.mark.parametrize(
    ("kind", "where"), [("sqlite", "sqlite"), ("postgres", "postgres")], indirect=["where"]
)
def test_a_closed_connection_raises_the_stores_error(kind: str, where: Any) -> None:
    store = store_for(kind, where)
    store.close()
    with pytest.raises(fw.DedupeStoreError), Deduplicator(store).claim("msg"):
        pass


def test_redis_store_takes_a_redis_client_only() -> None:
    with pytest.raises(fw.InvalidRequestError, match=r"redis\.Redis"):
        RedisStore("redis://localhost")


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_threads_racing_for_one_message_let_exactly_one_through(kind: str, where: Any) -> None:
    # One store per thread where the engine has connections (as workers would have).
    shared = store_for(kind, where) if kind in ("memory", "sqlite") else None
    dedupes = [Deduplicator(shared or store_for(kind, where)) for _ in range(16)]
    start = threading.Barrier(16, timeout=30)
    states: list[str] = []

    def race(dedupe: Deduplicator) -> None:
        start.wait()
        with dedupe.claim("msg_raced") as claim:
            states.append(claim.state)
            time.sleep(0.05)

    threads = [threading.Thread(target=race, args=(dedupe,)) for dedupe in dedupes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(states) == 16
    assert states.count("first") == 1, states
    assert set(states) <= {"first", "busy", "duplicate"}


# -- the proof: 8 processes, 200 messages, 3 deliveries each, 10% of handlers failing -----


@pytest.mark.parametrize(
    ("kind", "where"), [(k, k) for k in ("sqlite", "redis", "postgres")], indirect=["where"]
)
def test_eight_processes_handle_every_message_exactly_once(kind: str, where: Any) -> None:
    # forkserver: each worker is forked from one clean, single-threaded process that has
    # imported the workers' module once (spawn would start 8 interpreters from nothing;
    # a fork of this multi-threaded test process could deadlock).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dedupe_workers"])
    deliveries: Any = context.Queue()
    results: Any = context.Queue()
    messages = [f"msg_{number:03d}" for number in range(200)]
    for message_id in messages:
        for _ in range(3):  # delivered three times at once, as retries and resends arrive
            deliveries.put(message_id)
    where_arg = str(where) if isinstance(where, Path) else where
    workers = [
        context.Process(target=work, args=(kind, where_arg, deliveries, results, seed))
        for seed in range(8)
    ]
    outcomes = run_workers(workers, deliveries, results, messages, "handled", 120)
    handled_counts = Counter(
        message_id
        for (outcome, message_id), n in outcomes.items()
        for _ in range(n)
        if outcome == "handled"
    )
    assert sorted(handled_counts) == messages  # no message lost
    assert set(handled_counts.values()) == {1}  # none handled twice
    failures = sum(n for (outcome, _), n in outcomes.items() if outcome == "failed")
    duplicates = sum(n for (outcome, _), n in outcomes.items() if outcome == "duplicate")
    assert failures > 0, "the handlers were meant to fail now and then"
    assert duplicates > 0
    print(f"{kind}: 200 handled once each, {failures} failures retried, {duplicates} duplicates")


FORKED_STORE = """
import os, sys
from faraday_webhooks.dedupe import SQLiteStore

store = SQLiteStore(sys.argv[1])
assert store.acquire("before", "parent", 30) == "first"
child = os.fork()
if child == 0:
    os._exit(0 if store.acquire("in-child", "child", 30) == "first" else 1)
_, status = os.waitpid(child, 0)
assert os.waitstatus_to_exitcode(status) == 0, "the child could not claim"
assert store.acquire("in-child", "parent", 30) == "busy"
print("ok")
"""


def test_a_forked_sqlite_store_opens_its_own_connection(tmp_path: Path) -> None:
    # In a fresh interpreter with no threads: a fork of this test process may deadlock.
    result = subprocess.run(
        [sys.executable, "-c", FORKED_STORE, str(tmp_path / "claims.sqlite3")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "ok", result.stderr


# -- leases: a slow holder keeps its claim; a lost one is never reported done (#34) -------


def _another_store(kind: str, where: Any, store: Any) -> Any:
    """What another worker would use: its own connection, or (memory) the same store."""
    return store if kind == "memory" else store_for(kind, where)


def _expire(kind: str, where: Any, store: Any, message_id: str) -> None:
    """Make a held claim look as its engine shows an expired one, as if unrenewed."""
    if kind == "memory":
        token, _ = store._entries[message_id]
        store._entries[message_id] = (token, 0.0)
    elif kind == "sqlite":
        import sqlite3

        with contextlib.closing(sqlite3.connect(where, isolation_level=None)) as connection:
            connection.execute("UPDATE faraday_webhook_claims SET expires_at = 0")
    elif kind == "redis":
        redis.Redis(port=where).delete("faraday-webhooks:claim:" + message_id)
    else:
        import psycopg

        with psycopg.connect(where, autocommit=True) as connection:
            connection.execute(
                "UPDATE faraday_webhook_claims SET expires_at = now() - interval '1s'"
            )


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_a_holder_that_outlives_its_lease_keeps_its_claim(kind: str, where: Any) -> None:
    store = store_for(kind, where)
    dedupe, rival = Deduplicator(store, lease=0.6), Deduplicator(_another_store(kind, where, store))
    with dedupe.claim("msg_slow") as claim:
        assert claim.state == "first"
        for _ in range(4):  # 1.6 s in all: past the lease twice over, renewed all along
            time.sleep(0.4)
            with rival.claim("msg_slow") as other:
                assert other.state == "busy"
    with rival.claim("msg_slow") as other:
        assert other.state == "duplicate"


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_a_lost_claim_raises_claim_lost_instead_of_reporting_done(kind: str, where: Any) -> None:
    store = store_for(kind, where)
    rival = Deduplicator(_another_store(kind, where, store), lease=30)
    dedupe = Deduplicator(store, lease=30)

    def handle_while_the_claim_is_lost() -> None:
        with dedupe.claim("msg_lost") as claim:
            assert claim.state == "first"
            _expire(kind, where, store, "msg_lost")  # the lease ran out unrenewed...
            with rival.claim("msg_lost") as taken:  # ...and another worker took the message
                assert taken.state == "first"

    with pytest.raises(fw.ClaimLostError, match="msg_lost"):
        handle_while_the_claim_is_lost()
    assert isinstance(fw.ClaimLostError("x"), fw.DedupeStoreError)
    with rival.claim("msg_lost") as after:
        assert after.state == "duplicate"  # done once: by the worker that holds it


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_an_expired_claim_nobody_took_is_still_marked_done(kind: str, where: Any) -> None:
    # Redis once dropped this "done": its key had expired, so a resend ran again.
    store = store_for(kind, where)
    dedupe = Deduplicator(store, lease=30)
    with dedupe.claim("msg_late") as claim:
        assert claim.state == "first"
        _expire(kind, where, store, "msg_late")
    with Deduplicator(_another_store(kind, where, store)).claim("msg_late") as again:
        assert again.state == "duplicate"


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_an_interruption_survives_a_store_that_fails_to_release(
    tmp_path: Path, interruption: type[BaseException]
) -> None:
    store = SQLiteStore(tmp_path / "claims.sqlite3")

    def interrupted_handler() -> None:
        with Deduplicator(store).claim("msg_cut") as claim:
            assert claim.state == "first"
            store.close()  # the store goes away while the handler runs...
            raise interruption()  # ...and the process is told to stop

    with pytest.raises(interruption) as caught:
        interrupted_handler()
    notes = getattr(caught.value, "__notes__", [])
    assert any("not released" in note and "SQLite" in note for note in notes), notes


def test_a_cancelled_task_is_cancelled_even_when_the_release_fails(tmp_path: Path) -> None:
    import asyncio

    store = SQLiteStore(tmp_path / "claims.sqlite3")

    async def handler() -> None:
        with Deduplicator(store).claim("msg_task"):
            store.close()
            await asyncio.sleep(30)

    async def main() -> None:
        task = asyncio.create_task(handler())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"ttl": 0.0005}, "ttl"), ({"lease": 0.0009}, "lease"), ({"lease": 1e-9}, "lease")],
)
def test_a_ttl_or_lease_no_engine_can_keep_is_refused(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(fw.InvalidRequestError, match=f"{message} must be at least 0.001"):
        Deduplicator(MemoryStore(), **arguments)


@pytest.mark.parametrize(("kind", "where"), [(k, k) for k in KINDS], indirect=["where"])
def test_the_longest_id_verification_accepts_is_claimed_on_every_store(
    kind: str, where: Any
) -> None:
    # 1,000 bytes of 2-, 3- and 4-byte characters: PostgreSQL indexes every one of them.
    for message_id in ("é" * 500, "€" * 333 + "x", "\U0001f600" * 250):
        assert len(message_id.encode()) <= 1000
        dedupe = Deduplicator(store_for(kind, where))
        with dedupe.claim(message_id) as claim:
            assert claim.state == "first"
        with dedupe.claim(message_id) as claim:
            assert claim.state == "duplicate"
    with pytest.raises(fw.InvalidRequestError, match="1,000 bytes"):
        Deduplicator(MemoryStore()).claim("€" * 334).__enter__()


def test_stores_refuse_what_they_could_only_misread(tmp_path: Path) -> None:
    for path in (":memory:", "", tmp_path / "a\0b.sqlite3", 5):
        with pytest.raises(fw.InvalidRequestError, match="path"):
            SQLiteStore(path)  # type: ignore[arg-type]
    with pytest.raises(fw.InvalidRequestError, match="conninfo"):
        PostgresStore(b"host=127.0.0.1")  # type: ignore[arg-type]
    with pytest.raises(fw.InvalidRequestError, match="prefix"):
        RedisStore(redis.Redis(), prefix=b"claims:")  # type: ignore[arg-type]
    for bound in (0, -1):
        with pytest.raises(fw.InvalidRequestError, match="max_messages"):
            MemoryStore(max_messages=bound)


def test_a_postgres_store_opens_a_new_connection_after_the_database_ends_it(
    postgres_conninfo: str,
) -> None:
    import psycopg

    store = store_for("postgres", postgres_conninfo)
    dedupe = Deduplicator(store)
    with dedupe.claim("msg_before") as claim:
        assert claim.state == "first"
    # What a restart does to the store's session: the server ends it.
    with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND datname = current_database()"
        )
    outcomes: list[str] = []
    for attempt in range(3):
        try:
            with dedupe.claim(f"msg_after_{attempt}") as claim:
                outcomes.append(claim.state)
        except fw.DedupeStoreError:
            outcomes.append("failed")
    assert outcomes[-2:] == ["first", "first"], outcomes  # at most the first call fails


FORKED_POSTGRES = """
import os, sys
from faraday_webhooks.dedupe import Deduplicator, PostgresStore

store = PostgresStore(sys.argv[1])
dedupe = Deduplicator(store, lease=30)
with dedupe.claim("msg_parent_before") as claim:
    assert claim.state == "first"
children = []
for number in range(4):
    child = os.fork()
    if child == 0:
        # Each child claims its own messages while its siblings and the parent do too:
        # a shared connection would mix their answers, or hang.
        states = []
        for index in range(25):
            with dedupe.claim(f"msg_child_{number}_{index}") as claim:
                states.append(claim.state)
        os._exit(0 if states == ["first"] * 25 else 1)
    children.append(child)
parent_states = []
for index in range(25):
    with dedupe.claim(f"msg_parent_{index}") as claim:
        parent_states.append(claim.state)
codes = [os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) for child in children]
assert codes == [0, 0, 0, 0], codes
assert parent_states == ["first"] * 25, parent_states
with dedupe.claim("msg_child_2_7") as claim:
    assert claim.state == "duplicate", claim.state
print("ok")
"""


def test_a_forked_postgres_store_gives_each_process_its_own_connection(
    postgres_conninfo: str,
) -> None:
    import psycopg

    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS faraday_webhook_claims")
    # A fresh interpreter with no threads: a fork of this test process may deadlock.
    result = subprocess.run(
        [sys.executable, "-c", FORKED_POSTGRES, postgres_conninfo],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.stdout.strip() == "ok", result.stderr[-2000:]


# -- the lease proof: 4 processes, a lease of 1 s, handlers that sometimes take 3 s ------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "where"), [(k, k) for k in ("sqlite", "redis", "postgres")], indirect=["where"]
)
def test_slow_handlers_across_processes_are_run_once_and_never_reported_done_when_lost(
    kind: str, where: Any
) -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dedupe_workers"])
    deliveries: Any = context.Queue()
    results: Any = context.Queue()
    messages = [f"msg_slow_{number:02d}" for number in range(40)]
    for message_id in messages:
        for _ in range(3):
            deliveries.put(message_id)
    where_arg = str(where) if isinstance(where, Path) else where
    workers = [
        context.Process(target=work_slowly, args=(kind, where_arg, deliveries, results, seed))
        for seed in range(4)
    ]
    outcomes = run_workers(workers, deliveries, results, messages, "done", 150)
    handled = Counter(
        m for (outcome, m), n in outcomes.items() for _ in range(n) if outcome == "handled"
    )
    slow = sum(n for (outcome, _), n in outcomes.items() if outcome == "slow")
    lost = sum(n for (outcome, _), n in outcomes.items() if outcome == "lost")
    assert sorted(handled) == messages  # every message handled...
    assert set(handled.values()) == {1}  # ...once: no second worker ran a held message
    assert lost == 0  # and no worker was told "done" for a claim it had lost
    assert slow >= 2, "some handlers were meant to outlive the lease"
    print(f"{kind}: 40 handled once each, {slow} of them for 3 s with a 1 s lease")


def test_a_verified_event_is_claimed_by_the_id_that_was_signed() -> None:
    body = b'{"type": "resource.errored", "timestamp": "2024-09-26T14:27:05Z", "data": {}}'
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    event = fw.verify_webhook(body, fw.sign_webhook(body, secret, msg_id="msg_signed"), secret)
    dedupe = Deduplicator(MemoryStore())
    with dedupe.claim(event) as claim:  # typed: no `event.message_id or ""` needed
        assert claim.message_id == "msg_signed"
        assert claim.state == "first"
    with dedupe.claim("msg_signed") as again:
        assert again.state == "duplicate"
    unverified = fw.WebhookEvent("resource.errored", event.timestamp, {})
    with pytest.raises(fw.InvalidRequestError, match="message_id"), dedupe.claim(unverified):
        pass


# -- async stores: the drivers' async APIs, the same keys and table as the sync stores ---


def _async_store(kind: str, where: Any) -> Any:
    from faraday_webhooks.dedupe import AsyncPostgresStore, AsyncRedisStore

    if kind == "redis":
        return AsyncRedisStore(redis.asyncio.Redis(host="127.0.0.1", port=where))
    return AsyncPostgresStore(where)


ASYNC_KINDS = [(k, k) for k in ("redis", "postgres")]


@pytest.mark.parametrize(("kind", "where"), ASYNC_KINDS, indirect=["where"])
def test_an_async_store_claims_as_the_sync_one_does_and_shares_its_keys(
    kind: str, where: Any
) -> None:
    from faraday_webhooks.dedupe import AsyncDeduplicator

    sync_replica = Deduplicator(store_for(kind, where), lease=30)

    async def scenario() -> list[str]:
        store = _async_store(kind, where)
        dedupe = AsyncDeduplicator(store, lease=30)
        states: list[str] = []
        async with dedupe.claim("msg_async") as claim:
            states.append(claim.state)
            with sync_replica.claim("msg_async") as other:  # a sync replica, same engine
                states.append(other.state)
        async with dedupe.claim("msg_async") as again:
            states.append(again.state)

        async def failing_handler() -> None:
            async with dedupe.claim("msg_async_fails") as failing:
                states.append(failing.state)
                raise RuntimeError("the handler failed")

        with pytest.raises(RuntimeError):
            await failing_handler()
        async with dedupe.claim("msg_async_fails") as retried:
            states.append(retried.state)  # released for the retry
        await store.close()
        return states

    assert asyncio.run(scenario()) == ["first", "busy", "duplicate", "first", "first"]
    with sync_replica.claim("msg_async") as seen_by_sync:
        assert seen_by_sync.state == "duplicate"


@pytest.mark.parametrize(("kind", "where"), ASYNC_KINDS, indirect=["where"])
def test_an_async_holder_that_outlives_its_lease_keeps_its_claim(kind: str, where: Any) -> None:
    from faraday_webhooks.dedupe import AsyncDeduplicator

    rival = Deduplicator(store_for(kind, where))

    async def scenario() -> list[str]:
        store = _async_store(kind, where)
        states: list[str] = []
        async with AsyncDeduplicator(store, lease=0.6).claim("msg_async_slow") as claim:
            states.append(claim.state)
            for _ in range(4):  # 1.6 s: the lease twice over, renewed on this event loop
                await asyncio.sleep(0.4)
                with rival.claim("msg_async_slow") as other:
                    states.append(other.state)
        await store.close()
        return states

    assert asyncio.run(scenario()) == ["first", "busy", "busy", "busy", "busy"]
    with rival.claim("msg_async_slow") as after:
        assert after.state == "duplicate"


@pytest.mark.parametrize(("kind", "where"), ASYNC_KINDS, indirect=["where"])
def test_an_async_claim_lost_raises_and_a_cancelled_one_is_released(kind: str, where: Any) -> None:
    from faraday_webhooks.dedupe import AsyncDeduplicator

    sync_store = store_for(kind, where)
    rival = Deduplicator(store_for(kind, where), lease=30)

    async def scenario() -> None:
        store = _async_store(kind, where)
        dedupe = AsyncDeduplicator(store, lease=30)

        async def handler_that_loses_its_claim() -> None:
            async with dedupe.claim("msg_async_lost"):
                _expire(kind, where, sync_store, "msg_async_lost")
                with rival.claim("msg_async_lost") as taken:
                    assert taken.state == "first"

        with pytest.raises(fw.ClaimLostError):
            await handler_that_loses_its_claim()

        async def handler() -> None:
            async with dedupe.claim("msg_async_cancelled"):
                await asyncio.sleep(30)

        task = asyncio.create_task(handler())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with dedupe.claim("msg_async_cancelled") as retried:
            assert retried.state == "first"  # released although the task was cancelled
        await store.close()

    asyncio.run(scenario())


def test_async_stores_refuse_what_they_could_only_misread() -> None:
    from faraday_webhooks.dedupe import AsyncPostgresStore, AsyncRedisStore

    with pytest.raises(fw.InvalidRequestError, match=r"redis\.asyncio\.Redis"):
        AsyncRedisStore(redis.Redis())
    with pytest.raises(fw.InvalidRequestError, match="prefix"):
        AsyncRedisStore(redis.asyncio.Redis(), prefix=5)  # type: ignore[arg-type]
    with pytest.raises(fw.InvalidRequestError, match="conninfo"):
        AsyncPostgresStore(None)  # type: ignore[arg-type]


def test_one_renewal_that_raises_anything_leaves_the_other_claims_renewed() -> None:
    # An async claim's renewal runs on its event loop; a loop that is ending cancels the
    # call (asyncio.CancelledError, not an Exception). That once ended the renewer thread,
    # and with it the renewal of every other claim of the Deduplicator.
    renewer = Renewer(MemoryStore(), lease=0.15)
    renewed: list[float] = []

    def cancelled(message_id: str, token: str, lease: float) -> bool:
        raise asyncio.CancelledError

    def healthy(message_id: str, token: str, lease: float) -> bool:
        renewed.append(time.monotonic())
        return True

    renewer.hold("msg_cancelled", "token-1", cancelled)
    renewer.hold("msg_healthy", "token-2", healthy)
    deadline = time.monotonic() + 5
    while len(renewed) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    renewer.drop("token-1")
    renewer.drop("token-2")
    assert len(renewed) >= 4  # renewed again and again after the other renewal raised


def test_a_deduplicator_no_longer_used_keeps_no_thread_and_its_store_is_freed() -> None:
    # The renewer thread once ran for the life of the process, holding its store (and the
    # store's connections) for every Deduplicator ever used.
    def renewers() -> set[threading.Thread]:
        return {thread for thread in threading.enumerate() if thread.name == "faraday-renewer"}

    others = renewers()  # other tests' renewers, perhaps still ending
    stores = [MemoryStore() for _ in range(20)]
    freed = [weakref.ref(store) for store in stores]
    with contextlib.ExitStack() as held:
        for number, store in enumerate(stores):
            assert held.enter_context(Deduplicator(store).claim(f"msg_{number}")).state == "first"
        assert len(renewers() - others) == 20  # one each, while their claims run
    del stores, store
    deadline = time.monotonic() + 10
    while any(ref() is not None for ref in freed) and time.monotonic() < deadline:
        time.sleep(0.1)
        gc.collect()
    assert all(ref() is None for ref in freed)
    assert not renewers() - others
    # A Deduplicator whose thread ended when idle starts another for its next claim.
    dedupe = Deduplicator(MemoryStore(), lease=0.3)
    with dedupe.claim("msg_early"):
        (first,) = renewers() - others
    first.join(10)
    assert not first.is_alive()
    with dedupe.claim("msg_late"):
        time.sleep(0.7)  # more than twice the lease: only renewals keep it held
        assert dedupe.store.acquire("msg_late", "other", 1) == "busy"
        (second,) = renewers() - others
    assert second is not first
