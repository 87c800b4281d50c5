"""The sandbox's fault grammar: what ``X-Sandbox-Fail`` and ``Sandbox.fail_next`` accept.

A fault is parsed once into a ``Fault`` value, then served by the function its
kind names in ``ACTIONS``. Faults apply to authenticated requests only, and every
argument is bounded, so a stranger cannot make the sandbox sleep or allocate at will.

=====================  ==============================================================
``500`` ``503`` ...    that status with a Faraday error body of the status's code
                       (403 FORBIDDEN, 404 NOT_FOUND, 5xx INTERNAL_SERVER_ERROR, ...);
                       ``503:2`` adds ``Retry-After: 2``, ``429:date+2`` an HTTP-date
``code=CODE``          Faraday's error body with that code at its documented status:
                       ``code=FORBIDDEN`` is a 403, ``code=VALIDATION_FAILED`` a 400
                       with one validation error; an unknown code is a 400
``timeout[:S]``        wait S seconds (default 2, at most 60), then act normally
``reset``              read the request, then reset the connection
``reset-before-body``  reset the connection before reading the body
``close-mid``          send part of the headers and body, then close
``truncated-chunked``  send a chunked body that stops mid-chunk, then close
``slow-body[:S]``      201 whose body trickles in over S seconds (default 3, at most 60)
``slow-headers[:S]``   201 whose status line and headers trickle in over S seconds
                       (default 10, at most 60): no read times out, the whole does
``html``               502 with an HTML page
``empty[:STATUS]``     that status (default 201) with an empty JSON body
``bad-json[:STATUS]``  that status (default 201) with broken JSON
``wrong-content-type`` act and answer normally, but as ``text/plain``
``oversized[:MiB]``    201 with a JSON body of MiB mebibytes (default 9, at most 64)
``bad-gzip``           201 that says ``Content-Encoding: gzip`` but is not gzip
``gzip-bomb[:MiB]``    201 whose gzip body decodes to MiB mebibytes (default 64, at most 1024)
``bad-schema``         201 whose body lacks the required ``id``
``unknown-code``       400 with an error code no client knows yet
``ok``                 answer normally (in a sequence: ``503,ok``)
=====================  ==============================================================

Example:

```pycon
>>> parse_fault("503:2")
Fault(kind='status', argument='2', status=503)
>>> parse_fault("code=FORBIDDEN").status
403

```
"""

from __future__ import annotations

import collections
import email.utils
import gzip
import json
import threading
import time
import zlib
from collections.abc import Callable
from typing import Protocol

import attrs

from ._api import ERROR_STATUSES, Reply, error_reply, sample_endpoint

__all__ = ["FAULT_HEADER", "Fault", "FaultPlan", "parse_fault"]

FAULT_HEADER = "X-Sandbox-Fail"
MAX_WAIT_SECONDS = 60.0
MAX_OVERSIZED_MIB = 64.0
MAX_BOMB_MIB = 1024.0
# Distinct header sequences remembered at once (oldest forgotten first).
MAX_TRACKED_SEQUENCES = 1000


@attrs.frozen
class Fault:
    """One parsed fault: its ``kind``, its raw ``argument`` and the HTTP ``status`` it answers."""

    kind: str
    argument: str = ""
    status: int | None = None

    @property
    def before_body(self) -> bool:
        """Served before the request body is read (the others after)."""
        return self.kind in ("reset-before-body", "timeout")

    @property
    def acts_normally(self) -> bool:
        """The request is still handled by the API (the fault only changes how)."""
        return self.kind in ("timeout", "wrong-content-type", "ok")

    def seconds(self, default: float) -> float:
        return float(self.argument) if self.argument else default


def _number(text: str, fault: str, what: str, *, low: float, high: float) -> None:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise ValueError(f"{fault!r}: the argument must be {what}")


def _status(text: str, fault: str) -> int:
    if not (text.isascii() and text.isdigit() and 100 <= int(text) <= 599):
        raise ValueError(f"{fault!r}: the argument must be an HTTP status (100-599)")
    return int(text)


_TAKES_NO_ARGUMENT = frozenset(
    {
        "ok",
        "reset",
        "reset-before-body",
        "close-mid",
        "truncated-chunked",
        "html",
        "wrong-content-type",
        "bad-schema",
        "unknown-code",
        "bad-gzip",
    }
)
# kind -> (what its argument must be, its bounds)
_SECONDS = ("a number of seconds from 0 to 60", 0.0, MAX_WAIT_SECONDS)
_NUMBER_ARGUMENTS = {
    "timeout": _SECONDS,
    "slow-body": _SECONDS,
    "slow-headers": _SECONDS,
    "oversized": ("a number of MiB above 0, at most 64", 1e-6, MAX_OVERSIZED_MIB),
    "gzip-bomb": ("a number of MiB above 0, at most 1024", 1e-6, MAX_BOMB_MIB),
}


