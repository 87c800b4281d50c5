"""Process each webhook message once, across threads, processes and hosts.

Faraday (through Svix) retries a delivery that did not get a 2xx in time, always
with the same message id, and a message can be resent by hand. A receiver that
acts on each verified ``event.message_id`` once claims it first:

```python
from faraday_webhooks import verify_webhook
from faraday_webhooks.dedupe import Deduplicator, SQLiteStore

dedupe = Deduplicator(SQLiteStore("/var/lib/hooks/dedupe.sqlite3"))

def receive(body: bytes, headers: Mapping[str, str]) -> int:
    event = verify_webhook(body, headers, secret)
    with dedupe.claim(event) as claim:  # its verified message id
        if claim.state == "duplicate":
            return 204        # done before: acknowledge, do nothing
        if claim.state == "busy":
            return 409        # another worker holds it now: Faraday retries later
        handle(event)         # an exception here releases the claim for the retry
    return 204
```

The three states:

- ``"first"``: this worker holds the message; leaving the block normally marks it
  done, leaving it by an exception releases it (Faraday's retry processes it). While
  the block runs, the claim is renewed every third of ``lease`` (one thread per
  ``Deduplicator`` renews them all), so a slow handler keeps it. If it is lost anyway
  (the store unreachable for a whole lease, and another worker took the message),
  leaving the block raises ``ClaimLostError`` instead of marking it done.
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
own exception; bad arguments raise ``InvalidRequestError``, at construction. Every
store is safe to share across ``fork()``: a forked child opens its own connection.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sqlite3
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal, Protocol

import anyio
import anyio.from_thread
import anyio.lowlevel
import attrs

from ._validation import check_number, is_message_id
from .errors import ClaimLostError, DedupeStoreError, InvalidRequestError
from .events import WebhookEvent

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_TTL",
    "AsyncDeduplicator",
    "AsyncPostgresStore",
    "AsyncRedisStore",
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
DEFAULT_LEASE = 60.0  # seconds a claim lasts unrenewed (a holder that died)
# The shortest ttl or lease an engine stores: Redis keeps whole milliseconds.
MIN_SECONDS = 0.001
# How long a renewer thread waits for a claim before it ends (a new one costs ~0.1 ms).
IDLE_SECONDS = 1.0


class DedupeStore(Protocol):
    """What a store does; each method is one atomic operation of its engine."""

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        """Claim ``message_id`` for ``lease`` seconds under ``token``, unless it is done
        (``"duplicate"``) or claimed by a live holder (``"busy"``)."""

    def renew(self, message_id: str, token: str, lease: float) -> bool:
        """Extend the claim to ``lease`` seconds from now, if ``token`` still holds it."""

    def complete(self, message_id: str, token: str, ttl: float) -> bool:
        """Mark done for ``ttl`` seconds, if ``token`` still holds the claim (or held it
        and nobody has claimed the message since); whether it did."""

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

    Example:

    ```python
    dedupe = Deduplicator(MemoryStore())
    with dedupe.claim(event) as claim:  # or a message id you already hold
        if claim.state == "first":
            handle(event)
    ```
    """

    def __init__(
        self, store: DedupeStore, *, ttl: float = DEFAULT_TTL, lease: float = DEFAULT_LEASE
    ) -> None:
        for name in ("acquire", "renew", "complete", "release"):
            if not callable(getattr(store, name, None)):
                raise InvalidRequestError(
                    f"store must be a dedupe store (MemoryStore, SQLiteStore, RedisStore, "
                    f"PostgresStore), not {type(store).__name__}"
                )
        self.store = store
        self.ttl: float = _seconds(ttl, "ttl")
        self.lease: float = _seconds(lease, "lease")
        self._renewer = Renewer(store, self.lease)

    def __repr__(self) -> str:
        return f"Deduplicator({type(self.store).__name__}, ttl={self.ttl:g}, lease={self.lease:g})"

    @contextlib.contextmanager
    def claim(self, message: str | WebhookEvent) -> Iterator[Claim]:
        """Claim a message (a verified event, or its ``message_id``) for the block; done
        when it ends, released if it raises.

        ``ClaimLostError`` when the block ends after the claim was lost (see the module
        docstring). An exception leaving the block is never replaced by a store's: if the
        release fails too, that failure is added to it as a note.
        """
        message_id = check_message_id(
            message.message_id if isinstance(message, WebhookEvent) else message
        )
        token = os.urandom(16).hex()
        state = self.store.acquire(message_id, token, self.lease)
        if state != "first":
            yield Claim(message_id, state)
            return
        self._renewer.hold(message_id, token)
        try:
            yield Claim(message_id, state)
        except BaseException as error:  # KeyboardInterrupt and cancellation release it too
            self._renewer.drop(token)
            try:
                self.store.release(message_id, token)
            except DedupeStoreError as failure:
                error.add_note(f"faraday_webhooks: the claim was not released: {failure}")
            raise
        self._renewer.drop(token)
        if not self.store.complete(message_id, token, self.ttl):
            raise _lost(message_id)


