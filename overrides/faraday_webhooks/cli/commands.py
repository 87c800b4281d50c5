"""What each ``faraday-webhooks`` command does. Parsing is in ``parser.py``, printing in
``output.py``; a command returns its exit status or raises ``UserError``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from faraday_webhooks_api.models import WebhookEndpointStatus

from .._base_client import LOOPBACK_PATTERNS, NOT_GIVEN, read_bounded
from .._client import Faraday
from .._config import no_cookies, resolve_config
from .._responses import ResponseReader
from .._validation import KNOWN_EVENT_TYPES
from ..errors import ConfigurationError, UnexpectedResponseError, WebhookVerificationError
from ..events import ResourceEvent
from ..testing.receiver import ReceivedDelivery, WebhookReceiver
from ..testing.sandbox import DEFAULT_API_KEY, Delivery, Sandbox
from ..verify import WebhookVerifier
from . import output
from .demo import run_demo
from .parser import SANDBOX_BASE_URL, SECRET_ENV

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A problem to report in one line (exit 1)."""


class UsageError(UserError):
    """A bad flag value, reported in one line naming the flag (exit 2)."""


def in_flags(message: str) -> str:
    """A library message as the command line says it: options named as its flags."""
    return message.replace("allow_insecure_http=True", "--allow-insecure-http").replace(
        "allow_remote=True", "--allow-remote"
    )


def client_from_flags(args: argparse.Namespace) -> Faraday:
    try:
        return Faraday(
            api_key=args.api_key,
            base_url=args.base_url,
            timeout=args.timeout,
            max_retries=args.max_retries,
            allow_insecure_http=args.allow_insecure_http,
        )
    except ConfigurationError as problem:
        if args.api_key is None and not os.environ.get("FARADAY_API_KEY"):
            raise UserError("no API key: set FARADAY_API_KEY (or pass --api-key)") from None
        if "base_url" in str(problem):
            raise UsageError(f"--base-url: {in_flags(str(problem))}") from None
        raise UserError(in_flags(str(problem))) from None


def _show(args: argparse.Namespace, action: Callable[[Faraday], Any], *, title: str = "") -> int:
    with client_from_flags(args) as client:
        output.know_secret(client._config.api_key)
        result = action(client)
    # Faraday returns the secret on every read; the terminal shows it only when asked.
    reveal = bool(getattr(args, "show_secret", False))
    output.show_result(result, as_json=args.json, title=title, reveal_secret=reveal)
    return EXIT_OK


def _check_event_types(kinds: list[str] | None, flag: str, args: argparse.Namespace) -> None:
    """Refuse an event type openapi.yaml does not name: a typo subscribes to nothing."""
    known = KNOWN_EVENT_TYPES
    unknown = [kind for kind in kinds or () if kind not in known]
    if unknown and not args.allow_unknown_event:
        raise UsageError(
            f"{flag}: unknown event type {unknown[0]!r} (known: {', '.join(known)}); "
            "pass --allow-unknown-event to send it anyway"
        )


def create(args: argparse.Namespace) -> int:
    _check_event_types(args.event, "--event", args)
    # The secret file is opened first: a path that cannot be written must not leave an
    # endpoint behind whose secret nobody has.
    secret_file = (
        _open_secret_file(args.secret_file, force=args.force) if args.secret_file else None
    )
    try:
        with client_from_flags(args) as client:
            output.know_secret(client._config.api_key)
            endpoint = client.webhooks.create(url=args.url, enabled_events=args.event)
    except BaseException:
        if secret_file is not None:
            secret_file.close()
            if not args.force:
                os.unlink(args.secret_file)  # it was created here, empty
        raise
    if secret_file is not None:
        with secret_file:
            secret_file.write(f"{endpoint.secret}\n")
    try:
        output.show_result(
            endpoint, as_json=args.json, title="Created webhook endpoint", reveal_secret=True
        )
    except OSError:
        # stdout is gone (a closed pipe): the endpoint exists, so say which, and where
        # the secret is, on the channel that still works.
        where = (
            f"its secret is in {args.secret_file}"
            if args.secret_file
            else f"get its secret with: faraday-webhooks get {endpoint.id} --show-secret"
        )
        output.fail(f"created webhook endpoint {endpoint.id}, but could not print it; {where}")
        return EXIT_FAILURE
    return EXIT_OK