def parse_fault(text: str) -> Fault:
    """A ``Fault`` for one fault such as ``503:2`` or ``timeout:1``; ``ValueError`` says why not.

    Example:

    ```pycon
    >>> parse_fault("slow-body:x")
    Traceback (most recent call last):
    ...
    ValueError: 'slow-body:x': the argument must be a number of seconds from 0 to 60

    ```
    """
    head, separator, argument = text.partition(":")
    if head.isascii() and head.isdigit():
        status = _status(head, text)
        if argument.startswith("date+"):
            _number(argument.removeprefix("date+"), text, _SECONDS[0], low=0, high=86400)
        # Any other argument is sent as Retry-After as it is, garbage included.
        return Fault("status", argument, status)
    if head.startswith("code="):
        code = head.removeprefix("code=")
        if not code or separator or not code.replace("_", "").isalnum():
            raise ValueError(f"{text!r}: code= takes an error code such as FORBIDDEN")
        return Fault("code", code, ERROR_STATUSES.get(code, 400))
    if head in _TAKES_NO_ARGUMENT:
        if separator:
            raise ValueError(f"{text!r}: {head} takes no argument")
        return Fault(head)
    if head in _NUMBER_ARGUMENTS:
        if separator:
            what, low, high = _NUMBER_ARGUMENTS[head]
            _number(argument, text, what, low=low, high=high)
        return Fault(head, argument)
    if head in ("empty", "bad-json"):
        return Fault(head, argument, _status(argument, text) if separator else 201)
    raise ValueError(f"{text!r}: no such fault")


