"""The ``faraday-webhooks`` argument parser: one small function per command.

Every flag value is checked by its type (``flag_types.py``), so a bad value exits 2
with one line naming the flag, before anything runs.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
from typing import Any, NoReturn

from .._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from .._version import __version__
from . import flag_types

Commands = Any  # argparse's _SubParsersAction, which it does not export

EXIT_USAGE = 2
SECRET_ENV = "FARADAY_WEBHOOK_SECRET"  # noqa: S105 - a variable name, not a secret
# Where `faraday-webhooks sandbox` listens by default, and so where `trigger` looks.
SANDBOX_PORT = 8765
SANDBOX_BASE_URL = f"http://127.0.0.1:{SANDBOX_PORT}/v1"
DEFAULT_TIMEOUT_SECONDS = DEFAULT_TIMEOUT.read


class Parser(argparse.ArgumentParser):
    """Bad flags produce one line, not a usage dump; help keeps examples as written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# -- commands ----------------------------------------------------------------------------


def _command(commands: Commands, name: str, summary: str, example: str) -> Parser:
    """A subcommand with a one-line summary, its description and an example."""
    parser: Parser = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=f"example:\n  {example}",
    )
    return parser


def _allow_unknown_event(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-unknown-event",
        action="store_true",
        help="send an event type openapi.yaml does not name (one Faraday added since)",
    )


def _plain_table() -> str:
    """The fault table of ``faraday_webhooks/testing/faults.py``'s docstring as plain
    text: no reStructuredText rules or literal markers in a terminal."""
    # Read, not imported: the sandbox's module needs the [sandbox] extra.
    source = (Path(__file__).parent.parent / "testing" / "faults.py").read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source)) or ""
    table = docstring.split("=====================", 1)[-1].split("\nExample:")[0]
    lines = []
    for line in table.splitlines():
        if set(line.strip()) <= {"=", " "}:
            continue
        term, gap, description = line.partition("  ")
        if term.strip() and gap:  # a fault: its name, then its description in the column
            line = f"{term.replace('``', ''):<23}{description.strip()}"
        lines.append(line.replace("``", ""))
    return "\n".join(lines).rstrip()


def _client_options(parser: Parser, *, base_url_default: str | None = None) -> None:
    default = base_url_default or "$FARADAY_BASE_URL, else https://api.faraday.ai/v1"
    parser.add_argument(
        "--base-url", type=flag_types.base_url, metavar="URL", help=f"API root (default: {default})"
    )
    parser.add_argument(
        "--api-key",
        type=flag_types.printable_text,
        metavar="KEY",
        help="API key (default: $FARADAY_API_KEY; prefer it)",
    )
    parser.add_argument(
        "--timeout",
        type=flag_types.seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"per network operation (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--max-retries",
        type=flag_types.count,
        default=DEFAULT_MAX_RETRIES,
        metavar="N",
        help=f"retries when safe (default {DEFAULT_MAX_RETRIES})",
    )
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a cleartext http:// --base-url to a host that is not loopback",
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON for scripts (errors go to stderr as JSON)"
    )


def _id_argument(parser: Parser) -> None:
    parser.add_argument(
        "endpoint_id", metavar="ID", type=flag_types.uuid_text, help="the endpoint's id (a UUID)"
    )


def _add_create(commands: Commands) -> None:
    create = _command(
        commands,
        "create",
        "register a webhook endpoint and print its signing secret",
        "faraday-webhooks create --url https://example.com/hooks "
        "--event resource.ready_with_update --secret-file secret.txt",
    )
    create.add_argument(
        "--url", required=True, type=flag_types.endpoint_url, help="where Faraday POSTs events"
    )
    create.add_argument(
        "--event",
        action="append",
        required=True,
        type=flag_types.printable_text,
        metavar="TYPE",
        help="an event type to receive (repeat for more)",
    )
    _allow_unknown_event(create)
    create.add_argument(
        "--secret-file",
        metavar="PATH",
        help="also write the whsec_ secret to PATH (mode 0600, never through a symlink); "
        "PATH is opened before the endpoint is created, and must not exist unless --force",
    )
    create.add_argument(
        "--force",
        action="store_true",
        help="with --secret-file: replace an existing file (its mode becomes 0600)",
    )
    _client_options(create)


def _add_rotate(commands: Commands) -> None:
    rotate = _command(
        commands,
        "rotate",
        "rotate an endpoint's secret without downtime: make a twin with a new secret "
        "(Faraday has no rotate operation), then delete the old one once both are deployed",
        "faraday-webhooks rotate 2c1881c4-a0c0-424d-89e1-b481f3cb118c --secret-file new.txt",
    )
    _id_argument(rotate)
    rotate.add_argument(
        "--secret-file",
        metavar="PATH",
        required=True,
        help="where the twin's whsec_ secret goes (mode 0600, never through a symlink); PATH "
        "must not exist, and is opened before the twin is created",
    )
    _client_options(rotate)


