"""A journal of the deliveries a ``Receiver`` verified, to replay from.

Faraday keeps no message history: after Svix's last retry (about 28 hours) a message is
gone unless the receiver kept it. A journal keeps each verified delivery (duplicates
included) with its raw body and what became of it, so that a handler bug that lived two
days, or an outage longer than the retry schedule, costs nothing: fix it, then
``receiver.replay()`` (or ``faraday-webhooks replay``).

```python
from faraday_webhooks.journal import SQLiteJournal

receiver = Receiver(secret, dedupe=dedupe, journal=SQLiteJournal("/var/lib/hooks/journal.db"))
...
receiver.replay(state="failed")  # every message whose last outcome was a failure
```

What a record holds: the message id, the event type, when it was received, the raw
body, the outcome (``handled``, ``duplicate``, ``ignored``, ``failed``) and, for a
failure, the exception's type and message. No headers and no secrets; a rejected
delivery is not kept. Records older than ``retention`` seconds (7 days by default, as
dedupe's ``ttl``) are removed by ``prune()``. The journal uses dedupe's engines (one
connection per thread for SQLite, per process for PostgreSQL) and creates its table if
it is missing; a failure raises ``DedupeStoreError`` naming the engine.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol

import attrs

from ._validation import check_number, is_message_id
from .dedupe import PostgresConnection, SQLiteConnection, _table_name
from .errors import InvalidRequestError

__all__ = [
    "DEFAULT_RETENTION",
    "Journal",
    "JournalEntry",
    "PostgresJournal",
    "SQLiteJournal",
]

JournalState = Literal["handled", "duplicate", "ignored", "failed"]
STATES: tuple[JournalState, ...] = ("handled", "duplicate", "ignored", "failed")
DEFAULT_RETENTION = 7 * 86_400.0  # seconds a record is kept
# An exception's message is the handler's text: kept, but bounded.
MAX_ERROR_CHARS = 1000


@attrs.frozen
class JournalEntry:
    """One verified delivery as the journal keeps it (``body`` is ``None`` unless asked)."""

    sequence: int  # increases with each record: the order they were written in
    message_id: str
    event_type: str
    received_at: datetime.datetime  # aware, UTC
    state: JournalState
    error_type: str | None = None
    error_message: str | None = None
    body: bytes | None = attrs.field(default=None, repr=False)


class Journal(Protocol):
    """What a journal does; ``SQLiteJournal`` and ``PostgresJournal`` are the two."""

    def record(
        self,
        message_id: str,
        event_type: str,
        body: bytes,
        state: JournalState,
        error: BaseException | None = None,
    ) -> None: ...

    def entries(
        self,
        *,
        state: JournalState | None = None,
        since: datetime.datetime | None = None,
        message_ids: Iterable[str] | None = None,
        latest: bool = False,
        bodies: bool = False,
    ) -> list[JournalEntry]: ...

    def prune(self) -> int: ...

    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    sequence {serial} PRIMARY KEY,
    message_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL,
    error_type TEXT,
    error_message TEXT,
    body {blob} NOT NULL
);
CREATE INDEX IF NOT EXISTS {table}_message ON {table} (message_id, sequence);
CREATE INDEX IF NOT EXISTS {table}_received ON {table} (received_at)"""
_INSERT = """INSERT INTO {table}
    (message_id, event_type, received_at, state, error_type, error_message, body)
VALUES ({marks})"""
_COLUMNS = "sequence, message_id, event_type, received_at, state, error_type, error_message"
# A message's last record: the one no later record of the same message follows.
_LATEST = """sequence = (
    SELECT MAX(later.sequence) FROM {table} later WHERE later.message_id = {table}.message_id
)"""
# The table is a checked identifier and every value a parameter (S608 is about neither).
_SELECT = "SELECT {columns} FROM {table}{where} ORDER BY sequence"
_PRUNE = "DELETE FROM {table} WHERE received_at < {mark}"


