"""The ``faraday-webhooks`` command: manage endpoints, run the sandbox, listen, trigger, demo.

    parser.py      the flags (``build_parser``); flag_types.py checks each value
    commands.py    each command
    output.py      what is printed (escaped, secrets masked)
    operations.py  replay (from a receiver's journal) and doctor
    demo.py        the offline demo

The flags are read first; only then are the commands imported (they bring the
sandbox, and with it the ``[sandbox]`` extra), so ``--help`` costs the package and
the parser.

Every failure a user can cause prints one line and exits non-zero, never a
traceback: 2 for a bad flag (argparse, before anything runs), 1 for everything
else. With ``--json``, errors go to stderr as ``{"error": {...}}``.

Example:

```python
$ export FARADAY_API_KEY=...
$ faraday-webhooks create --url https://example.com/hooks --event resource.ready_with_update
$ faraday-webhooks sandbox --port 8765
$ faraday-webhooks listen --port 9000 --secret "$FARADAY_WEBHOOK_SECRET"
$ faraday-webhooks trigger resource.ready_with_update
$ faraday-webhooks demo
```
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import APIError, FaradayError
from . import output
from .parser import build_parser

__all__ = ["build_parser", "main"]

EXIT_INTERRUPTED = 130


def _run(args: argparse.Namespace) -> int:
    # Imported once the flags are good: the commands bring the sandbox and its extra.
    from .commands import EXIT_FAILURE, EXIT_USAGE, HANDLERS, UsageError, UserError
    from .operations import HANDLERS as OPERATIONS

    try:
        return {**HANDLERS, **OPERATIONS}[args.command](args)
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

    Example:

    ```pycon
    >>> main(["update", "2c1881c4-a0c0-424d-89e1-b481f3cb118c", "--api-key", "k"])
    2

    ```

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