def rotate(args: argparse.Namespace) -> int:
    """A twin of the endpoint (same URL, events and status) with a new secret, written to
    --secret-file; the old endpoint is left for `delete` once both secrets are deployed."""
    with client_from_flags(args) as client:
        output.know_secret(client._config.api_key)
        old = client.webhooks.retrieve(args.endpoint_id)  # missing: NotFoundError, exit 1
        if old.status != WebhookEndpointStatus.ENABLED:
            raise UserError(f"rotate: endpoint {old.id} is disabled: enable it or create one")
        # Opened before the twin exists: a file that cannot be written leaves nothing behind.
        secret_file = _open_secret_file(args.secret_file, force=False)
        try:
            twin = client.webhooks.create(url=old.url, enabled_events=old.enabled_events)
        except BaseException:
            secret_file.close()
            os.unlink(args.secret_file)  # made here, empty: no twin has its secret
            raise
        with secret_file:
            secret_file.write(f"{twin.secret}\n")
    where = f"its secret is in {args.secret_file}"
    output.write(f"Created twin endpoint {twin.id} of {old.id}; {where}")
    output.write("Next:")
    output.write(
        "  1. deploy your receiver with both secrets, the new one first: "
        "Receiver([new_secret, old_secret])"
    )
    output.write(f"  2. then stop the old endpoint's deliveries: faraday-webhooks delete {old.id}")
    return EXIT_OK


def _open_secret_file(path: str, *, force: bool) -> Any:
    """``path`` opened for the secret alone: mode 0600, never through a symlink, and
    never over an existing file unless ``force``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if force else os.O_EXCL)
    try:
        descriptor = os.open(path, flags, 0o600)
        os.fchmod(descriptor, 0o600)  # an existing file keeps its mode otherwise
    except FileExistsError:
        raise UsageError(f"--secret-file: {path!r} exists; pass --force to replace it") from None
    except OSError as problem:
        raise UsageError(f"--secret-file: cannot write {path!r} ({problem.strerror})") from None
    return os.fdopen(descriptor, "w", encoding="utf-8")


def list_endpoints(args: argparse.Namespace) -> int:
    return _show(args, lambda client: client.webhooks.list(ids=args.id))


def get(args: argparse.Namespace) -> int:
    return _show(
        args, lambda client: client.webhooks.retrieve(args.endpoint_id), title="Webhook endpoint"
    )


def update(args: argparse.Namespace) -> int:
    if args.url is None and args.event is None and args.status is None:
        raise UsageError("update: nothing to change: give --url, --event or --status")
    _check_event_types(args.event, "--event", args)
    return _show(
        args,
        lambda client: client.webhooks.update(
            args.endpoint_id,
            url=args.url if args.url is not None else NOT_GIVEN,
            enabled_events=args.event if args.event is not None else NOT_GIVEN,
            status=args.status if args.status is not None else NOT_GIVEN,
        ),
        title="Updated webhook endpoint",
    )


def enable(args: argparse.Namespace) -> int:
    return _show(
        args,
        lambda client: client.webhooks.enable(args.endpoint_id),
        title="Enabled webhook endpoint",
    )


def disable(args: argparse.Namespace) -> int:
    return _show(
        args,
        lambda client: client.webhooks.disable(args.endpoint_id),
        title="Disabled webhook endpoint",
    )


def delete(args: argparse.Namespace) -> int:
    with client_from_flags(args) as client:
        output.know_secret(client._config.api_key)
        client.webhooks.delete(args.endpoint_id)
    if args.json:
        output.write(json.dumps({"deleted": args.endpoint_id}, indent=2))
    else:
        output.write(f"Deleted webhook endpoint {args.endpoint_id}")
    return EXIT_OK


def sandbox(args: argparse.Namespace) -> int:
    keys = args.api_key or [DEFAULT_API_KEY]
    try:
        server = Sandbox(
            api_keys=keys,
            expired_api_keys=args.expired_api_key or (),
            host=args.host,
            port=args.port,
            max_endpoints=args.max_endpoints or None,
            reject_duplicate_urls=args.reject_duplicate_urls,
            verbose=True,  # a line per request and per delivery attempt
            allow_remote=args.allow_remote,
            event_types=args.event_type or (),
            **({"retry_schedule": args.retry_schedule} if args.retry_schedule else {}),
        )
        server.start()
    except ValueError as problem:  # a host that is not loopback, without --allow-remote
        raise UsageError(f"--host: {in_flags(str(problem))}") from None
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    output.write(f"Faraday sandbox listening on {server.base_url}")
    if args.api_key:
        output.write(f"  accepting the {len(keys)} API key(s) given with --api-key")
    else:
        output.write(f"  accepting API key {DEFAULT_API_KEY} (a sandbox-only key)")
    output.write(f"  export FARADAY_BASE_URL={server.base_url} FARADAY_API_KEY={keys[0]}")
    retries = ",".join(f"{delay:g}" for delay in server.retry_schedule)
    output.write(f"  a failed delivery is retried after {retries or 'never'} seconds")
    output.write("Press Ctrl-C to stop.")
    server.serve_forever()
    return EXIT_OK


def secret_from_flags(args: argparse.Namespace) -> tuple[str, str]:
    """The secret ``listen`` verifies with, and where it came from (never printed)."""
    if args.secret_file is not None:
        try:
            return Path(args.secret_file).read_text(encoding="utf-8").strip(), "--secret-file"
        except (OSError, UnicodeDecodeError) as problem:
            reason = getattr(problem, "strerror", None) or type(problem).__name__
            raise UsageError(f"--secret-file: cannot read {args.secret_file!r}: {reason}") from None
    secret = args.secret or os.environ.get(SECRET_ENV)
    if not secret:
        raise UserError(
            f"give the endpoint's signing secret with --secret-file, --secret or {SECRET_ENV}"
        )
    return secret, "--secret" if args.secret else SECRET_ENV


def _delivery_json(delivery: ReceivedDelivery) -> dict[str, Any]:
    """``listen --json``'s object: the whole event, or why it was rejected."""
    event = delivery.event
    shown: dict[str, Any] = {
        "message_id": delivery.message_id,
        "type": event.type if event else None,
        "timestamp": event.timestamp.isoformat() if event else None,
        "verified": event is not None,
        "data": event.to_dict()["data"] if event else None,
    }
    if delivery.error is not None:
        shown["reason"] = delivery.error.reason
    return shown