class AsyncDeduplicator:
    """``Deduplicator`` for async code: the same claims, states and renewals. An async
    store (``AsyncRedisStore``, ``AsyncPostgresStore``) is awaited; a sync store's calls
    run in a worker thread, so the event loop never blocks on SQLite, Redis or PostgreSQL.
    The claim is released even when the task is cancelled.

    Example:

    ```python
    import redis.asyncio

    dedupe = AsyncDeduplicator(AsyncRedisStore(redis.asyncio.Redis(host="cache.internal")))
    async with dedupe.claim(event) as claim:
        if claim.state == "first":
            handle(event)
    ```
    """

    def __init__(
        self, store: Any, *, ttl: float = DEFAULT_TTL, lease: float = DEFAULT_LEASE
    ) -> None:
        self.sync: Deduplicator = Deduplicator(store, ttl=ttl, lease=lease)
        self.store: Any = (
            store if inspect.iscoroutinefunction(getattr(store, "acquire", None)) else None
        )

    @classmethod
    def wrapping(cls, sync: Deduplicator) -> AsyncDeduplicator:
        """The async face of a ``Deduplicator`` (the same store, ttl, lease and renewals)."""
        made = cls.__new__(cls)
        made.sync, made.store = sync, None
        return made

    def __repr__(self) -> str:
        return f"Async{self.sync!r}"

    @contextlib.asynccontextmanager
    async def claim(self, message: str | WebhookEvent) -> AsyncIterator[Claim]:
        """``Deduplicator.claim``, awaited (see there).

        Example:

        ```python
        dedupe = AsyncDeduplicator(AsyncPostgresStore("postgresql://hooks@db.internal/hooks"))
        async with dedupe.claim(event) as claim:
            if claim.state == "first":
                handle(event)
        ```
        """
        if self.store is None:  # a sync store, in a worker thread
            claiming = self.sync.claim(message)
            claim = await anyio.to_thread.run_sync(claiming.__enter__)
            try:
                yield claim
            except BaseException as error:
                with anyio.CancelScope(shield=True):  # a cancelled task still releases it
                    await anyio.to_thread.run_sync(
                        claiming.__exit__, type(error), error, error.__traceback__
                    )
                raise
            await anyio.to_thread.run_sync(claiming.__exit__, None, None, None)
            return
        store, sync = self.store, self.sync
        message_id = check_message_id(
            message.message_id if isinstance(message, WebhookEvent) else message
        )
        token = os.urandom(16).hex()
        state = await store.acquire(message_id, token, sync.lease)
        if state != "first":
            yield Claim(message_id, state)
            return
        # The renewer thread renews it on this event loop, where the store's connection lives.
        loop = anyio.lowlevel.current_token()
        sync._renewer.hold(
            message_id, token, lambda *args: anyio.from_thread.run(store.renew, *args, token=loop)
        )
        try:
            yield Claim(message_id, state)
        except BaseException as error:
            sync._renewer.drop(token)
            with anyio.CancelScope(shield=True):
                try:
                    await store.release(message_id, token)
                except DedupeStoreError as failure:
                    error.add_note(f"faraday_webhooks: the claim was not released: {failure}")
            raise
        sync._renewer.drop(token)
        if not await store.complete(message_id, token, sync.ttl):
            raise _lost(message_id)