def _add_list(commands: Commands) -> None:
    listing = _command(
        commands,
        "list",
        "list webhook endpoints as a table",
        "faraday-webhooks list --id 2c1881c4-a0c0-424d-89e1-b481f3cb118c",
    )
    listing.add_argument(
        "--id",
        action="append",
        type=flag_types.uuid_text,
        metavar="ID",
        help="only these ids (repeat; any number, asked 100 at a time)",
    )
    _client_options(listing)


def _add_get(commands: Commands) -> None:
    get = _command(
        commands,
        "get",
        "show one webhook endpoint",
        "faraday-webhooks get 2c1881c4-a0c0-424d-89e1-b481f3cb118c --show-secret",
    )
    _id_argument(get)
    get.add_argument(
        "--show-secret",
        action="store_true",
        help="print the whsec_ signing secret in full (masked otherwise)",
    )
    _client_options(get)


def _add_update(commands: Commands) -> None:
    update = _command(
        commands,
        "update",
        "change an endpoint's url, events or status (only what is given)",
        "faraday-webhooks update ID --event resource.errored --event resource.ready_with_update",
    )
    _id_argument(update)
    update.add_argument("--url", type=flag_types.endpoint_url, help="the new URL")
    update.add_argument(
        "--event",
        action="append",
        type=flag_types.printable_text,
        metavar="TYPE",
        help="replaces the event list (repeat for more)",
    )
    _allow_unknown_event(update)
    update.add_argument("--status", choices=["enabled", "disabled"], help="enabled or disabled")
    _client_options(update)


def _add_simple(commands: Commands, name: str, summary: str) -> None:
    parser = _command(commands, name, summary, f"faraday-webhooks {name} ID")
    _id_argument(parser)
    _client_options(parser)


def _add_sandbox(commands: Commands) -> None:
    sandbox = _command(
        commands,
        "sandbox",
        "run a local Faraday sandbox on loopback until Ctrl-C",
        "faraday-webhooks sandbox --port 8765 --api-key sk_test --expired-api-key sk_old",
    )
    sandbox.epilog = (sandbox.epilog or "") + (
        "\n\nfaults: every request carrying the header X-Sandbox-Fail: FAULT misbehaves.\n"
        "A comma-separated list is served to successive requests, then starts over\n"
        "(503,ok: each call fails once and its retry succeeds):\n" + _plain_table()
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    sandbox.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (the sandbox keys are well known)",
    )
    sandbox.add_argument(
        "--port",
        type=flag_types.port,
        default=SANDBOX_PORT,
        help=f"port (default {SANDBOX_PORT}; 0 picks one)",
    )
    sandbox.add_argument(
        "--api-key",
        action="append",
        type=flag_types.printable_text,
        metavar="KEY",
        help="an accepted key (repeat; default sk_sandbox_local)",
    )
    sandbox.add_argument(
        "--expired-api-key",
        action="append",
        type=flag_types.printable_text,
        metavar="KEY",
        help="a key answered 401 EXPIRED_API_KEY (repeat)",
    )
    sandbox.add_argument(
        "--max-endpoints",
        type=flag_types.limit,
        default=1000,
        metavar="N",
        help="answer 403 MAX_RESOURCES_REACHED after N endpoints (0: no limit)",
    )
    sandbox.add_argument(
        "--reject-duplicate-urls",
        action="store_true",
        help="answer 400 CONFLICT to a second endpoint with the same url",
    )
    sandbox.add_argument(
        "--event-type",
        action="append",
        type=flag_types.printable_text,
        metavar="KIND",
        help="accept an event type Faraday added since this package was generated (repeat); "
        "like Faraday, the sandbox refuses unknown ones",
    )
    sandbox.add_argument(
        "--retry-schedule",
        type=flag_types.retry_schedule,
        metavar="SECONDS,...",
        help="seconds before each retry of a failed delivery (default Svix's: "
        "5,300,1800,7200,18000,36000,36000)",
    )


def _add_listen(commands: Commands) -> None:
    listen = _command(
        commands,
        "listen",
        "receive deliveries on loopback and verify each signature",
        "faraday-webhooks listen --port 9000 --secret-file secret.txt "
        "--forward-to http://127.0.0.1:8000/hooks/faraday",
    )
    listen.add_argument("--port", type=flag_types.port, required=True, help="port (0 picks one)")
    listen.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    listen.add_argument(
        "--allow-remote", action="store_true", help="allow a --host that is not loopback"
    )
    given = listen.add_mutually_exclusive_group()
    given.add_argument(
        "--secret",
        type=flag_types.printable_text,
        metavar="WHSEC",
        help=f"the endpoint's whsec_ secret (default: ${SECRET_ENV})",
    )
    given.add_argument(
        "--secret-file",
        metavar="PATH",
        help="read the whsec_ secret from PATH (as create --secret-file wrote it)",
    )
    listen.add_argument(
        "--max-deliveries",
        type=flag_types.positive_count,
        metavar="N",
        help="exit after N deliveries",
    )
    listen.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per delivery on stdout (message_id, type, timestamp, "
        "verified, data, reason); everything else goes to stderr",
    )
    listen.add_argument(
        "--forward-to",
        type=flag_types.endpoint_url,
        metavar="URL",
        help="re-send each verified delivery unchanged (body and svix-*/webhook-* headers) "
        "to your app at URL, as stripe listen --forward-to does",
    )