def _delivery_line(delivery: ReceivedDelivery) -> str:
    message_id = output.safe(delivery.message_id or "(no id)", 100)
    event = delivery.event
    if event is None:
        reason = delivery.error.reason if delivery.error else "unknown"
        return f"rejected  {message_id}  {reason}: {output.safe(str(delivery.error))}"
    mark = "duplicate" if delivery.duplicate else "verified "
    data = (
        f"{event.data.resource_type}/{event.data.resource_id}"
        if isinstance(event, ResourceEvent)
        else output.safe(json.dumps(event.to_dict()["data"]), 100_000)  # whole, never cut
    )
    return (
        f"{mark} {message_id}  {output.safe(event.type, 100)}  {data}  "
        f"at {event.timestamp.isoformat()}"
    )


class Forwarder:
    """``listen --forward-to``: each verified delivery re-sent unchanged to the user's
    app; its answer (or failure) is shown and never stops the listener."""

    def __init__(self, url: str, show: Callable[[str], None]) -> None:
        self.url: str = url
        self.show: Callable[[str], None] = show
        # Svix's 15 s; loopback straight there, whatever proxy the environment names.
        self._http = httpx.Client(
            timeout=15.0, mounts=dict.fromkeys(LOOPBACK_PATTERNS), cookies=no_cookies()
        )

    def send(self, delivery: ReceivedDelivery) -> None:
        event_type = delivery.event.type if delivery.event else ""
        self.show(
            f"--> {output.safe(event_type, 100)} {output.safe(delivery.message_id or '', 100)}"
        )
        try:
            answer = self._http.post(
                self.url, content=delivery.body, headers=dict(delivery.headers)
            )
        except httpx.HTTPError as problem:
            detail = output.safe(str(problem), 200) or type(problem).__name__
            self.show(f"<-- error: {type(problem).__name__}: {detail}")
            return
        self.show(f"<-- {answer.status_code} {output.safe(answer.reason_phrase, 100)}")

    def close(self) -> None:
        self._http.close()


def listen(args: argparse.Namespace) -> int:
    secret, source = secret_from_flags(args)
    # The library also reads a bare base64 key, as other Standard Webhooks libraries do;
    # this command takes what Faraday hands out, so a stray word is a mistake, not a key.
    if not secret.startswith("whsec_"):
        raise UsageError(f"{source}: must be the whsec_ signing secret Faraday returned")
    try:
        WebhookVerifier(secret)  # a bad secret is an error now, not a rejection per delivery
    except WebhookVerificationError as problem:
        raise UsageError(f"{source}: {problem}") from None
    output.know_secret(secret)
    # With --json, stdout holds the deliveries and nothing else.
    say = output.fail if args.json else output.write
    forwarder = Forwarder(args.forward_to, say) if args.forward_to else None
    received = 0

    def report(delivery: ReceivedDelivery) -> None:
        nonlocal received
        received += 1
        output.write(
            json.dumps(_delivery_json(delivery)) if args.json else _delivery_line(delivery)
        )
        if forwarder is not None and delivery.event is not None:
            forwarder.send(delivery)

    try:
        receiver = WebhookReceiver(
            secret,
            host=args.host,
            port=args.port,
            on_delivery=report,
            allow_remote=args.allow_remote,
        )
        receiver.start()
    except ValueError as problem:
        raise UsageError(f"--host: {in_flags(str(problem))}") from None
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    say(f"Listening for Faraday webhooks on {receiver.url} (Ctrl-C to stop)")
    if forwarder is not None:
        say(f"Forwarding verified deliveries to {output.safe(args.forward_to, 200)}")
    try:
        while args.max_deliveries is None or received < args.max_deliveries:
            receiver.wait_for(received + 1, timeout=0.5)
    finally:
        receiver.stop()
        if forwarder is not None:
            forwarder.close()
    return EXIT_OK