# Objects that must start afresh in a forked child (a lock the parent held at the fork, a
# connection the parent still uses): each has a ``forked()`` method, run in the child.
_AFTER_FORK: weakref.WeakSet[Any] = weakref.WeakSet()
os.register_at_fork(after_in_child=lambda: [each.forked() for each in list(_AFTER_FORK)])


class Renewer:
    """Renews the claims of one ``Deduplicator`` while their blocks run: one daemon thread
    (in each process: a forked child starts its own), waking every third of the lease.
    The thread ends after a second with no claim held, so a Deduplicator no longer used
    keeps no thread, and its store can be collected; the next claim starts another.

    A renewal that fails (the store unreachable) is tried again at the next wake; one
    that finds the claim taken stops renewing it, and the block's end reports the loss.
    """

    def __init__(self, store: DedupeStore, lease: float) -> None:
        self.store: DedupeStore = store
        self.interval: float = lease / 3
        self.forked()
        _AFTER_FORK.add(self)

    def forked(self) -> None:
        """Start afresh (in a forked child: the parent's thread did not come along)."""
        # token -> (message id, next renewal, how to renew)
        self._held: dict[str, tuple[str, float, Callable[[str, str, float], bool]]] = {}
        self._changed = threading.Condition()
        self._running = False

    def hold(
        self, message_id: str, token: str, renew: Callable[[str, str, float], bool] | None = None
    ) -> None:
        """Renew this claim until ``drop``, with ``renew`` (the store's own, by default)."""
        with self._changed:
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="faraday-renewer", daemon=True).start()
            due = time.monotonic() + self.interval
            self._held[token] = (message_id, due, renew or self.store.renew)
            self._changed.notify()

    def drop(self, token: str) -> None:
        with self._changed:
            self._held.pop(token, None)
            self._changed.notify()  # with nothing held, the thread's idle second starts now

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._held and not self._changed.wait(IDLE_SECONDS) and not self._held:
                    self._running = False  # hold() starts a new thread
                    return
                now = time.monotonic()
                due = [(token, *held) for token, held in self._held.items() if held[1] <= now]
                if not due:
                    soonest = min((held[1] for held in self._held.values()), default=now)
                    self._changed.wait(soonest - now)
                    continue
                for token, message_id, _, renew in due:
                    self._held[token] = (message_id, now + self.interval, renew)
            for token, message_id, _, renew in due:
                try:
                    if not renew(message_id, token, self.interval * 3):
                        self.drop(token)  # taken: the block's end says so
                except BaseException:  # noqa: S110
                    # Whatever one renewal raises (its store unreachable, its event loop
                    # ending or cancelling the call) must not end the thread that renews
                    # every other claim: tried again at the next wake, and a claim that
                    # is lost meanwhile is reported at its block's end.
                    pass


def _lost(message_id: str) -> ClaimLostError:
    return ClaimLostError(
        f"the claim on message {message_id[:100]!r} was lost before its block ended "
        "(unrenewed past its lease, and claimed by another worker); it is not done"
    )


def _seconds(value: Any, name: str) -> float:
    if check_number(value, name=name, maximum=10 * 365 * 86_400.0) < MIN_SECONDS:
        raise InvalidRequestError(
            f"{name} must be at least {MIN_SECONDS:g} seconds (what every store can keep), "
            f"got {value!r}"
        )
    return float(value)


def check_message_id(message_id: Any) -> str:
    """``InvalidRequestError`` unless ``message_id`` is one (as verification reads them)."""
    if not is_message_id(message_id):
        shown = repr(message_id)[:100]
        raise InvalidRequestError(
            f"message_id must be printable text of 1 to 1,000 bytes (event.message_id), not {shown}"
        )
    return str(message_id)


# -- one process ------------------------------------------------------------------------


