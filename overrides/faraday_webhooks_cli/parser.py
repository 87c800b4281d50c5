"""The ``faraday-webhooks`` argument parser: one small function per command.

Every flag value is checked by its type (``flag_types.py``), so a bad value exits 2
with one line naming the flag, before anything runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re

from . import flag_types

TYPE_CHECKING = False  # typing itself is not imported: --help must start fast
if TYPE_CHECKING:
    from typing import Any, NoReturn

    Commands = Any  # argparse's _SubParsersAction, which it does not export

EXIT_USAGE = 2
SECRET_ENV = "FARADAY_WEBHOOK_SECRET"  # noqa: S105 - a variable name, not a secret
# Where `faraday-webhooks sandbox` listens by default, and so where `trigger` looks.
SANDBOX_PORT = 8765
SANDBOX_BASE_URL = f"http://127.0.0.1:{SANDBOX_PORT}/v1"
# The client's defaults (faraday_webhooks._config; a test keeps them equal).
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RETRIES = 2


def package_file(name: str) -> str:
    """A file of the ``faraday_webhooks`` package, read without importing the package
    (which would import httpx, needed by neither ``--help`` nor ``--version``)."""
    spec = importlib.util.find_spec("faraday_webhooks")  # finds the package, runs none of it
    origin = spec.origin if spec is not None else None
    if origin is None:
        raise RuntimeError("the faraday_webhooks package is not installed")
    with open(os.path.join(os.path.dirname(origin), name), encoding="utf-8") as file:
        return file.read()


def package_version() -> str:
    """``faraday_webhooks.__version__``, from ``_version.py``, its one source."""
    found = re.search(r'^__version__ = "([^"]+)"', package_file("_version.py"), re.MULTILINE)
    return found.group(1) if found else "unknown"


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Help that keeps examples as written, as wide as the terminal.

    The width is asked of the terminal once: argparse makes a formatter for every
    flag it adds, and asking each time was most of the time ``--help`` took.
    """

    terminal_width: int | None = None

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        if Formatter.terminal_width is None:
            import shutil

            Formatter.terminal_width = shutil.get_terminal_size().columns - 2
        super().__init__(prog, indent_increment, max_help_position, Formatter.terminal_width)


