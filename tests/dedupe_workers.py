"""A receiver worker process for the exactly-once proof in test_dedupe.py.

Each worker opens its own store connection, takes deliveries (message ids) from a
shared queue, and handles each as a receiver would: a claim, a handler that fails
one time in ten, and Faraday's retry (the delivery queued again) when the answer is
not a 2xx. Importable, so that ``spawn`` can start it in a fresh interpreter.
"""

from __future__ import annotations

import random
import time
from typing import Any

from faraday_webhooks.dedupe import Deduplicator, PostgresStore, RedisStore, SQLiteStore


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