class MemoryStore:
    """Claims in this process's memory: threads of one process, and tests.

    Bounded: past ``max_messages`` the oldest entries are forgotten first.
    """

    def __init__(self, *, max_messages: int = 100_000) -> None:
        # At least one: a store that remembers nothing would turn deduplication off.
        self.max_messages: int = int(
            check_number(max_messages, name="max_messages", whole=True, minimum=1, maximum=10**9)
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

    def renew(self, message_id: str, token: str, lease: float) -> bool:
        with self._lock:
            found = self._entries.get(message_id)
            if found is None or found[0] != token:
                return False
            self._entries[message_id] = (token, time.monotonic() + lease)
            return True

    def complete(self, message_id: str, token: str, ttl: float) -> bool:
        with self._lock:
            found = self._entries.get(message_id)
            if found is None or found[0] != token:
                return False
            self._entries[message_id] = (None, time.monotonic() + ttl)
            return True

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
_SQLITE_RENEW = "UPDATE {table} SET expires_at = ? WHERE message_id = ? AND token = ?"
_SQLITE_COMPLETE = (
    "UPDATE {table} SET token = NULL, expires_at = ? WHERE message_id = ? AND token = ?"
)
_SQLITE_RELEASE = "DELETE FROM {table} WHERE message_id = ? AND token = ?"


def _driver(module: str, *, store: str) -> Any:
    """The optional extra's driver module, imported only by the store that needs it, or a
    ``DedupeStoreError`` saying how to install it."""
    package, extra = ("psycopg", "postgres") if module == "psycopg" else ("redis-py", "redis")
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DedupeStoreError(
            f"{store} needs {package}: pip install 'faraday-webhooks[{extra}]' "
            "--index-url https://<internal index>/simple/"
        ) from None


def _check_conninfo(conninfo: Any) -> str:
    if not isinstance(conninfo, str):
        raise InvalidRequestError(
            f"conninfo must be a libpq connection string, not {type(conninfo).__name__}"
        )
    return conninfo


def _check_prefix(prefix: Any) -> str:
    if not isinstance(prefix, str):
        raise InvalidRequestError(f"prefix must be a str, not {type(prefix).__name__}")
    return prefix


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


def _sqlite_path(path: Any) -> str:
    try:
        text = os.fspath(path)
    except TypeError:
        raise InvalidRequestError(f"path must be a file path, not {type(path).__name__}") from None
    if not isinstance(text, str) or text in ("", ":memory:") or "\0" in text:
        # An in-memory database is one per connection, so one per thread: no claim is shared.
        raise InvalidRequestError(
            "path must name a SQLite file (not ':memory:' or '', which every thread would see "
            "empty: use MemoryStore for one process), without NUL characters"
        )
    return text


class SQLiteConnection:
    """A SQLite file, one connection per thread and process (a ``sqlite3`` connection
    belongs to one thread), in autocommit and WAL mode with a busy timeout; every error
    a ``DedupeStoreError`` naming the file. Shared by ``SQLiteStore`` and the journal."""

    def __init__(
        self, path: str | os.PathLike[str], schema: str, *, synchronous: str = "FULL"
    ) -> None:
        self.path: str = _sqlite_path(path)
        self._synchronous = synchronous
        self._local = threading.local()
        self._closed = False
        with self.errors():
            self._connection().execute("PRAGMA journal_mode=WAL")
            self._connection().executescript(schema)

    def errors(self) -> contextlib.AbstractContextManager[None]:
        return _engine_errors(sqlite3.Error, f"SQLite {self.path!r}")

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise sqlite3.ProgrammingError("the store is closed")
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            # autocommit: each statement is its own transaction; wait for other writers.
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute(f"PRAGMA synchronous={self._synchronous}")  # per connection
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def execute(self, statement: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.errors():
            return self._connection().execute(statement, parameters)

    def close(self) -> None:
        """Close this thread's connection; no more statements run."""
        self._closed = True
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


class SQLiteStore:
    """Claims in a SQLite file: every process of one host (WAL mode, a busy timeout).

    Example:

    ```python
    dedupe = Deduplicator(SQLiteStore("/var/lib/hooks/dedupe.sqlite3"))
    ```
    """

    def __init__(
        self, path: str | os.PathLike[str], *, table: str = "faraday_webhook_claims"
    ) -> None:
        self.table: str = _table_name(table)
        self._sql = SQLiteConnection(path, _SQLITE_SCHEMA.format(table=self.table))
        self.path: str = self._sql.path

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        now = time.time()
        with self._sql.errors():
            row = self._sql.execute(
                _SQLITE_ACQUIRE.format(table=self.table), (message_id, token, now + lease, now)
            ).fetchone()
            if row is not None and row[0] == token:
                return "first"
            state = self._sql.execute(
                _SQLITE_STATE.format(table=self.table), (message_id,)
            ).fetchone()
        return "duplicate" if state is not None and state[0] is None else "busy"

    def renew(self, message_id: str, token: str, lease: float) -> bool:
        return self._update(_SQLITE_RENEW, time.time() + lease, message_id, token)

    def complete(self, message_id: str, token: str, ttl: float) -> bool:
        return self._update(_SQLITE_COMPLETE, time.time() + ttl, message_id, token)

    def _update(self, statement: str, *parameters: Any) -> bool:
        return self._sql.execute(statement.format(table=self.table), parameters).rowcount == 1

    def release(self, message_id: str, token: str) -> None:
        self._sql.execute(_SQLITE_RELEASE.format(table=self.table), (message_id, token))

    def close(self) -> None:
        """Close this thread's connection; the store takes no more claims."""
        self._sql.close()


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
_POSTGRES_RENEW = """
UPDATE {table} SET expires_at = clock_timestamp() + make_interval(secs => %s)
WHERE message_id = %s AND token = %s"""
_POSTGRES_COMPLETE = """
UPDATE {table} SET token = NULL, expires_at = clock_timestamp() + make_interval(secs => %s)
WHERE message_id = %s AND token = %s"""
_POSTGRES_RELEASE = "DELETE FROM {table} WHERE message_id = %s AND token = %s"


class PostgresConnection:
    """A PostgreSQL database through psycopg 3 (the ``postgres`` extra): one connection
    per process (a forked child opens its own, as gunicorn ``--preload`` and Celery
    prefork need), used by one thread at a time, and opened again on the next statement
    after the database restarts; every error a ``DedupeStoreError``. Shared by
    ``PostgresStore`` and the journal."""

    def __init__(self, conninfo: str, schema: str, *, user: str) -> None:
        conninfo = _check_conninfo(conninfo)
        psycopg: Any = _driver("psycopg", store=user)
        self.psycopg: Any = psycopg
        self._conninfo, self._closed = conninfo, False
        self._inherited: list[Any] = []  # a parent's connections: never used, never closed
        self._connection: Any = None
        self.forked()
        _AFTER_FORK.add(self)
        # Replicas starting together race to make the table: the losers' errors mean "made".
        errors = psycopg.errors
        made = (errors.UniqueViolation, errors.DuplicateTable, errors.DuplicateObject)
        with _engine_errors(psycopg.Error, "PostgreSQL"), contextlib.suppress(*made):
            self._connected().execute(schema.encode())

    def forked(self) -> None:
        """In a forked child: the parent's connection stays the parent's (closing it here
        would end the parent's session); the next call opens this process's own."""
        self._inherited.append(self._connection)
        self._connection = None
        self._lock = threading.Lock()

    def _connected(self) -> Any:
        with self._lock:
            if self._closed:
                raise self.psycopg.InterfaceError("the store is closed")
            connection = self._connection
            if connection is None or connection.closed or connection.broken:
                connection = self._connection = self.psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=10
                )
            return connection

    def execute(self, statement: str, parameters: Sequence[Any] = ()) -> Any:
        with _engine_errors(self.psycopg.Error, "PostgreSQL"):
            return self._connected().execute(statement.encode(), parameters)

    def close(self) -> None:
        """Close this process's connection; no more statements run."""
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.close()


class PostgresStore:
    """Claims in PostgreSQL: replicas on many hosts. Needs the ``postgres`` extra (psycopg 3).

    ``conninfo`` is a libpq connection string; the table is created if missing. One
    connection per store in each process (``PostgresConnection``).

    Example:

    ```python
    dedupe = Deduplicator(PostgresStore("postgresql://hooks@db.internal/hooks"))
    ```
    """

    def __init__(self, conninfo: str, *, table: str = "faraday_webhook_claims") -> None:
        self.table: str = _table_name(table)
        schema = _POSTGRES_SCHEMA.format(table=self.table)
        self._sql = PostgresConnection(conninfo, schema, user="PostgresStore")

    def __repr__(self) -> str:
        return f"PostgresStore(table={self.table!r})"

    def _execute(self, statement: str, parameters: tuple[Any, ...]) -> Any:
        return self._sql.execute(statement.format(table=self.table), parameters)

    def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        row = self._execute(_POSTGRES_ACQUIRE, (message_id, token, lease)).fetchone()
        if row is not None and row[0] == token:
            return "first"
        state = self._execute(_POSTGRES_STATE, (message_id,)).fetchone()
        return "duplicate" if state is not None and state[0] is None else "busy"

    def renew(self, message_id: str, token: str, lease: float) -> bool:
        return bool(self._execute(_POSTGRES_RENEW, (lease, message_id, token)).rowcount == 1)

    def complete(self, message_id: str, token: str, ttl: float) -> bool:
        return bool(self._execute(_POSTGRES_COMPLETE, (ttl, message_id, token)).rowcount == 1)

    def release(self, message_id: str, token: str) -> None:
        self._execute(_POSTGRES_RELEASE, (message_id, token))

    def close(self) -> None:
        """Close this process's connection; the store takes no more claims."""
        self._sql.close()


# -- Redis ------------------------------------------------------------------------------------

_DONE = "done"
# Compare-and-set: only the holder of the claim may mark it done or release it.
# A claim whose key expired while nobody else claimed the message is still the
# holder's to mark done (the SQL stores keep the expired row, and do the same).
_REDIS_COMPLETE = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] or held == false then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
end
return 0"""
_REDIS_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0"""
_REDIS_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0"""


class RedisStore:
    """Claims in Redis: replicas on many hosts. Takes a ``redis.Redis`` (the ``redis`` extra).

    Example:

    ```python
    import redis

    dedupe = Deduplicator(RedisStore(redis.Redis(host="cache.internal")))
    ```
    """

    def __init__(self, client: Any, *, prefix: str = "faraday-webhooks:claim:") -> None:
        redis = _driver("redis", store="RedisStore")
        if not isinstance(client, redis.Redis):
            raise InvalidRequestError(f"client must be a redis.Redis, not {type(client).__name__}")
        self.client: Any = client
        self.prefix: str = _check_prefix(prefix)
        self._redis_error = redis.RedisError
        self._renew = client.register_script(_REDIS_RENEW)
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

    def renew(self, message_id: str, token: str, lease: float) -> bool:
        with _engine_errors(self._redis_error, "Redis"):
            renewed = self._renew(keys=[self.prefix + message_id], args=[token, int(lease * 1000)])
        return bool(renewed)

    def complete(self, message_id: str, token: str, ttl: float) -> bool:
        with _engine_errors(self._redis_error, "Redis"):
            done = self._complete(
                keys=[self.prefix + message_id], args=[token, _DONE, int(ttl * 1000)]
            )
        return bool(done)

    def release(self, message_id: str, token: str) -> None:
        with _engine_errors(self._redis_error, "Redis"):
            self._release(keys=[self.prefix + message_id], args=[token])

    def close(self) -> None:
        """Close the client's connections (the client is yours: this only closes them)."""
        self.client.close()