class Parser(argparse.ArgumentParser):
    """Bad flags produce one line, not a usage dump.

    A command's flags (``flag()``) are added when that command is parsed or its help
    shown: the commands not run cost nothing at start-up.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)
        self._pending: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def flag(self, *names: str, **options: Any) -> None:
        """``add_argument``, when this command is first parsed or its help shown."""
        self._pending.append((names, options))

    def _add_pending(self) -> None:
        pending, self._pending = self._pending, []
        for names, options in pending:
            self.add_argument(*names, **options)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        self._add_pending()
        return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        self._add_pending()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_pending()
        return super().format_help()

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


def _plain_table() -> str:
    """The fault table of ``faraday_webhooks/testing/faults.py``'s docstring as plain
    text: no reStructuredText rules or literal markers in a terminal."""
    docstring = package_file(os.path.join("testing", "faults.py"))
    table = docstring.split("=====================", 1)[-1].split("Example::")[0]
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
    parser.flag(
        "--base-url", type=flag_types.base_url, metavar="URL", help=f"API root (default: {default})"
    )
    parser.flag(
        "--api-key",
        type=flag_types.printable_text,
        metavar="KEY",
        help="API key (default: $FARADAY_API_KEY; prefer it)",
    )
    parser.flag(
        "--timeout",
        type=flag_types.seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"per network operation (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    parser.flag(
        "--max-retries",
        type=flag_types.count,
        default=DEFAULT_MAX_RETRIES,
        metavar="N",
        help=f"retries when safe (default {DEFAULT_MAX_RETRIES})",
    )
    parser.flag(
        "--allow-insecure-http",
        action="store_true",
        help="allow a cleartext http:// --base-url to a host that is not loopback",
    )
    parser.flag(
        "--json", action="store_true", help="print JSON for scripts (errors go to stderr as JSON)"
    )


def _id_argument(parser: Parser) -> None:
    parser.flag(
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
    create.flag(
        "--url", required=True, type=flag_types.endpoint_url, help="where Faraday POSTs events"
    )
    create.flag(
        "--event",
        action="append",
        required=True,
        type=flag_types.printable_text,
        metavar="TYPE",
        help="an event type to receive (repeat for more)",
    )
    create.flag(
        "--secret-file",
        metavar="PATH",
        help="also write the whsec_ secret to PATH (mode 0600, never through a symlink); "
        "PATH is opened before the endpoint is created, and must not exist unless --force",
    )
    create.flag(
        "--force",
        action="store_true",
        help="with --secret-file: replace an existing file (its mode becomes 0600)",
    )
    _client_options(create)


def _add_list(commands: Commands) -> None:
    listing = _command(
        commands,
        "list",
        "list webhook endpoints as a table",
        "faraday-webhooks list --id 2c1881c4-a0c0-424d-89e1-b481f3cb118c",
    )
    listing.flag(
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
    get.flag(
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
    update.flag("--url", type=flag_types.endpoint_url, help="the new URL")
    update.flag(
        "--event",
        action="append",
        type=flag_types.printable_text,
        metavar="TYPE",
        help="replaces the event list (repeat for more)",
    )
    update.flag("--status", choices=["enabled", "disabled"], help="enabled or disabled")
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
        "\n\nfaults: send the header X-Sandbox-Fail: FAULT on a request (a comma-separated "
        "list\nserves successive requests; add ;TAG for a fresh sequence):\n" + _plain_table()
    )
    sandbox.flag("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    sandbox.flag(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (the sandbox keys are well known)",
    )
    sandbox.flag(
        "--port",
        type=flag_types.port,
        default=SANDBOX_PORT,
        help=f"port (default {SANDBOX_PORT}; 0 picks one)",
    )
    sandbox.flag(
        "--api-key",
        action="append",
        type=flag_types.printable_text,
        metavar="KEY",
        help="an accepted key (repeat; default sk_sandbox_local)",
    )
    sandbox.flag(
        "--expired-api-key",
        action="append",
        type=flag_types.printable_text,
        metavar="KEY",
        help="a key answered 401 EXPIRED_API_KEY (repeat)",
    )
    sandbox.flag(
        "--max-endpoints",
        type=flag_types.limit,
        default=1000,
        metavar="N",
        help="answer 403 MAX_RESOURCES_REACHED after N endpoints (0: no limit)",
    )
    sandbox.flag(
        "--reject-duplicate-urls",
        action="store_true",
        help="answer 400 CONFLICT to a second endpoint with the same url",
    )


def _add_listen(commands: Commands) -> None:
    listen = _command(
        commands,
        "listen",
        "receive deliveries on loopback and verify each signature",
        'faraday-webhooks listen --port 9000 --secret "$FARADAY_WEBHOOK_SECRET"',
    )
    listen.flag("--port", type=flag_types.port, required=True, help="port (0 picks one)")
    listen.flag("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    listen.flag("--allow-remote", action="store_true", help="allow a --host that is not loopback")
    listen.flag(
        "--secret",
        type=flag_types.printable_text,
        metavar="WHSEC",
        help=f"the endpoint's whsec_ secret (default: ${SECRET_ENV})",
    )
    listen.flag(
        "--max-deliveries",
        type=flag_types.positive_count,
        metavar="N",
        help="exit after N deliveries",
    )


def _add_trigger(commands: Commands) -> None:
    trigger = _command(
        commands,
        "trigger",
        "ask a running sandbox to deliver a signed event",
        "faraday-webhooks trigger enrichment_job.succeeded --enrichment-id ID",
    )
    trigger.flag(
        "event_type",
        metavar="TYPE",
        nargs="?",
        type=flag_types.printable_text,
        help="for example resource.ready_with_update or enrichment_job.failed",
    )
    trigger.flag(
        "--redeliver",
        metavar="MESSAGE_ID",
        type=flag_types.printable_text,
        help="send an earlier message again, with its id (as Svix's resend), instead of TYPE",
    )
    trigger.flag(
        "--resource-type",
        default="cohorts",
        type=flag_types.printable_text,
        metavar="KIND",
        help="resource.* events: the kind of resource (default cohorts)",
    )
    trigger.flag(
        "--resource-id",
        type=flag_types.uuid_text,
        metavar="ID",
        help="resource.* events: the resource's id",
    )
    trigger.flag(
        "--enrichment-id",
        type=flag_types.uuid_text,
        metavar="ID",
        help="enrichment_job.* events: the enrichment's id (default: random)",
    )
    trigger.flag(
        "--data",
        type=flag_types.json_object,
        metavar="JSON",
        help="send this JSON object as the event's data, whatever the type",
    )
    _client_options(trigger, base_url_default=f"$FARADAY_BASE_URL, else {SANDBOX_BASE_URL}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; the command's name is ``args.command``.

    Example::

        >>> build_parser().parse_args(["get", "2c1881c4-a0c0-424d-89e1-b481f3cb118c"]).command
        'get'
    """
    parser = Parser(
        prog="faraday-webhooks",
        description="Manage Faraday webhook endpoints, and test webhooks offline.",
        epilog="example:\n  faraday-webhooks demo\n\n"
        "The API key comes from $FARADAY_API_KEY (or --api-key); the API root from "
        "$FARADAY_BASE_URL (or --base-url).",
    )
    parser.add_argument(
        "--version", action="version", version=f"faraday-webhooks {package_version()}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_create(commands)
    _add_list(commands)
    _add_get(commands)
    _add_update(commands)
    _add_simple(commands, "enable", "resume deliveries to an endpoint")
    _add_simple(commands, "disable", "stop deliveries to an endpoint without deleting it")
    _add_simple(commands, "delete", "delete a webhook endpoint")
    _add_sandbox(commands)
    _add_listen(commands)
    _add_trigger(commands)
    _command(
        commands,
        "demo",
        "run the whole webhook flow offline: start a sandbox and a verifying receiver, "
        "create an endpoint, trigger an event, verify the delivery, reject a forgery",
        "faraday-webhooks demo",
    )
    return parser
