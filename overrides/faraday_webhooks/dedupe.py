"""Process each webhook message once, across threads, processes and hosts.

Faraday (through Svix) retries a delivery that did not get a 2xx in time, always
with the same message id, and a message can be resent by hand. A receiver that
acts on each verified ``event.message_id`` once claims it first::

    from faraday_webhooks import verify_webhook
    from faraday_webhooks.dedupe import Deduplicator, SQLiteStore

    dedupe = Deduplicator(SQLiteStore("/var/lib/hooks/dedupe.sqlite3"))

    def receive(body: bytes, headers) -> int:
        event = verify_webhook(body, headers, secret)
        with dedupe.claim(event.message_id) as claim:
            if claim.state == "duplicate":
                return 204        # done before: acknowledge, do nothing
            if claim.state == "busy":
                return 409        # another worker holds it now: Faraday retries later
            handle(event)         # an exception here releases the claim for the retry
        return 204

The three states:

- ``"first"``: this worker holds the message; leaving the block normally marks it
  done, leaving it by an exception releases it (Faraday's retry processes it).
- ``"duplicate"``: processed before (remembered for ``ttl``, 7 days by default:
  longer than Svix's whole retry schedule, about 28 hours, with room for a resend).
- ``"busy"``: another worker claimed it and has not finished; a claim whose holder
  died expires after ``lease`` seconds.

Stores, each claiming with one atomic operation of its engine:

- ``MemoryStore()``: one process (bounded);
- ``SQLiteStore(path)``: the processes of one host (``INSERT ... ON CONFLICT``);
- ``RedisStore(client)``: replicas on many hosts (``SET NX PX``; done and release by
  compare-and-set scripts), extra ``[redis]``;
- ``PostgresStore(conninfo)``: replicas on many hosts (``INSERT ... ON CONFLICT``,
  the table made if missing), extra ``[postgres]``.

A store that fails raises ``DedupeStoreError`` naming the engine, never a driver's
own exception; bad arguments raise ``InvalidRequestError``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, Literal, Protocol

import attrs

from ._validation import check_number
from .errors import DedupeStoreError, InvalidRequestError

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_TTL",
    "Claim",
    "ClaimState",
    "DedupeStore",
    "Deduplicator",
    "MemoryStore",
    "PostgresStore",
    "RedisStore",
    "SQLiteStore",
]

ClaimState = Literal["first", "duplicate", "busy"]
DEFAULT_TTL = 7 * 86_400.0  # seconds a done message is remembered
DEFAULT_LEASE = 60.0  # seconds a claim lasts if its holder never finishes
_MAX_ID_LENGTH = 1_000


class DedupeStore(Protocol):
    """What a store does; each method is one atomic operation of its engine."""

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        """Claim ``message_id`` for ``lease`` seconds under ``token``, unless it is done
        (``"duplicate"``) or claimed by a live holder (``"busy"``)."""

    def complete(self, message_id: str, token: str, ttl: float) -> None:
        """Mark done for ``ttl`` seconds, if ``token`` still holds the claim."""

    def release(self, message_id: str, token: str) -> None:
        """Forget the claim, if ``token`` still holds it."""

    def close(self) -> None:
        """Close the store's connections."""


@attrs.frozen
class Claim:
    """One worker's claim on a message: ``state`` says what to do with it."""

    message_id: str
    state: ClaimState