class FaultPlan:
    """Which fault the next request gets: queued ones first, then the request's header.

    Every request carrying the header misbehaves. A header value is a comma-separated
    sequence, served to successive requests that carry the same value and then started
    over, so running an example twice against one sandbox behaves the same twice:
    ``503,ok`` fails each call once and lets its retry through. Only the latest
    ``MAX_TRACKED_SEQUENCES`` values are remembered.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: collections.deque[Fault] = collections.deque()
        self._seen: collections.OrderedDict[str, int] = collections.OrderedDict()

    def queue(self, *faults: str) -> None:
        parsed = [parse_fault(fault) for fault in faults]  # a typo fails here, all or nothing
        with self._lock:
            self._queued.extend(parsed)

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
            self._seen.clear()

    def take(self, header_value: str | None) -> Fault | None:
        """The fault for this request, or ``None``; ``ValueError`` for a malformed header."""
        with self._lock:
            if header_value:
                sequence = [p.strip() for p in header_value.split(";", 1)[0].split(",")]
                sequence = [part for part in sequence if part]
                seen = self._seen.pop(header_value, 0)
                self._seen[header_value] = seen + 1
                while len(self._seen) > MAX_TRACKED_SEQUENCES:
                    self._seen.popitem(last=False)
                return parse_fault(sequence[seen % len(sequence)]) if sequence else None
            return self._queued.popleft() if self._queued else None


class Exchange(Protocol):
    """What a fault may do to the request it was served on (the sandbox's handler)."""

    def send(self, reply: Reply) -> None: ...

    def write_raw(self, data: bytes) -> None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...

    def wait(self, seconds: float) -> bool:
        """Sleep; ``True`` if the sandbox is stopping (stop acting then)."""
        ...


def _status_fault(exchange: Exchange, fault: Fault) -> None:
    assert fault.status is not None
    headers: dict[str, str] = {}
    if fault.argument.startswith("date+"):
        moment = time.time() + float(fault.argument.removeprefix("date+"))
        headers["Retry-After"] = email.utils.formatdate(moment, usegmt=True)
    elif fault.argument:
        headers["Retry-After"] = fault.argument
    code = _code_for_status(fault.status)
    reply = error_reply(fault.status, code, f"Injected {fault.status}")
    exchange.send(attrs.evolve(reply, headers=headers))


def _code_for_status(status: int) -> str:
    if status >= 500:
        return "INTERNAL_SERVER_ERROR"
    return {401: "INVALID_AUTHORIZATION", 403: "FORBIDDEN", 404: "NOT_FOUND"}.get(
        status, "BAD_REQUEST"
    )


def _code_fault(exchange: Exchange, fault: Fault) -> None:
    assert fault.status is not None
    problems = None
    if fault.argument == "VALIDATION_FAILED":
        problems = [
            {
                "context": {"errorType": "format"},
                "message": "'not a url' is not a 'uri'",
                "path": "body/url",
                "suggestion": "Send an absolute http(s) URL",
            }
        ]
    note = f"Injected {fault.argument}"
    exchange.send(error_reply(fault.status, fault.argument, note, problems))


def _slow_body(exchange: Exchange, fault: Fault) -> None:
    # A complete, valid answer that trickles in: each read is quick, the whole is slow.
    # Only a whole-call timeout stops a client waiting for it.
    body = json.dumps(sample_endpoint()).encode()
    exchange.write_raw(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    pieces = 30
    step = -(-len(body) // pieces)
    for start in range(0, len(body), step):
        if exchange.wait(fault.seconds(3.0) / pieces):
            break
        exchange.write_raw(body[start : start + step])


def _slow_headers(exchange: Exchange, fault: Fault) -> None:
    body = json.dumps(sample_endpoint()).encode()
    head = (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    step = fault.seconds(10.0) / len(head)
    for position in range(len(head)):
        if exchange.wait(step):
            return
        exchange.write_raw(head[position : position + 1])
    exchange.write_raw(body)


def _gzip_of_spaces(size: int) -> bytes:
    """A gzip stream of ``size`` spaces, made 1 MiB at a time (never held decoded)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    chunk = b" " * (1024 * 1024)
    parts = [compressor.compress(b"[")]
    for start in range(0, size, len(chunk)):
        parts.append(compressor.compress(chunk[: size - start]))
    parts.append(compressor.compress(b"]") + compressor.flush())
    return b"".join(parts)


def _gzip_bomb(exchange: Exchange, fault: Fault) -> None:
    # Spaces compress about 1000:1, and compressing twice about 1000:1 again: a body
    # of a few hundred bytes that decodes to the size asked for.
    inner = _gzip_of_spaces(int(fault.seconds(64.0) * 1024 * 1024))
    outer = gzip.compress(inner, compresslevel=9, mtime=0)
    exchange.send(Reply(201, outer, "application/json", {"Content-Encoding": "gzip, gzip"}))


def _close_mid(exchange: Exchange, fault: Fault) -> None:
    exchange.write_raw(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b'Content-Length: 400\r\n\r\n{"created_at": "2024-'
    )
    exchange.reset()


def _truncated_chunked(exchange: Exchange, fault: Fault) -> None:
    exchange.write_raw(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b'Transfer-Encoding: chunked\r\n\r\n40\r\n{"created_at": "20'
    )
    exchange.close()


def _bad_schema(exchange: Exchange, fault: Fault) -> None:
    incomplete = sample_endpoint()
    del incomplete["id"]
    exchange.send(Reply(201, json.dumps(incomplete).encode(), "application/json"))


def _timeout(exchange: Exchange, fault: Fault) -> None:
    exchange.wait(fault.seconds(2.0))


_HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

# kind -> what serving it does. Faults that act normally return and let the API answer.
ACTIONS: dict[str, Callable[[Exchange, Fault], None]] = {
    "status": _status_fault,
    "code": _code_fault,
    "timeout": _timeout,
    "wrong-content-type": lambda exchange, fault: None,
    "ok": lambda exchange, fault: None,
    "reset": lambda exchange, fault: exchange.reset(),
    "reset-before-body": lambda exchange, fault: exchange.reset(),
    "close-mid": _close_mid,
    "truncated-chunked": _truncated_chunked,
    "slow-body": _slow_body,
    "slow-headers": _slow_headers,
    "html": lambda exchange, fault: exchange.send(Reply(502, _HTML, "text/html")),
    "empty": lambda exchange, fault: exchange.send(
        Reply(fault.status or 201, b"", "application/json")
    ),
    "bad-json": lambda exchange, fault: exchange.send(
        Reply(fault.status or 201, b'{"id": "2c1881c4-', "application/json")
    ),
    "oversized": lambda exchange, fault: exchange.send(
        Reply(
            201,
            b"[" + b" " * int(fault.seconds(9.0) * 1024 * 1024) + b"]",
            "application/json",
        )
    ),
    "bad-gzip": lambda exchange, fault: exchange.send(
        Reply(
            201,
            json.dumps(sample_endpoint()).encode(),
            "application/json",
            {"Content-Encoding": "gzip"},
        )
    ),
    "gzip-bomb": _gzip_bomb,
    "bad-schema": _bad_schema,
    "unknown-code": lambda exchange, fault: exchange.send(
        error_reply(400, "SOMETHING_NEW", "A code this client does not know")
    ),
}


def serve(exchange: Exchange, fault: Fault) -> None:
    """Serve ``fault`` on ``exchange`` (see ``ACTIONS``)."""
    ACTIONS[fault.kind](exchange, fault)