class _SQLJournal:
    """The journal's SQL, for an engine's connection and its parameter mark."""

    _mark: str

    def __init__(self, sql: Any, table: str, retention: float) -> None:
        self._sql: Any = sql
        self.table: str = table
        self.retention: float = float(
            check_number(retention, name="retention", above_minimum=True, maximum=10 * 365 * 86_400)
        )

    def record(
        self,
        message_id: str,
        event_type: str,
        body: bytes,
        state: JournalState,
        error: BaseException | None = None,
    ) -> None:
        """Write one record now (before the delivery is answered)."""
        error_type = None if error is None else type(error).__name__
        error_message = None if error is None else str(error)[:MAX_ERROR_CHARS]
        marks = ", ".join([self._mark] * 7)
        values = (message_id, event_type, time.time(), state, error_type, error_message, body)
        self._sql.execute(_INSERT.format(table=self.table, marks=marks), values)

    def entries(
        self,
        *,
        state: JournalState | None = None,
        since: datetime.datetime | None = None,
        message_ids: Iterable[str] | None = None,
        latest: bool = False,
        bodies: bool = False,
    ) -> list[JournalEntry]:
        """The records, oldest first: of one ``state``, received ``since`` an aware
        datetime, of some ``message_ids``; with ``latest``, only each message's last
        record; with ``bodies``, the raw bodies too.

        Example:

        ```python
        for entry in journal.entries(state="failed", latest=True):
            print(entry.message_id, entry.event_type, entry.error_type)
        ```
        """
        conditions, parameters = _conditions(state, since, message_ids, self._mark)
        if latest:
            conditions.append(_LATEST.format(table=self.table))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        columns = _COLUMNS + (", body" if bodies else "")
        statement = _SELECT.format(columns=columns, table=self.table, where=where)
        rows = self._sql.execute(statement, parameters).fetchall()
        return [_entry(row, bodies) for row in rows]

    def prune(self) -> int:
        """Remove the records older than ``retention``; returns how many went.

        Example:

        ```python
        removed = journal.prune()  # from a daily job, say
        ```
        """
        cutoff = time.time() - self.retention
        statement = _PRUNE.format(table=self.table, mark=self._mark)
        return int(self._sql.execute(statement, (cutoff,)).rowcount)

    def close(self) -> None:
        self._sql.close()


class SQLiteJournal(_SQLJournal):
    """The journal in a SQLite file: every process of one host.

    Example:

    ```python
    journal = SQLiteJournal("/var/lib/hooks/journal.sqlite3", retention=14 * 86_400)
    ```
    """

    _mark = "?"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        retention: float = DEFAULT_RETENTION,
        table: str = "faraday_webhook_journal",
    ) -> None:
        table = _table_name(table)
        schema = _SCHEMA.format(table=table, serial="INTEGER", blob="BLOB")
        # WAL with synchronous=NORMAL: a commit survives the process dying, not the power
        # failing; what a power cut could lose was answered already, and a failure, which
        # replay is for, was answered 500 and is retried by Faraday anyway.
        sql = SQLiteConnection(path, schema + ";", synchronous="NORMAL")
        super().__init__(sql, table, retention)

    def __repr__(self) -> str:
        return f"SQLiteJournal({self._sql.path!r})"


class PostgresJournal(_SQLJournal):
    """The journal in PostgreSQL: replicas on many hosts (the ``postgres`` extra).

    Example:

    ```python
    journal = PostgresJournal("postgresql://hooks@db.internal/hooks")
    ```
    """

    _mark = "%s"

    def __init__(
        self,
        conninfo: str,
        *,
        retention: float = DEFAULT_RETENTION,
        table: str = "faraday_webhook_journal",
    ) -> None:
        table = _table_name(table)
        schema = _SCHEMA.format(table=table, serial="BIGSERIAL", blob="BYTEA")
        super().__init__(
            PostgresConnection(conninfo, schema, user="PostgresJournal"), table, retention
        )

    def __repr__(self) -> str:
        return f"PostgresJournal(table={self.table!r})"


def _conditions(state: Any, since: Any, message_ids: Any, mark: str) -> tuple[list[str], list[Any]]:
    """The WHERE conditions and their parameters; bad filters raise ``InvalidRequestError``."""
    conditions: list[str] = []
    parameters: list[Any] = []
    if state is not None:
        if state not in STATES:
            raise InvalidRequestError(f"state must be one of {', '.join(STATES)}, not {state!r}")
        conditions.append(f"state = {mark}")
        parameters.append(state)
    if since is not None:
        if not isinstance(since, datetime.datetime) or since.tzinfo is None:
            raise InvalidRequestError("since must be an aware datetime (with a timezone)")
        conditions.append(f"received_at >= {mark}")
        parameters.append(since.timestamp())
    if message_ids is not None:
        wanted = [message_ids] if isinstance(message_ids, str) else list(message_ids)
        if not wanted or not all(is_message_id(each) for each in wanted):
            raise InvalidRequestError("message_ids must be one or more message ids")
        conditions.append(f"message_id IN ({', '.join([mark] * len(wanted))})")
        parameters.extend(wanted)
    return conditions, parameters


def _entry(row: Sequence[Any], bodies: bool) -> JournalEntry:
    received = datetime.datetime.fromtimestamp(row[3], datetime.UTC)
    body = bytes(row[7]) if bodies else None
    return JournalEntry(row[0], row[1], row[2], received, row[4], row[5], row[6], body)