class Deduplicator:
    """Claims messages in a store, so each is processed once (see the module docstring).

    Example::

        dedupe = Deduplicator(MemoryStore())
        with dedupe.claim(event.message_id) as claim:
            if claim.state == "first":
                handle(event)
    """

    def __init__(
        self, store: DedupeStore, *, ttl: float = DEFAULT_TTL, lease: float = DEFAULT_LEASE
    ) -> None:
        for name in ("acquire", "complete", "release"):
            if not callable(getattr(store, name, None)):
                raise InvalidRequestError(
                    f"store must be a dedupe store (MemoryStore, SQLiteStore, RedisStore, "
                    f"PostgresStore), not {type(store).__name__}"
                )
        self.store = store
        self.ttl: float = _seconds(ttl, "ttl")
        self.lease: float = _seconds(lease, "lease")

    def __repr__(self) -> str:
        return f"Deduplicator({type(self.store).__name__}, ttl={self.ttl:g}, lease={self.lease:g})"

    @contextlib.contextmanager
    def claim(self, message_id: str) -> Iterator[Claim]:
        """Claim ``message_id`` for the block; done when it ends, released if it raises."""
        _check_message_id(message_id)
        token = os.urandom(16).hex()
        state = self.store.acquire(message_id, token, self.lease)
        claim = Claim(message_id, state)
        if state != "first":
            yield claim
            return
        try:
            yield claim
        except BaseException:
            self.store.release(message_id, token)
            raise
        self.store.complete(message_id, token, self.ttl)


def _seconds(value: Any, name: str) -> float:
    if check_number(value, name=name, maximum=10 * 365 * 86_400.0) <= 0:
        raise InvalidRequestError(f"{name} must be a number of seconds above 0, got {value!r}")
    return float(value)


def _check_message_id(message_id: Any) -> None:
    if not isinstance(message_id, str) or not message_id:
        raise InvalidRequestError(
            f"message_id must be a non-empty str (event.message_id), not {message_id!r}"
        )
    if len(message_id) > _MAX_ID_LENGTH or not message_id.isprintable():
        raise InvalidRequestError(
            f"message_id must be printable and at most {_MAX_ID_LENGTH} characters"
        )


# -- one process ------------------------------------------------------------------------


class MemoryStore:
    """Claims in this process's memory: threads of one process, and tests.

    Bounded: past ``max_messages`` the oldest entries are forgotten first.
    """

    def __init__(self, *, max_messages: int = 100_000) -> None:
        self.max_messages: int = int(
            check_number(max_messages, name="max_messages", whole=True, maximum=10**9)
        )
        # message id -> (token, or None when done; when the entry expires)
        self._entries: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(message_id)
            if found is not None and found[1] > now:
                return "duplicate" if found[0] is None else "busy"
            self._entries[message_id] = (token, now + lease)
            self._entries.move_to_end(message_id)
            while len(self._entries) > self.max_messages:
                self._entries.popitem(last=False)
        return "first"

    def complete(self, message_id: str, token: str, ttl: float) -> None:
        with self._lock:
            found = self._entries.get(message_id)
            if found is not None and found[0] == token:
                self._entries[message_id] = (None, time.monotonic() + ttl)

    def release(self, message_id: str, token: str) -> None:
        with self._lock:
            found = self._entries.get(message_id)
            if found is not None and found[0] == token:
                del self._entries[message_id]

    def close(self) -> None:
        """Nothing to close: the entries go with the process."""


# -- SQL: SQLite for one host, PostgreSQL for many ------------------------------------------

