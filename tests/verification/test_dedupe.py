"""faraday_webhooks.dedupe: each message processed once, against real engines.

Redis and PostgreSQL are real servers started for this module (tests/engines.py);
SQLite is a real file. No engine is mocked, and no store's test is skipped.
"""

from __future__ import annotations

import multiprocessing
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faraday_webhooks as fw
import pytest
import redis
from dedupe_workers import make_store, work
from engines import free_port, postgres_server, redis_server
from faraday_webhooks.dedupe import (
    DEFAULT_TTL,
    Deduplicator,
    MemoryStore,
    PostgresStore,
    RedisStore,
    SQLiteStore,
)

KINDS = ["memory", "sqlite", "redis", "postgres"]


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    with redis_server() as port:
        yield port


@pytest.fixture(scope="module")
def postgres_conninfo() -> Iterator[str]:
    with postgres_server() as conninfo:
        yield conninfo


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
    for worker in workers:
        worker.start()
    outcomes: Counter[tuple[str, str]] = Counter()
    handled: set[str] = set()
    deadline = time.monotonic() + 120
    try:
        while len(handled) < len(messages) and time.monotonic() < deadline:
            with_timeout = max(0.1, deadline - time.monotonic())
            try:
                outcome, message_id = results.get(timeout=min(with_timeout, 5))
            except queue.Empty:
                continue
            outcomes[(outcome, message_id)] += 1
            if outcome == "handled":
                handled.add(message_id)
        time.sleep(0.5)  # late duplicates of the last messages still come in
        while True:
            try:
                outcome, message_id = results.get(timeout=0.2)
            except queue.Empty:
                break
            outcomes[(outcome, message_id)] += 1
    finally:
        for _ in workers:
            deliveries.put(None)
        for worker in workers:
            worker.join(30)
            if worker.is_alive():
                worker.terminate()
    assert all(worker.exitcode == 0 for worker in workers)
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