def _add_trigger(commands: Commands) -> None:
    trigger = _command(
        commands,
        "trigger",
        "ask a running sandbox to deliver a signed event",
        "faraday-webhooks trigger enrichment_job.succeeded --enrichment-id ID",
    )
    trigger.add_argument(
        "event_type",
        metavar="TYPE",
        nargs="?",
        type=flag_types.printable_text,
        help="for example resource.ready_with_update or enrichment_job.failed",
    )
    _allow_unknown_event(trigger)
    trigger.add_argument(
        "--redeliver",
        metavar="MESSAGE_ID",
        type=flag_types.printable_text,
        help="send an earlier message again, with its id (as Svix's resend), instead of TYPE",
    )
    trigger.add_argument(
        "--resource-type",
        default="cohorts",
        type=flag_types.printable_text,
        metavar="KIND",
        help="resource.* events: the kind of resource (default cohorts)",
    )
    trigger.add_argument(
        "--resource-id",
        type=flag_types.uuid_text,
        metavar="ID",
        help="resource.* events: the resource's id",
    )
    trigger.add_argument(
        "--enrichment-id",
        type=flag_types.uuid_text,
        metavar="ID",
        help="enrichment_job.* events: the enrichment's id (default: random)",
    )
    trigger.add_argument(
        "--data",
        type=flag_types.json_object,
        metavar="JSON",
        help="send this JSON object as the event's data, whatever the type",
    )
    _client_options(trigger, base_url_default=f"$FARADAY_BASE_URL, else {SANDBOX_BASE_URL}")


def _add_replay(commands: Commands) -> None:
    replay = _command(
        commands,
        "replay",
        "run your receiver's handlers again on the deliveries its journal kept "
        "(after a handler bug, or an outage longer than Faraday's retries)",
        "faraday-webhooks replay --app myapp.hooks:receiver --since 2026-12-01T00:00:00Z",
    )
    replay.add_argument(
        "--app",
        required=True,
        type=flag_types.app_reference,
        metavar="MODULE:RECEIVER",
        help="your Receiver, made with journal=..., as module:attribute (imported from here)",
    )
    replay.add_argument(
        "--state",
        default="failed",
        choices=["failed", "handled", "duplicate", "ignored", "any"],
        help="the messages whose last outcome was this (default failed)",
    )
    replay.add_argument(
        "--since",
        type=flag_types.aware_datetime,
        metavar="ISO",
        help="only messages received since then (with a timezone)",
    )
    replay.add_argument(
        "--id",
        action="append",
        type=flag_types.message_id,
        metavar="MESSAGE_ID",
        help="only this message (repeat for more)",
    )
    replay.add_argument(
        "--dry-run", action="store_true", help="run nothing: list what would be replayed"
    )
    replay.add_argument(
        "--force",
        action="store_true",
        help="run the handler even for a message already handled (bypass dedupe)",
    )
    replay.add_argument("--json", action="store_true", help="one JSON object per message")


def _add_doctor(commands: Commands) -> None:
    doctor = _command(
        commands,
        "doctor",
        "check, read-only, that the key is accepted and each endpoint can receive: "
        "enabled, https, subscribed to a known event type; with --secret-file, that an "
        "endpoint holds that secret (compared by fingerprint, never printed)",
        "faraday-webhooks doctor --secret-file secret.txt",
    )
    doctor.add_argument(
        "--secret-file", metavar="PATH", help="the whsec_ secret your receiver verifies with"
    )
    _client_options(doctor)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; the command's name is ``args.command``.

    Example:

    ```pycon
    >>> build_parser().parse_args(["get", "2c1881c4-a0c0-424d-89e1-b481f3cb118c"]).command
    'get'

    ```
    """
    parser = Parser(
        prog="faraday-webhooks",
        description="Manage Faraday webhook endpoints, and test webhooks offline.",
        epilog="example:\n  faraday-webhooks demo\n\n"
        "The API key comes from $FARADAY_API_KEY (or --api-key); the API root from "
        "$FARADAY_BASE_URL (or --base-url).",
    )
    parser.add_argument("--version", action="version", version=f"faraday-webhooks {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_create(commands)
    _add_rotate(commands)
    _add_list(commands)
    _add_get(commands)
    _add_update(commands)
    _add_simple(commands, "enable", "resume deliveries to an endpoint")
    _add_simple(commands, "disable", "stop deliveries to an endpoint without deleting it")
    _add_simple(commands, "delete", "delete a webhook endpoint")
    _add_sandbox(commands)
    _add_listen(commands)
    _add_trigger(commands)
    _add_replay(commands)
    _add_doctor(commands)
    _command(
        commands,
        "demo",
        "run the whole webhook flow offline: start a sandbox and a verifying receiver, "
        "create an endpoint, trigger an event, verify the delivery, reject a forgery",
        "faraday-webhooks demo",
    )
    return parser
