"""A webhook receiver: verify, process each message once, dispatch by type, answer as Svix
expects, in any web framework (or none).

    from faraday_webhooks.receiver import Receiver

    receiver = Receiver([new_secret, old_secret], dedupe=Deduplicator(SQLiteStore(path)))

    @receiver.on("resource.ready_with_update")
    def refresh(event: ResourceEvent) -> None: ...

    app = receiver.asgi()   # or receiver.wsgi(), or receiver.handle(body, headers) in a view

Svix, which sends Faraday's deliveries, takes any 2xx as success and retries anything
else with the same message id. So the answers are:

    handled     204  a handler ran and returned (``on_unknown`` included)
    duplicate   204  processed before (dedupe): the handler is not run again
    ignored     204  no handler for the type, and no ``on_unknown``
    busy        409  another worker holds the message now: Faraday retries later
    failed      500  the handler raised (the claim is released for the retry), or the
                     dedupe store failed; logged with the message id, never the body
    rejected    400  signature, timestamp or headers wrong (``reason``); 413 for a body
                     over ``max_body``, read no further
    pending     202  only from ``replay(dry_run=True)``: what would be replayed

With ``journal=`` (``faraday_webhooks.journal``), each verified delivery's outcome is
recorded with its raw body before it is answered, and ``replay()`` runs the handlers
again on what the journal holds: the recovery Faraday, which keeps no history, cannot
offer. A journal that fails to record answers 500, so Faraday retries.

A ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``, cancellation)
releases the claim and propagates. Secrets are tried in order, so a receiver deployed with
``[new, old]`` accepts both while a secret is rotated (``faraday-webhooks rotate``);
``Outcome.matched_secret`` says which one verified a delivery.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

import anyio
import attrs

from . import tracing
from ._validation import check_number
from .dedupe import AsyncDeduplicator, Deduplicator
from .errors import InvalidRequestError, WebhookVerificationError
from .events import WebhookEvent, event_from_message
from .journal import Journal, JournalState
from .verify import DEFAULT_TOLERANCE, Headers, WebhookVerifier

__all__ = ["Outcome", "Receiver"]

logger: logging.Logger = logging.getLogger("faraday_webhooks")
State = Literal["handled", "duplicate", "ignored", "busy", "failed", "rejected", "pending"]
Handler = TypeVar("Handler", bound=Callable[..., Any])
STATUSES: dict[str, int] = {"handled": 204, "duplicate": 204, "ignored": 204, "busy": 409}


@attrs.frozen
class Outcome:
    """What the receiver made of one delivery, and the HTTP status to answer it with.

    Example:

    ```python
    outcome = receiver.handle(request.body, request.headers)
    return Response(status=outcome.status)
    ```
    """

    status: int
    state: State
    message_id: str | None = None
    event: WebhookEvent | None = attrs.field(default=None, repr=False)
    reason: str | None = None  # the verification reason code, when rejected
    matched_secret: int | None = None  # the index in ``secrets`` that verified it
    error: Exception | None = attrs.field(default=None, repr=False)  # the handler's, when failed

    def body(self) -> bytes:
        """The answer's body: nothing for a 204, else a small JSON object (nothing of the
        input is echoed but the verified message id)."""
        if self.status == 204:
            return b""
        shown = {"state": self.state, "message_id": self.message_id}
        return json.dumps({**shown, **({"reason": self.reason} if self.reason else {})}).encode()


class Receiver:
    """Verifies deliveries against one or more secrets, processes each message once and
    dispatches it to the handler registered for its type (see the module docstring).

    Example:

    ```python
    receiver = Receiver(os.environ["FARADAY_WEBHOOK_SECRET"], dedupe=dedupe)

    @receiver.on("resource.errored", "resource.ready_with_update")
    def changed(event: ResourceEvent) -> None:
        refresh(event.data.resource_type, event.data.resource_id)
    ```
    """

    def __init__(
        self,
        secrets: str | Sequence[str],
        *,
        dedupe: Deduplicator | AsyncDeduplicator | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
        max_body: int = 1_048_576,
        journal: Journal | None = None,
    ) -> None:
        listed = [secrets] if isinstance(secrets, str) else list(secrets)
        if not listed:
            raise InvalidRequestError("secrets must name at least one whsec_ secret")
        self._verifiers: list[WebhookVerifier] = []
        for index, secret in enumerate(listed):
            try:
                self._verifiers.append(WebhookVerifier(secret, tolerance=tolerance))
            except WebhookVerificationError as problem:  # never the secret itself
                raise InvalidRequestError(f"secrets[{index}]: {problem}") from None
        if dedupe is not None and not isinstance(dedupe, Deduplicator | AsyncDeduplicator):
            kind = type(dedupe).__name__
            raise InvalidRequestError(f"dedupe must be a (Async)Deduplicator, not {kind}")
        self.dedupe = dedupe
        if journal is not None and not callable(getattr(journal, "record", None)):
            raise InvalidRequestError(f"journal must be a Journal, not {type(journal).__name__}")
        self.journal = journal
        self.max_body: int = int(
            check_number(max_body, name="max_body", whole=True, minimum=1, maximum=2**31)
        )
        self._handlers: dict[str, Callable[[Any], Any]] = {}
        self._unknown: Callable[[Any], Any] | None = None

    def __repr__(self) -> str:
        kinds = ", ".join(sorted(self._handlers)) or "none"
        return f"Receiver({len(self._verifiers)} secret(s), handlers for: {kinds})"

    # -- registering handlers ------------------------------------------------------------

    def on(self, *event_types: str) -> Callable[[Handler], Handler]:
        """Register the decorated function (sync or ``async``) for these event types.

        Example:

        ```python
        @receiver.on("enrichment_job.failed")
        async def alert(event: EnrichmentJobEvent) -> None: ...
        ```
        """
        if not event_types or not all(isinstance(kind, str) and kind for kind in event_types):
            raise InvalidRequestError(
                "on() takes one or more event types, such as 'resource.errored'"
            )

        def register(handler: Handler) -> Handler:
            for kind in event_types:
                if kind in self._handlers:
                    raise InvalidRequestError(f"{kind!r} already has a handler")
                self._handlers[kind] = handler
            return handler

        return register

    def on_unknown(self, handler: Handler) -> Handler:
        """Register the decorated function for every type no ``on()`` names.

        Example:

        ```python
        @receiver.on_unknown
        def other(event: WebhookEvent) -> None:
            log.info("a %s delivery, acknowledged", event.type)
        ```
        """
        self._unknown = handler
        return handler

    # -- handling a delivery -------------------------------------------------------------

    def handle(self, body: bytes, headers: Headers) -> Outcome:
        """Verify, claim, dispatch and answer one delivery, running sync handlers.

        Example:

        ```python
        outcome = receiver.handle(request.get_data(), request.headers)  # Flask
        return outcome.body(), outcome.status
        ```
        """
        if (found := tracing.tracer()) is None:
            return self._handle(body, headers)
        with tracing.delivery_span(found, self.dedupe is not None) as record:
            return record(self._handle(body, headers))  # type: ignore[no-any-return]

    def _handle(self, body: bytes, headers: Headers) -> Outcome:
        verified = self._verify(body, headers)
        if isinstance(verified, Outcome):
            return verified
        handler = self._handler(verified[0])
        if handler is not None and inspect.iscoroutinefunction(handler):
            raise InvalidRequestError(
                f"the handler for {verified[0].type!r} is async: serve it with handle_async()"
            )
        if isinstance(self.dedupe, AsyncDeduplicator):
            raise InvalidRequestError("an AsyncDeduplicator claims in handle_async() or asgi()")
        return self._dispatch(*verified, handler, body, self.dedupe)

    def _dispatch(
        self,
        event: WebhookEvent,
        matched: int | None,
        handler: Callable[[Any], Any] | None,
        body: bytes,
        dedupe: Deduplicator | None,
    ) -> Outcome:
        """Claim (with a sync ``Deduplicator``), run the sync handler, journal the outcome."""
        return self._journaled(self._claimed(event, matched, handler, dedupe), body)

    def _claimed(
        self,
        event: WebhookEvent,
        matched: int | None,
        handler: Callable[[Any], Any] | None,
        dedupe: Deduplicator | None,
    ) -> Outcome:
        if handler is None:
            return _outcome("ignored", event, matched)
        try:
            if dedupe is None:
                _run_sync(handler, event)
                return _outcome("handled", event, matched)
            with dedupe.claim(event) as claim:
                if claim.state != "first":
                    return _outcome(claim.state, event, matched)
                _run_sync(handler, event)
        except Exception as error:
            return _failed(event, matched, error)
        return _outcome("handled", event, matched)

    def _journaled(self, outcome: Outcome, body: bytes) -> Outcome:
        """Record a verified delivery's outcome before it is answered (a ``busy`` one is
        the holder's to record). A journal that fails turns the answer into a 500, so
        Faraday retries: never silent."""
        if self.journal is None or outcome.event is None or outcome.state == "busy":
            return outcome
        state: Any = outcome.state
        try:
            self.journal.record(
                outcome.event.message_id or "", outcome.event.type, body, state, outcome.error
            )
        except Exception as error:
            logger.error(
                "webhook %s (%s): the journal failed with %s; answered 500 for Faraday's retry",
                outcome.message_id,
                outcome.event.type,
                type(error).__name__,
            )
            return attrs.evolve(outcome, status=500, state="failed", error=error)
        return outcome

    async def handle_async(self, body: bytes, headers: Headers) -> Outcome:
        """``handle``, awaiting async handlers and running sync ones (with a sync
        ``Deduplicator``'s claim: one trip) in a worker thread: the loop never blocks.

        Example:

        ```python
        outcome = await receiver.handle_async(await request.body(), request.headers)
        ```
        """
        if (found := tracing.tracer()) is None:
            return await self._handle_async(body, headers)
        with tracing.delivery_span(found, self.dedupe is not None) as record:
            return record(await self._handle_async(body, headers))  # type: ignore[no-any-return]

    async def _handle_async(self, body: bytes, headers: Headers) -> Outcome:
        verified = self._verify(body, headers)
        if isinstance(verified, Outcome):
            return verified
        return await self._dispatch_async(*verified, body, self.dedupe)

    async def _dispatch_async(
        self,
        event: WebhookEvent,
        matched: int | None,
        body: bytes,
        dedupe: Deduplicator | AsyncDeduplicator | None,
    ) -> Outcome:
        handler = self._handler(event)
        if handler is None and self.journal is None:
            return _outcome("ignored", event, matched)
        sync_handler = handler is None or not inspect.iscoroutinefunction(handler)
        if sync_handler and not isinstance(dedupe, AsyncDeduplicator):
            return await anyio.to_thread.run_sync(
                self._dispatch, event, matched, handler, body, dedupe
            )
        if isinstance(dedupe, Deduplicator):
            dedupe = AsyncDeduplicator.wrapping(dedupe)  # its claims in a worker thread
        outcome = await self._claimed_async(event, matched, handler, dedupe)
        if self.journal is None:
            return outcome
        return await anyio.to_thread.run_sync(self._journaled, outcome, body)

    async def _claimed_async(
        self,
        event: WebhookEvent,
        matched: int | None,
        handler: Callable[[Any], Any] | None,
        dedupe: AsyncDeduplicator | None,
    ) -> Outcome:
        if handler is None:
            return _outcome("ignored", event, matched)
        try:
            if dedupe is None:
                await _run_async(handler, event)
                return _outcome("handled", event, matched)
            async with dedupe.claim(event) as claim:
                if claim.state != "first":
                    return _outcome(claim.state, event, matched)
                await _run_async(handler, event)
        except Exception as error:
            return _failed(event, matched, error)
        return _outcome("handled", event, matched)

    # -- replaying from the journal -------------------------------------------------------

    def replay(
        self,
        *,
        state: JournalState | None = "failed",
        since: datetime.datetime | None = None,
        message_ids: Iterable[str] | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> list[Outcome]:
        """Run the handlers again on the messages the journal holds, through the same
        dedupe, and journal the new outcomes: those whose last record is ``state``
        (``None``: any), received ``since`` (an aware datetime), or named by
        ``message_ids``. A message already handled stays a ``duplicate`` unless
        ``force``; ``dry_run`` runs nothing and returns each as ``"pending"`` (202). For
        sync code (a script, ``faraday-webhooks replay``); ``replay_async`` in a loop.

        Example:

        ```python
        for outcome in receiver.replay(state="failed", since=outage_started):
            print(outcome.state, outcome.message_id)
        ```
        """
        return anyio.run(
            functools.partial(
                self.replay_async,
                state=state,
                since=since,
                message_ids=message_ids,
                dry_run=dry_run,
                force=force,
            )
        )

    async def replay_async(
        self,
        *,
        state: JournalState | None = "failed",
        since: datetime.datetime | None = None,
        message_ids: Iterable[str] | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> list[Outcome]:
        """``replay``, awaited (in a running event loop).

        Example:

        ```python
        outcomes = await receiver.replay_async(message_ids=["msg_2mP7dNc3z5s4D0iXqo1qfTzF9bH"])
        ```
        """
        journal = self.journal
        if journal is None:
            raise InvalidRequestError("replay needs a journal: Receiver(..., journal=...)")
        entries = await anyio.to_thread.run_sync(
            functools.partial(
                journal.entries,
                state=state,
                since=since,
                message_ids=message_ids,
                latest=True,
                bodies=True,
            )
        )
        outcomes = []
        for entry in entries:
            # The body was verified when it was journaled; it is read as it was then.
            event = event_from_message(json.loads(entry.body or b""), message_id=entry.message_id)
            if dry_run:
                outcomes.append(Outcome(202, "pending", entry.message_id, event))
            else:
                dedupe = None if force else self.dedupe
                outcomes.append(await self._dispatch_async(event, None, entry.body or b"", dedupe))
        return outcomes

    def _verify(self, body: bytes, headers: Headers) -> tuple[WebhookEvent, int] | Outcome:
        """The event and the index of the secret that verified it, or the rejection (the
        first secret's reason: during a rotation each delivery matches one secret)."""
        if len(body) > self.max_body:
            return Outcome(413, "rejected", reason="body_too_large")
        problems = []
        for index, verifier in enumerate(self._verifiers):
            try:
                return verifier.verify(body, headers), index
            except WebhookVerificationError as problem:
                problems.append(problem.reason)
        return Outcome(400, "rejected", reason=problems[0])

    def _handler(self, event: WebhookEvent) -> Callable[[Any], Any] | None:
        return self._handlers.get(event.type, self._unknown)

    # -- serving it: ASGI 3 and WSGI, no web framework needed --------------------------------

    def asgi(self) -> Callable[..., Awaitable[None]]:
        """An ASGI 3 application: POST at any path it is mounted on, 405 otherwise.

        It reads the raw body itself (no framework parser touches it), stops reading
        past ``max_body`` (413), and answers as ``Outcome`` says.

        Example:

        ```python
        app.mount("/hooks/faraday", receiver.asgi())   # FastAPI / Starlette
        ```
        """

        async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                while (message := await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
                return
            if scope["method"] != "POST":
                await _asgi_answer(send, _not_allowed())
                return
            chunks, size, more = [], 0, True
            while more and size <= self.max_body:
                message = await receive()
                chunks.append(message.get("body", b""))
                size, more = size + len(chunks[-1]), message.get("more_body", False)
            if size > self.max_body:
                await _asgi_answer(send, Outcome(413, "rejected", reason="body_too_large"))
                return
            await _asgi_answer(send, await self.handle_async(b"".join(chunks), scope["headers"]))

        return application

    def wsgi(self) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
        """A WSGI application: POST at any path it is mounted on, 405 otherwise.

        Example:

        ```python
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/hooks/faraday": receiver.wsgi()})
        ```
        """

        def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            if environ.get("REQUEST_METHOD") != "POST":
                outcome = _not_allowed()
            else:
                length = str(environ.get("CONTENT_LENGTH") or "")
                wanted = int(length) if length.isdigit() else self.max_body + 1
                body = environ["wsgi.input"].read(min(wanted, self.max_body + 1))
                headers = {
                    key[5:].replace("_", "-").lower(): value
                    for key, value in environ.items()
                    if key.startswith("HTTP_")
                }
                outcome = (
                    Outcome(413, "rejected", reason="body_too_large")
                    if wanted > self.max_body or len(body) > self.max_body
                    else self.handle(body, headers)
                )
            reply = outcome.body()
            extra = [("Allow", "POST")] if outcome.status == 405 else []
            kind = [("Content-Type", "application/json")] if reply else []
            start_response(f"{outcome.status} {_REASONS[outcome.status]}", [*kind, *extra])
            return [reply]

        return application


_REASONS = {204: "No Content", 400: "Bad Request", 405: "Method Not Allowed", 409: "Conflict"}
_REASONS |= {413: "Content Too Large", 500: "Internal Server Error"}


def _outcome(state: str, event: WebhookEvent, matched: int | None) -> Outcome:
    return Outcome(STATUSES[state], state, event.message_id, event, matched_secret=matched)  # type: ignore[arg-type]


def _failed(event: WebhookEvent, matched: int | None, error: Exception) -> Outcome:
    # The message id and the exception's type, never the body (it is the customer's data).
    logger.error(
        "webhook %s (%s): the handler failed with %s; answered 500 for Faraday's retry",
        event.message_id,
        event.type,
        type(error).__name__,
    )
    return Outcome(500, "failed", event.message_id, event, matched_secret=matched, error=error)


def _not_allowed() -> Outcome:
    return Outcome(405, "rejected", reason="method_not_allowed")


def _run_sync(handler: Callable[[Any], Any], event: WebhookEvent) -> None:
    result = handler(event)
    if inspect.isawaitable(result):  # a sync callable that made a coroutine: never leaked
        getattr(result, "close", lambda: None)()
        raise InvalidRequestError(
            f"the handler for {event.type!r} returned an awaitable: serve it with handle_async()"
        )


async def _run_async(handler: Callable[[Any], Any], event: WebhookEvent) -> None:
    if inspect.iscoroutinefunction(handler):
        await handler(event)
        return
    result = await anyio.to_thread.run_sync(handler, event)
    if inspect.isawaitable(result):
        await result


async def _asgi_answer(send: Any, outcome: Outcome) -> None:
    reply = outcome.body()
    headers = [(b"content-type", b"application/json")] if reply else []
    if outcome.status == 405:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply})