# One statement claims: a new id is inserted; an expired entry (a dead holder's claim, or
# a done message past its ttl) is taken over; anything else is left, and RETURNING says
# whose the row is now.
_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    message_id TEXT PRIMARY KEY,
    token TEXT,
    expires_at REAL NOT NULL
)"""
_SQLITE_ACQUIRE = """
INSERT INTO {table} (message_id, token, expires_at) VALUES (?, ?, ?)
ON CONFLICT (message_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
    WHERE {table}.expires_at <= ?
RETURNING token"""
_SQLITE_STATE = "SELECT token FROM {table} WHERE message_id = ?"
_SQLITE_COMPLETE = (
    "UPDATE {table} SET token = NULL, expires_at = ? WHERE message_id = ? AND token = ?"
)
_SQLITE_RELEASE = "DELETE FROM {table} WHERE message_id = ? AND token = ?"


def _table_name(table: Any) -> str:
    if not isinstance(table, str) or not table.isidentifier() or len(table) > 63:
        raise InvalidRequestError(f"table must be a plain SQL identifier, not {table!r}")
    return table


@contextlib.contextmanager
def _engine_errors(driver_errors: Any, engine: str) -> Iterator[None]:
    """A driver's exception as one ``DedupeStoreError`` naming the engine: the first line
    of its text, bounded (a driver may quote its connection string further on)."""
    try:
        yield
    except driver_errors as problem:
        first = (str(problem).splitlines() or [""])[0][:200]
        raise DedupeStoreError(f"{engine} store: {type(problem).__name__}: {first}") from None


class SQLiteStore:
    """Claims in a SQLite file: every process of one host (WAL mode, a busy timeout).

    Example::

        dedupe = Deduplicator(SQLiteStore("/var/lib/hooks/dedupe.sqlite3"))
    """

    def __init__(
        self, path: str | os.PathLike[str], *, table: str = "faraday_webhook_claims"
    ) -> None:
        self.table: str = _table_name(table)
        self.path: str = os.fspath(path)
        self._local = threading.local()  # a sqlite3 connection belongs to one thread
        self._closed = False
        with _engine_errors(sqlite3.Error, f"SQLite {self.path!r}"):
            connection = self._connection()
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SQLITE_SCHEMA.format(table=self.table))

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise sqlite3.ProgrammingError("the store is closed")
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            # autocommit: each statement is its own transaction; wait for other writers.
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        now = time.time()
        with _engine_errors(sqlite3.Error, f"SQLite {self.path!r}"):
            connection = self._connection()
            row = connection.execute(
                _SQLITE_ACQUIRE.format(table=self.table), (message_id, token, now + lease, now)
            ).fetchone()
            if row is not None and row[0] == token:
                return "first"
            state = connection.execute(
                _SQLITE_STATE.format(table=self.table), (message_id,)
            ).fetchone()
        return "duplicate" if state is not None and state[0] is None else "busy"

    def complete(self, message_id: str, token: str, ttl: float) -> None:
        with _engine_errors(sqlite3.Error, f"SQLite {self.path!r}"):
            self._connection().execute(
                _SQLITE_COMPLETE.format(table=self.table), (time.time() + ttl, message_id, token)
            )

    def release(self, message_id: str, token: str) -> None:
        with _engine_errors(sqlite3.Error, f"SQLite {self.path!r}"):
            self._connection().execute(
                _SQLITE_RELEASE.format(table=self.table), (message_id, token)
            )

    def close(self) -> None:
        """Close this thread's connection; the store takes no more claims."""
        self._closed = True
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


_POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    message_id TEXT PRIMARY KEY,
    token TEXT,
    expires_at TIMESTAMPTZ NOT NULL
)"""
_POSTGRES_ACQUIRE = """
INSERT INTO {table} AS claims (message_id, token, expires_at)
VALUES (%s, %s, clock_timestamp() + make_interval(secs => %s))
ON CONFLICT (message_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
    WHERE claims.expires_at <= clock_timestamp()
RETURNING token"""
_POSTGRES_STATE = "SELECT token FROM {table} WHERE message_id = %s"
_POSTGRES_COMPLETE = """
UPDATE {table} SET token = NULL, expires_at = clock_timestamp() + make_interval(secs => %s)
WHERE message_id = %s AND token = %s"""
_POSTGRES_RELEASE = "DELETE FROM {table} WHERE message_id = %s AND token = %s"


class PostgresStore:
    """Claims in PostgreSQL: replicas on many hosts. Needs the ``postgres`` extra (psycopg 3).

    ``conninfo`` is a libpq connection string; the table is created if missing. One
    connection per store, used by one thread at a time (psycopg's own lock).

    Example::

        dedupe = Deduplicator(PostgresStore("postgresql://hooks@db.internal/hooks"))
    """

    def __init__(self, conninfo: str, *, table: str = "faraday_webhook_claims") -> None:
        self.table: str = _table_name(table)
        try:
            import psycopg  # the optional extra: only this store needs it
        except ImportError:
            raise DedupeStoreError(
                "PostgresStore needs psycopg: pip install 'faraday-webhooks[postgres]'"
            ) from None
        self._psycopg = psycopg
        with _engine_errors(self._psycopg.Error, "PostgreSQL"):
            self._connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
            try:
                self._connection.execute(_POSTGRES_SCHEMA.format(table=self.table).encode())
            except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
                pass  # another replica made the table at the same moment
            except BaseException:
                self._connection.close()
                raise

    def __repr__(self) -> str:
        return f"PostgresStore(table={self.table!r})"

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        with _engine_errors(self._psycopg.Error, "PostgreSQL"):
            row = self._connection.execute(
                _POSTGRES_ACQUIRE.format(table=self.table).encode(), (message_id, token, lease)
            ).fetchone()
            if row is not None and row[0] == token:
                return "first"
            state = self._connection.execute(
                _POSTGRES_STATE.format(table=self.table).encode(), (message_id,)
            ).fetchone()
        return "duplicate" if state is not None and state[0] is None else "busy"

    def complete(self, message_id: str, token: str, ttl: float) -> None:
        with _engine_errors(self._psycopg.Error, "PostgreSQL"):
            self._connection.execute(
                _POSTGRES_COMPLETE.format(table=self.table).encode(), (ttl, message_id, token)
            )

    def release(self, message_id: str, token: str) -> None:
        with _engine_errors(self._psycopg.Error, "PostgreSQL"):
            self._connection.execute(
                _POSTGRES_RELEASE.format(table=self.table).encode(), (message_id, token)
            )

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


# -- Redis ------------------------------------------------------------------------------------

_DONE = "done"
# Compare-and-set: only the holder of the claim may mark it done or release it.
_REDIS_COMPLETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return nil"""
_REDIS_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0"""


class RedisStore:
    """Claims in Redis: replicas on many hosts. Takes a ``redis.Redis`` (the ``redis`` extra).

    Example::

        import redis

        dedupe = Deduplicator(RedisStore(redis.Redis(host="cache.internal")))
    """

    def __init__(self, client: Any, *, prefix: str = "faraday-webhooks:claim:") -> None:
        try:
            import redis  # the optional extra: only this store needs it
        except ImportError:
            raise DedupeStoreError(
                "RedisStore needs redis-py: pip install 'faraday-webhooks[redis]'"
            ) from None
        if not isinstance(client, redis.Redis):
            raise InvalidRequestError(f"client must be a redis.Redis, not {type(client).__name__}")
        self._redis_error = redis.RedisError
        self.client = client
        self.prefix = prefix
        self._complete = client.register_script(_REDIS_COMPLETE)
        self._release = client.register_script(_REDIS_RELEASE)

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        key = self.prefix + message_id
        with _engine_errors(self._redis_error, "Redis"):
            if self.client.set(key, token, nx=True, px=max(1, int(lease * 1000))):
                return "first"
            held = self.client.get(key)
        if held is None:  # expired between the two calls: claim again
            return self.acquire(message_id, token, lease)
        return "duplicate" if held in (_DONE, _DONE.encode()) else "busy"

    def complete(self, message_id: str, token: str, ttl: float) -> None:
        with _engine_errors(self._redis_error, "Redis"):
            self._complete(keys=[self.prefix + message_id], args=[token, _DONE, int(ttl * 1000)])

    def release(self, message_id: str, token: str) -> None:
        with _engine_errors(self._redis_error, "Redis"):
            self._release(keys=[self.prefix + message_id], args=[token])

    def close(self) -> None:
        """Close the client's connections (the client is yours: this only closes them)."""
        self.client.close()
