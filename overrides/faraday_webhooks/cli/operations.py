"""The commands for running receivers in production: ``replay`` and ``doctor``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from typing import Any

from ..receiver import Outcome, Receiver
from . import output
from .commands import EXIT_FAILURE, EXIT_OK, UsageError, UserError


def load_receiver(module_name: str, attribute: str) -> Receiver:
    """The user's ``Receiver``, imported as uvicorn imports an app (from the current
    folder first); any failure is one line naming ``--app``."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_name)
        for name in attribute.split("."):
            found = getattr(found, name)
    except ImportError as problem:
        raise UsageError(f"--app: cannot import {module_name!r}: {problem}") from None
    except AttributeError:
        raise UsageError(f"--app: {module_name!r} has no {attribute!r}") from None
    if not isinstance(found, Receiver):
        raise UsageError(
            f"--app: {module_name}:{attribute} is a {type(found).__name__}, not a Receiver"
        )
    if found.journal is None:
        raise UserError(
            f"{module_name}:{attribute} keeps no journal: make it with "
            "Receiver(..., journal=SQLiteJournal(path)) to replay from it"
        )
    return found


def replay(args: argparse.Namespace) -> int:
    receiver = load_receiver(*args.app)
    outcomes = receiver.replay(
        state=None if args.state == "any" else args.state,
        since=args.since,
        message_ids=args.id,
        dry_run=args.dry_run,
        force=args.force,
    )
    for outcome in outcomes:
        _show_outcome(outcome, as_json=args.json)
    if not outcomes and not args.json:
        output.write("Nothing to replay.")
    return EXIT_FAILURE if any(o.state == "failed" for o in outcomes) else EXIT_OK


def _show_outcome(outcome: Outcome, *, as_json: bool) -> None:
    event_type = outcome.event.type if outcome.event is not None else ""
    error = outcome.error
    if as_json:
        shown = {"message_id": outcome.message_id, "type": event_type, "state": outcome.state}
        if error is not None:
            shown["error"] = f"{type(error).__name__}: {output.safe(str(error), 500)}"
        output.write(json.dumps(shown))
        return
    state = "would replay" if outcome.state == "pending" else outcome.state
    line = (
        f"{state:<12} {output.safe(outcome.message_id or '', 100)}  {output.safe(event_type, 100)}"
    )
    if error is not None:
        line += f"  {type(error).__name__}: {output.safe(str(error), 300)}"
    output.write(line)


HANDLERS = {"replay": replay}
