"""The ``faraday-webhooks`` command: manage endpoints, run the sandbox, listen, trigger, demo.

A package of its own, beside ``faraday_webhooks``: importing that package brings in
httpx, and parsing flags, ``--help`` and ``--version`` need none of it. The flags are
read here (``parser.py``, each value checked by its type in ``flag_types.py``); only
then is the command run, by ``faraday_webhooks.cli.commands``.

Every failure a user can cause prints one line and exits non-zero, never a
traceback: 2 for a bad flag (argparse, before anything runs), 1 for everything
else. With ``--json``, errors go to stderr as ``{"error": {...}}``.

Example::

    $ export FARADAY_API_KEY=...
    $ faraday-webhooks create --url https://example.com/hooks --event resource.ready_with_update
    $ faraday-webhooks sandbox --port 8765
    $ faraday-webhooks listen --port 9000 --secret "$FARADAY_WEBHOOK_SECRET"
    $ faraday-webhooks trigger resource.ready_with_update
    $ faraday-webhooks demo
"""

from __future__ import annotations

import os
import sys

from .parser import build_parser

TYPE_CHECKING = False  # typing is not imported: --help must start fast
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

__all__ = ["build_parser", "main"]

EXIT_INTERRUPTED = 130


def _run(args: argparse.Namespace) -> int:
    # The package (and httpx with it) is imported once the flags are known to be good.
    from faraday_webhooks.cli import output
    from faraday_webhooks.cli.commands import (
        EXIT_FAILURE,
        EXIT_USAGE,
        HANDLERS,
        UsageError,
        UserError,
    )
    from faraday_webhooks.errors import APIError, FaradayError

    try:
        return HANDLERS[args.command](args)
    except (FaradayError, UserError) as error:
        message = output.safe(str(error), 4000)
        if not getattr(args, "json", False):
            output.fail(f"error: {message}")
        elif isinstance(error, APIError):
            fields = {"status": error.status_code, "code": error.code, "error_id": error.error_id}
            output.fail_json(type(error).__name__, message, **fields)
        else:
            output.fail_json(type(error).__name__, message)
        return EXIT_USAGE if isinstance(error, UsageError) else EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status.

    Example::

        >>> main(["update", "2c1881c4-a0c0-424d-89e1-b481f3cb118c", "--api-key", "k"])
        2

    ``--version`` and ``--help`` exit through argparse (``SystemExit(0)``), as
    every argparse program does.
    """
    try:
        return _run(build_parser().parse_args(argv))
    except BrokenPipeError:
        # The reader went away (| head): nothing more can be shown. Quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