def trigger(args: argparse.Namespace) -> int:
    # Only a sandbox answers trigger: its own key and address are the defaults, and the
    # production API is never sent to unless asked for by name.
    config = resolve_config(
        api_key=args.api_key or os.environ.get("FARADAY_API_KEY") or DEFAULT_API_KEY,
        base_url=args.base_url or os.environ.get("FARADAY_BASE_URL") or SANDBOX_BASE_URL,
        timeout=args.timeout,
        max_retries=0,
        default_headers=None,
        allow_insecure_http=args.allow_insecure_http,
    )
    output.know_secret(config.api_key)
    root = config.base_url.rsplit("/v1", 1)[0]
    if (args.event_type is None) == (args.redeliver is None):
        raise UsageError("trigger: give an event TYPE, or --redeliver MESSAGE_ID (not both)")
    _check_event_types([args.event_type] if args.event_type else None, "TYPE", args)
    route, payload = (
        "trigger",
        {
            "type": args.event_type,
            "resource_type": args.resource_type,
            "resource_id": args.resource_id,
            "enrichment_id": args.enrichment_id,
            "data": args.data,
        },
    )
    if args.redeliver is not None:
        route, payload = "redeliver", {"message_id": args.redeliver}
    try:
        response = _bounded_post(f"{root}/_sandbox/{route}", payload, config)
    except httpx.HTTPError as exc:
        raise UserError(f"no sandbox answered at {root}: {type(exc).__name__}") from None
    except UnexpectedResponseError:
        raise UserError(f"the sandbox at {root} answered with an unreadable body") from None
    if response.status_code != 200:
        raise UserError(
            f"the sandbox refused the trigger: HTTP {response.status_code} "
            f"{output.safe(response.text[:2000], 200)}"
        )
    deliveries = _deliveries(response)
    event_type = args.event_type or (deliveries[0].event_type if deliveries else "")
    what = "Redelivered" if args.redeliver else "Triggered"
    if args.json:
        report = {"type": event_type, "deliveries": [d.to_dict() for d in deliveries]}
        output.write(json.dumps(report, indent=2))
    elif not deliveries:
        output.write(f"{what} {output.safe(event_type)}: no enabled endpoint is subscribed to it.")
    else:
        noun = "delivery" if len(deliveries) == 1 else "deliveries"
        output.write(f"{what} {output.safe(event_type)}: {len(deliveries)} {noun}")
        for delivery in deliveries:
            outcome = f"HTTP {delivery.status_code}" if delivery.ok else delivery.error or ""
            mark = "delivered" if delivery.ok else "skipped  " if delivery.skipped else "FAILED   "
            output.write(
                f"  {mark} {output.safe(delivery.url, 200)} ({output.safe(outcome, 300)}) "
                f"message {output.safe(delivery.message_id, 100)}, attempt {delivery.attempt}"
            )
    # Endpoints off this machine are skipped, not failed: the exit reports what was sent.
    attempted = [delivery for delivery in deliveries if not delivery.skipped]
    return EXIT_OK if all(delivery.ok for delivery in attempted) else EXIT_FAILURE


def _bounded_post(url: str, payload: dict[str, Any], config: Any) -> httpx.Response:
    """POST ``payload`` and read the answer as the client reads Faraday's (at most 8 MiB,
    identity only); loopback never through a proxy."""
    with httpx.Client(
        headers=config.headers(),
        timeout=config.timeout,
        mounts=dict.fromkeys(LOOPBACK_PATTERNS),
        cookies=no_cookies(),
    ) as http:
        request = http.build_request("POST", url, json=payload)
        reader = ResponseReader(secrets=[config.api_key])
        return read_bounded(http.send(request, stream=True), reader)


def _deliveries(response: Any) -> list[Delivery]:
    """The sandbox's delivery report as ``Delivery`` values; anything else is a ``UserError``."""
    try:
        items = response.json()["deliveries"]
        checked = [Delivery.from_dict(item) for item in items]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise UserError(
            f"{response.url} did not answer as a Faraday sandbox does "
            f"(HTTP {response.status_code}): is this the sandbox?"
        ) from None
    return checked


def demo(args: argparse.Namespace) -> int:
    return run_demo()


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "create": create,
    "list": list_endpoints,
    "get": get,
    "update": update,
    "enable": enable,
    "disable": disable,
    "delete": delete,
    "rotate": rotate,
    "sandbox": sandbox,
    "listen": listen,
    "trigger": trigger,
    "demo": demo,
}
