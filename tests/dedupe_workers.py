"""Receiver worker processes for the exactly-once proofs in test_dedupe.py and
test_receiving.py, and ``run_workers``, which runs them and gathers what they report.

Each worker opens its own store connection, takes deliveries (message ids) from a
shared queue, and handles each as a receiver would: a claim, a handler that fails
one time in ten, and Faraday's retry (the delivery queued again) when the answer is
not a 2xx. Importable, so that ``spawn`` can start it in a fresh interpreter.
"""

from __future__ import annotations

import queue
import random
import time
from collections import Counter
from typing import Any

from faraday_webhooks.dedupe import Deduplicator, PostgresStore, RedisStore, SQLiteStore


def run_workers(
    workers: list[Any],
    deliveries: Any,
    results: Any,
    messages: list[str],
    until: str,
    seconds: float,
) -> Counter[tuple[str, str]]:
    """Start ``workers``, count each (outcome, message id) they put on ``results`` until
    every message has reported ``until`` (or ``seconds`` pass) and half a second more of
    late duplicates, then stop them; each must exit 0."""
    for worker in workers:
        worker.start()
    outcomes: Counter[tuple[str, str]] = Counter()
    reached: set[str] = set()
    deadline = time.monotonic() + seconds
    try:
        while len(reached) < len(messages) and time.monotonic() < deadline:
            try:
                outcome, message_id = results.get(timeout=1)
            except queue.Empty:
                continue
            outcomes[(outcome, message_id)] += 1
            if outcome == until:
                reached.add(message_id)
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
            worker.join(60)
            if worker.is_alive():
                worker.terminate()
    assert all(worker.exitcode == 0 for worker in workers)
    return outcomes


def make_store(kind: str, where: Any) -> Any:
    if kind == "sqlite":
        return SQLiteStore(where)
    if kind == "postgres":
        return PostgresStore(where)
    import redis

    return RedisStore(redis.Redis(host="127.0.0.1", port=where))


def work(kind: str, where: Any, deliveries: Any, results: Any, seed: int) -> None:
    """Handle deliveries until a ``None`` arrives; report each outcome on ``results``."""
    chance = random.Random(seed)
    store = make_store(kind, where)
    dedupe = Deduplicator(store, lease=5)
    while True:
        message_id = deliveries.get()
        if message_id is None:
            store.close()
            return
        try:
            with dedupe.claim(message_id) as claim:
                if claim.state == "first":
                    if chance.random() < 0.1:
                        raise RuntimeError("the handler failed")
                    results.put(("handled", message_id))
                elif claim.state == "busy":
                    time.sleep(0.005)
                    deliveries.put(message_id)  # non-2xx: Faraday retries later
                else:
                    results.put(("duplicate", message_id))
        except RuntimeError:
            results.put(("failed", message_id))
            deliveries.put(message_id)  # non-2xx: Faraday retries


def work_slowly(kind: str, where: Any, deliveries: Any, results: Any, seed: int) -> None:
    """Like ``work``, with a lease of 1 s and handlers that sometimes take 3 s; reports
    "handled" when a handler ran to its end, "done" when its claim was marked done, and
    "lost" when the store said the claim had been taken meanwhile."""
    from faraday_webhooks import ClaimLostError

    chance = random.Random(seed)
    store = make_store(kind, where)
    dedupe = Deduplicator(store, lease=1)
    while True:
        message_id = deliveries.get()
        if message_id is None:
            store.close()
            return
        try:
            with dedupe.claim(message_id) as claim:
                if claim.state == "first":
                    if chance.random() < 0.15:
                        results.put(("slow", message_id))
                        time.sleep(3)  # three leases: only renewal keeps the claim
                    results.put(("handled", message_id))
                elif claim.state == "busy":
                    time.sleep(0.05)
                    deliveries.put(message_id)  # non-2xx: Faraday retries later
                    continue
                else:
                    continue
            results.put(("done", message_id))
        except ClaimLostError:
            results.put(("lost", message_id))


RECEIVER_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def receive(
    kind: str, where: Any, deliveries: Any, results: Any, seed: int, use_async: bool
) -> None:
    """A receiver replica: answers signed deliveries (body, headers) from a shared queue with
    a ``Receiver``; a non-2xx answer puts the delivery back, as Faraday retries. One handler
    call in ten fails the first time it sees a message. With ``use_async``, the handler is
    ``async`` and runs through ``handle_async`` and an ``AsyncDeduplicator``."""
    import asyncio
    import logging

    from faraday_webhooks.dedupe import AsyncDeduplicator
    from faraday_webhooks.receiver import Receiver

    # The receiver logs each failed handler; the test counts them instead of printing them.
    logging.getLogger("faraday_webhooks").addHandler(logging.NullHandler())
    chance = random.Random(seed)
    store = make_store(kind, where)
    sync = Deduplicator(store, lease=5)
    receiver = Receiver(
        RECEIVER_SECRET, dedupe=AsyncDeduplicator.wrapping(sync) if use_async else sync
    )
    tried: set[str] = set()

    def work(event: Any) -> None:
        first = event.message_id not in tried
        tried.add(event.message_id)
        if first and chance.random() < 0.1:
            raise RuntimeError("the handler failed")
        results.put(("handled", event.message_id))

    async def work_async(event: Any) -> None:
        await asyncio.sleep(0)
        work(event)

    receiver.on("resource.errored")(work_async if use_async else work)
    loop = asyncio.new_event_loop() if use_async else None
    while True:
        delivery = deliveries.get()
        if delivery is None:
            store.close()
            if loop is not None:
                loop.close()
            return
        body, headers = delivery
        if loop is not None:
            outcome = loop.run_until_complete(receiver.handle_async(body, headers))
        else:
            outcome = receiver.handle(body, headers)
        results.put((outcome.state, outcome.message_id))
        if not 200 <= outcome.status < 300:
            if outcome.state == "busy":
                time.sleep(0.005)
            deliveries.put(delivery)  # non-2xx: Faraday retries
