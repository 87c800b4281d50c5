"""The ``faraday-webhooks`` command: manage endpoints, run the sandbox, listen, trigger, demo.

Every failure a user can cause prints one line and exits non-zero; no tracebacks.

Example::

    $ export FARADAY_API_KEY=...
    $ faraday-webhooks create --url https://example.com/hooks --event resource.ready_with_update
    $ faraday-webhooks sandbox --port 8765
    $ faraday-webhooks listen --port 9000 --secret "$FARADAY_WEBHOOK_SECRET"
    $ faraday-webhooks trigger --base-url http://127.0.0.1:8765/v1 resource.ready_with_update
    $ faraday-webhooks demo
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ._base_client import NOT_GIVEN
from ._client import Faraday
from ._models import WebhookEndpoint
from ._redact import mask_secret
from ._version import __version__
from .errors import FaradayError
from .events import ResourceEvent

SECRET_ENV = "FARADAY_WEBHOOK_SECRET"  # noqa: S105 - a variable name, not a secret
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """Bad flags produce one line, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _port(text: str) -> int:
    """An argparse type: a TCP port, 0-65535 (0 lets the system pick one)."""
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text!r}")
    return int(text)


def _positive_count(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


class _UserError(Exception):
    """A problem to report in one line (exit 1)."""


def _write(text: str = "") -> None:
    print(text, flush=True)


def _fail(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- output ------------------------------------------------------------------


def _endpoint_json(endpoint: WebhookEndpoint, *, reveal_secret: bool) -> dict[str, Any]:
    shown = endpoint.to_dict()
    if "secret" in shown and not reveal_secret:
        shown["secret"] = mask_secret(shown["secret"])
    return shown


def _show_endpoint(endpoint: WebhookEndpoint, *, title: str, reveal_secret: bool) -> None:
    _write(f"{title} {endpoint.id}")
    _write(f"  url:            {endpoint.url}")
    _write(f"  enabled events: {', '.join(endpoint.enabled_events)}")
    _write(f"  status:         {endpoint.status}")
    _write(f"  created at:     {endpoint.created_at.isoformat()}")
    _write(f"  updated at:     {endpoint.updated_at.isoformat()}")
    if endpoint.secret is not None and reveal_secret:
        _write(f"  signing secret: {endpoint.secret}")
        _write("  (store the signing secret in your secret manager, never in source)")
    elif endpoint.secret is not None:
        _write(f"  signing secret: {mask_secret(endpoint.secret)}  (get ID --show-secret)")


def _show_table(endpoints: Sequence[WebhookEndpoint]) -> None:
    if not endpoints:
        _write("No webhook endpoints.")
        return
    rows = [("ID", "STATUS", "URL", "EVENTS")] + [
        (str(e.id), str(e.status), e.url, ",".join(e.enabled_events)) for e in endpoints
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        _write("  ".join([*padded, row[3]]))


# -- commands ------------------------------------------------------------------


def _client(args: argparse.Namespace) -> Faraday:
    return Faraday(
        api_key=args.api_key,
        base_url=args.base_url,
        timeout=args.timeout,
        max_retries=args.max_retries,
    )


def _run_with_client(args: argparse.Namespace, action: Callable[[Faraday], Any]) -> int:
    with _client(args) as client:
        result = action(client)
    if result is None:
        return EXIT_OK
    # Faraday returns the secret on every read; the terminal shows it only when asked.
    reveal = bool(getattr(args, "show_secret", False))
    if args.json:
        payload = (
            [_endpoint_json(e, reveal_secret=False) for e in result]
            if isinstance(result, list)
            else _endpoint_json(result, reveal_secret=reveal)
        )
        _write(json.dumps(payload, indent=2))
    elif isinstance(result, list):
        _show_table(result)
    else:
        _show_endpoint(result, title=args.title, reveal_secret=reveal)
    return EXIT_OK


def _command_create(args: argparse.Namespace) -> int:
    args.title = "Created webhook endpoint"
    args.show_secret = True  # the moment a new secret is needed: always shown
    return _run_with_client(
        args, lambda client: client.webhooks.create(url=args.url, enabled_events=args.event)
    )


def _command_list(args: argparse.Namespace) -> int:
    return _run_with_client(args, lambda client: client.webhooks.list(ids=args.id))


def _command_get(args: argparse.Namespace) -> int:
    args.title = "Webhook endpoint"
    return _run_with_client(args, lambda client: client.webhooks.retrieve(args.endpoint_id))


def _command_update(args: argparse.Namespace) -> int:
    args.title = "Updated webhook endpoint"
    return _run_with_client(
        args,
        lambda client: client.webhooks.update(
            args.endpoint_id,
            url=args.url if args.url is not None else NOT_GIVEN,
            enabled_events=args.event if args.event is not None else NOT_GIVEN,
            status=args.status if args.status is not None else NOT_GIVEN,
        ),
    )


def _command_set_status(args: argparse.Namespace) -> int:
    args.title = f"{args.command.capitalize()}d webhook endpoint"
    return _run_with_client(
        args, lambda client: client.webhooks.update(args.endpoint_id, status=f"{args.command}d")
    )


def _command_delete(args: argparse.Namespace) -> int:
    with _client(args) as client:
        client.webhooks.delete(args.endpoint_id)
    if args.json:
        _write(json.dumps({"deleted": args.endpoint_id}))
    else:
        _write(f"Deleted webhook endpoint {args.endpoint_id}")
    return EXIT_OK


def _command_sandbox(args: argparse.Namespace) -> int:
    from .testing.sandbox import DEFAULT_API_KEY, Sandbox

    keys = args.api_key or [DEFAULT_API_KEY]
    sandbox = Sandbox(
        api_keys=keys,
        host=args.host,
        port=args.port,
        max_endpoints=args.max_endpoints or None,
        reject_duplicate_urls=args.reject_duplicate_urls,
        verbose=True,
    )
    try:
        sandbox.start()
    except OSError as exc:
        raise _UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    _write(f"Faraday sandbox listening on {sandbox.base_url}")
    if args.api_key:
        _write(f"  accepting the {len(keys)} API key(s) given with --api-key")
    else:
        _write(f"  accepting API key {DEFAULT_API_KEY} (a sandbox-only key)")
    _write(f"  export FARADAY_BASE_URL={sandbox.base_url}")
    _write("Press Ctrl-C to stop.")
    sandbox.serve_forever()
    return EXIT_OK


def _command_listen(args: argparse.Namespace) -> int:
    from .testing.receiver import ReceivedDelivery, WebhookReceiver
    from .verify import WebhookVerifier

    secret = args.secret or os.environ.get(SECRET_ENV)
    if not secret:
        raise _UserError(f"give the endpoint's signing secret with --secret or {SECRET_ENV}")
    WebhookVerifier(secret)  # a bad secret is an error now, not a rejection per delivery
    received = 0

    def report(delivery: ReceivedDelivery) -> None:
        nonlocal received
        received += 1
        if delivery.event is not None:
            event = delivery.event
            about = (
                f"{event.data.resource_type}/{event.data.resource_id}"
                if isinstance(event, ResourceEvent)
                else json.dumps(event.to_dict()["data"])[:120]  # a kind this version types not
            )
            _write(
                f"verified  {delivery.message_id}  {event.type}  {about}  "
                f"at {event.timestamp.isoformat()}"
            )
        else:
            reason = delivery.error.reason if delivery.error else "unknown"
            _write(f"rejected  {delivery.message_id}  {reason}: {delivery.error}")

    receiver = WebhookReceiver(secret, host=args.host, port=args.port, on_delivery=report)
    try:
        receiver.start()
    except OSError as exc:
        raise _UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    _write(f"Listening for Faraday webhooks on {receiver.url} (Ctrl-C to stop)")
    try:
        while args.max_deliveries is None or received < args.max_deliveries:
            receiver.wait_for(received + 1, timeout=0.5)
    finally:
        receiver.stop()
    return EXIT_OK


def _command_trigger(args: argparse.Namespace) -> int:
    import httpx

    from ._config import resolve_config
    from .testing.sandbox import DEFAULT_API_KEY

    # A sandbox is the only thing that answers trigger: its own key is the sensible default.
    config = resolve_config(
        api_key=args.api_key or os.environ.get("FARADAY_API_KEY") or DEFAULT_API_KEY,
        base_url=args.base_url,
        timeout=args.timeout,
        max_retries=0,
        default_headers=None,
    )
    root = config.base_url.rsplit("/v1", 1)[0]
    payload = {
        "type": args.event_type,
        "resource_type": args.resource_type,
        "resource_id": args.resource_id,
        "enrichment_id": args.enrichment_id,
        "data": args.data,
    }
    try:
        response = httpx.post(
            f"{root}/_sandbox/trigger",
            json=payload,
            headers=config.headers(),
            timeout=config.timeout,
        )
    except httpx.HTTPError as exc:
        raise _UserError(f"no sandbox answered at {root}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise _UserError(
            f"the sandbox refused the trigger: HTTP {response.status_code} {response.text[:200]}"
        )
    report = response.json()
    deliveries = report.get("deliveries", [])
    if args.json:
        _write(json.dumps(report, indent=2))
    elif not deliveries:
        _write(f"Triggered {args.event_type}: no enabled endpoint is subscribed to it.")
    else:
        _write(
            f"Triggered {args.event_type}: {len(deliveries)} "
            + ("delivery" if len(deliveries) == 1 else "deliveries")
        )
        for item in deliveries:
            outcome = (
                f"HTTP {item['status_code']}" if item["status_code"] is not None else item["error"]
            )
            mark = "delivered" if item["ok"] else "FAILED   "
            _write(f"  {mark} {item['url']} ({outcome})")
    return EXIT_OK if all(item["ok"] for item in deliveries) else EXIT_FAILURE


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a JSON object, such as '{\"id\": 1}'") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            "must be a JSON object, not a JSON " + type(value).__name__
        )
    return value


def _command_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo()


# -- parser --------------------------------------------------------------------


def _add_client_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url", help="API root (default: $FARADAY_BASE_URL or https://api.faraday.ai/v1)"
    )
    parser.add_argument(
        "--api-key", help="API key (default: $FARADAY_API_KEY; prefer the variable)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (default 30)"
    )
    parser.add_argument("--max-retries", type=int, default=2, help="retries when safe (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``faraday-webhooks`` (exposed for documentation and tests)."""
    parser = _Parser(
        prog="faraday-webhooks", description="Manage and test Faraday webhook endpoints."
    )
    parser.add_argument("--version", action="version", version=f"faraday-webhooks {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    create = commands.add_parser("create", help="register a webhook endpoint")
    create.add_argument("--url", required=True, help="where Faraday should POST events")
    create.add_argument(
        "--event", action="append", required=True, metavar="TYPE", help="event type (repeat)"
    )
    _add_client_options(create)
    create.set_defaults(handler=_command_create)

    listing = commands.add_parser("list", help="list webhook endpoints")
    listing.add_argument("--id", action="append", metavar="ID", help="only these ids (repeat)")
    _add_client_options(listing)
    listing.set_defaults(handler=_command_list)

    get = commands.add_parser("get", help="show one webhook endpoint")
    get.add_argument("endpoint_id", metavar="ID")
    get.add_argument(
        "--show-secret",
        action="store_true",
        help="print the whsec_ signing secret in full (masked otherwise)",
    )
    _add_client_options(get)
    get.set_defaults(handler=_command_get)

    update = commands.add_parser("update", help="change an endpoint's url, events or status")
    update.add_argument("endpoint_id", metavar="ID")
    update.add_argument("--url")
    update.add_argument(
        "--event", action="append", metavar="TYPE", help="replaces the event list (repeat)"
    )
    update.add_argument("--status", choices=["enabled", "disabled"])
    _add_client_options(update)
    update.set_defaults(handler=_command_update)

    for name, text in (
        ("disable", "stop deliveries to an endpoint"),
        ("enable", "resume deliveries"),
    ):
        toggle = commands.add_parser(name, help=text)
        toggle.add_argument("endpoint_id", metavar="ID")
        _add_client_options(toggle)
        toggle.set_defaults(handler=_command_set_status)

    delete = commands.add_parser("delete", help="delete a webhook endpoint")
    delete.add_argument("endpoint_id", metavar="ID")
    _add_client_options(delete)
    delete.set_defaults(handler=_command_delete)

    sandbox = commands.add_parser("sandbox", help="run a local Faraday sandbox until Ctrl-C")
    sandbox.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    sandbox.add_argument(
        "--port", type=_port, default=8765, help="port (default 8765; 0 picks one)"
    )
    sandbox.add_argument(
        "--api-key", action="append", help="an accepted key (repeat; default sk_sandbox_local)"
    )
    sandbox.add_argument(
        "--max-endpoints",
        type=int,
        default=1000,
        help="MAX_RESOURCES_REACHED after this many (0: no limit)",
    )
    sandbox.add_argument(
        "--reject-duplicate-urls", action="store_true", help="a second same url is a CONFLICT"
    )
    sandbox.set_defaults(handler=_command_sandbox)

    listen = commands.add_parser("listen", help="receive deliveries and verify each signature")
    listen.add_argument("--port", type=_port, required=True, help="port (0 picks one)")
    listen.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    listen.add_argument("--secret", help=f"the endpoint's whsec_ secret (default: ${SECRET_ENV})")
    listen.add_argument(
        "--max-deliveries", type=_positive_count, help="exit after this many deliveries"
    )
    listen.set_defaults(handler=_command_listen)

    trigger = commands.add_parser("trigger", help="ask a running sandbox to deliver an event")
    trigger.add_argument(
        "event_type", metavar="TYPE", help="for example resource.ready_with_update"
    )
    trigger.add_argument(
        "--resource-type", default="cohorts", help="resource.* events: the kind (cohorts)"
    )
    trigger.add_argument("--resource-id", help="resource.* events: the resource's id")
    trigger.add_argument(
        "--enrichment-id", help="enrichment_job.* events: the enrichment's id (default: random)"
    )
    trigger.add_argument(
        "--data",
        type=_json_object,
        metavar="JSON",
        help="send this JSON object as the event's data, whatever the type",
    )
    _add_client_options(trigger)
    trigger.set_defaults(handler=_command_trigger)

    demo = commands.add_parser(
        "demo", help="the whole flow offline: sandbox, create, listen, trigger, verify"
    )
    demo.set_defaults(handler=_command_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status.

    Example::

        >>> main(["--version"])  # doctest: +SKIP
        faraday-webhooks 0.1.0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
        return status
    except (FaradayError, _UserError, ImportError) as error:
        # ImportError: the sandbox extra is missing; its message says what to install.
        _fail(f"error: {error}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
