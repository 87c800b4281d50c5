"""The ``faraday-webhooks`` command: manage endpoints, run the sandbox, listen, trigger, demo.

Every failure a user can cause prints one line and exits non-zero, never a
traceback: 2 for a bad flag (argparse, before anything runs), 1 for everything
else. With ``--json``, errors go to stderr as ``{"error": {...}}``.

    parser.py    the flags, each checked by its type
    commands.py  what each command does
    output.py    what is printed (escaped, secrets masked)

Example::

    $ export FARADAY_API_KEY=...
    $ faraday-webhooks create --url https://example.com/hooks --event resource.ready_with_update
    $ faraday-webhooks sandbox --port 8765
    $ faraday-webhooks listen --port 9000 --secret "$FARADAY_WEBHOOK_SECRET"
    $ faraday-webhooks trigger resource.ready_with_update
    $ faraday-webhooks demo
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

# Only the standard library at module level: everything else is imported inside main(),
# where a Ctrl-C during start-up is caught like any other.

__all__ = ["build_parser", "main"]

EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``faraday-webhooks`` (exposed for documentation and tests)."""
    from .commands import HANDLERS
    from .parser import build_parser as build

    return build(HANDLERS)


def _report(error: Exception, *, as_json: bool) -> None:
    from ..errors import APIError
    from . import output

    message = output.safe(str(error), 4000)
    if not as_json:
        output.fail(f"error: {message}")
        return
    fields = {}
    if isinstance(error, APIError):
        fields = {"status": error.status_code, "code": error.code, "error_id": error.error_id}
    output.fail_json(type(error).__name__, message, **fields)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status.

    Example::

        >>> main(["update", "2c1881c4-a0c0-424d-89e1-b481f3cb118c", "--api-key", "k"])
        2

    ``--version`` and ``--help`` exit through argparse (``SystemExit(0)``), as
    every argparse program does.
    """
    try:
        from ..errors import FaradayError
        from .commands import EXIT_FAILURE, EXIT_USAGE, UsageError, UserError

        args = build_parser().parse_args(argv)
        as_json = bool(getattr(args, "json", False))
        try:
            status: int = args.handler(args)
            return status
        except (FaradayError, UserError) as error:
            _report(error, as_json=as_json)
            return EXIT_USAGE if isinstance(error, UsageError) else EXIT_FAILURE
    except BrokenPipeError:
        # The reader went away (| head): nothing more can be shown. Quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