# -- async stores: the same operations, keys and table, on the drivers' async APIs ------------


class AsyncRedisStore:
    """``RedisStore`` on ``redis.asyncio.Redis``, for ``AsyncDeduplicator``: the same keys,
    so async and sync replicas may share a Redis.

    Example:

    ```python
    import redis.asyncio

    dedupe = AsyncDeduplicator(AsyncRedisStore(redis.asyncio.Redis(host="cache.internal")))
    ```
    """

    def __init__(self, client: Any, *, prefix: str = "faraday-webhooks:claim:") -> None:
        redis = _driver("redis", store="AsyncRedisStore")
        redis_asyncio = _driver("redis.asyncio", store="AsyncRedisStore")
        if not isinstance(client, redis_asyncio.Redis):
            raise InvalidRequestError(
                f"client must be a redis.asyncio.Redis, not {type(client).__name__}"
            )
        self.client: Any = client
        self.prefix: str = _check_prefix(prefix)
        self._redis_error = redis.RedisError
        self._scripts = {
            name: client.register_script(script)
            for name, script in (("renew", _REDIS_RENEW), ("complete", _REDIS_COMPLETE))
        }
        self._scripts["release"] = client.register_script(_REDIS_RELEASE)

    def __repr__(self) -> str:
        return f"AsyncRedisStore(prefix={self.prefix!r})"

    async def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        key = self.prefix + message_id
        with _engine_errors(self._redis_error, "Redis"):
            if await self.client.set(key, token, nx=True, px=max(1, int(lease * 1000))):
                return "first"
            held = await self.client.get(key)
        if held is None:  # expired between the two calls: claim again
            return await self.acquire(message_id, token, lease)
        return "duplicate" if held in (_DONE, _DONE.encode()) else "busy"

    async def _script(self, name: str, message_id: str, *args: Any) -> bool:
        with _engine_errors(self._redis_error, "Redis"):
            return bool(await self._scripts[name](keys=[self.prefix + message_id], args=list(args)))

    async def renew(self, message_id: str, token: str, lease: float) -> bool:
        return await self._script("renew", message_id, token, int(lease * 1000))

    async def complete(self, message_id: str, token: str, ttl: float) -> bool:
        return await self._script("complete", message_id, token, _DONE, int(ttl * 1000))

    async def release(self, message_id: str, token: str) -> None:
        await self._script("release", message_id, token)

    async def close(self) -> None:
        """Close the client's connections (the client is yours: this only closes them)."""
        await self.client.aclose()


class AsyncPostgresStore:
    """``PostgresStore`` on psycopg's ``AsyncConnection``, for ``AsyncDeduplicator``: the
    same table, so async and sync replicas may share a database. The connection is opened
    at the first claim (and again after the database ends it).

    Example:

    ```python
    dedupe = AsyncDeduplicator(AsyncPostgresStore("postgresql://hooks@db.internal/hooks"))
    ```
    """

    def __init__(self, conninfo: str, *, table: str = "faraday_webhook_claims") -> None:
        self.table: str = _table_name(table)
        conninfo = _check_conninfo(conninfo)
        psycopg = _driver("psycopg", store="AsyncPostgresStore")
        self._psycopg, self._conninfo, self._closed = psycopg, conninfo, False
        self._connection: Any = None
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"AsyncPostgresStore(table={self.table!r})"

    async def _execute(self, statement: str, parameters: tuple[Any, ...]) -> Any:
        errors = self._psycopg.errors
        made = (errors.UniqueViolation, errors.DuplicateTable, errors.DuplicateObject)
        with _engine_errors(self._psycopg.Error, "PostgreSQL"):
            async with self._lock:
                if self._closed:
                    raise self._psycopg.InterfaceError("the store is closed")
                if self._connection is None or self._connection.closed or self._connection.broken:
                    self._connection = await self._psycopg.AsyncConnection.connect(
                        self._conninfo, autocommit=True, connect_timeout=10
                    )
                    with contextlib.suppress(*made):  # another replica made it meanwhile
                        await self._connection.execute(
                            _POSTGRES_SCHEMA.format(table=self.table).encode()
                        )
            return await self._connection.execute(
                statement.format(table=self.table).encode(), parameters
            )

    async def acquire(self, message_id: str, token: str, lease: float) -> ClaimState:
        row = await (await self._execute(_POSTGRES_ACQUIRE, (message_id, token, lease))).fetchone()
        if row is not None and row[0] == token:
            return "first"
        state = await (await self._execute(_POSTGRES_STATE, (message_id,))).fetchone()
        return "duplicate" if state is not None and state[0] is None else "busy"

    async def renew(self, message_id: str, token: str, lease: float) -> bool:
        return bool(
            (await self._execute(_POSTGRES_RENEW, (lease, message_id, token))).rowcount == 1
        )

    async def complete(self, message_id: str, token: str, ttl: float) -> bool:
        return bool(
            (await self._execute(_POSTGRES_COMPLETE, (ttl, message_id, token))).rowcount == 1
        )

    async def release(self, message_id: str, token: str) -> None:
        await self._execute(_POSTGRES_RELEASE, (message_id, token))

    async def close(self) -> None:
        """Close the connection; the store takes no more claims."""
        async with self._lock:
            self._closed = True
            if self._connection is not None:
                await self._connection.close()
