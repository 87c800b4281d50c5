"""The commands for running receivers in production: ``replay`` and ``doctor``."""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import sys
from typing import Any

from .._validation import KNOWN_EVENT_TYPES
from ..errors import AuthenticationError, ForbiddenError
from ..receiver import Outcome, Receiver
from . import output
from .commands import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    UserError,
    client_from_flags,
    secret_from_flags,
)


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
    except Exception as problem:  # the module's own code failed (a variable not set, say)
        kind = type(problem).__name__
        raise UserError(f"--app: importing {module_name!r} raised {kind}: {problem}") from None
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


def fingerprint(secret: str) -> str:
    """A short, one-way name for a secret, to compare two without showing either: the
    first 12 hex digits of the SHA-256 of its key (``whsec_`` and whitespace left out).

    Example:

    ```pycon
    >>> fingerprint("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == fingerprint(
    ...     "  MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw  ")
    True

    ```
    """
    key = secret.strip().removeprefix("whsec_")
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def doctor(args: argparse.Namespace) -> int:
    """One read-only pass: the key, each endpoint, and (with --secret-file) the secret."""
    findings: list[dict[str, Any]] = []

    def find(problem: str, message: str, endpoint_id: str | None = None) -> None:
        findings.append({"problem": problem, "endpoint_id": endpoint_id, "message": message})

    local = secret_from_flags(args)[0] if args.secret_file else None
    with client_from_flags(args) as client:
        output.know_secret(client._config.api_key)
        try:
            endpoints = client.webhooks.list()
        except (AuthenticationError, ForbiddenError) as refused:
            endpoints = []
            find(
                "key_refused", f"the API key is refused: HTTP {refused.status_code} {refused.code}"
            )
    for endpoint in endpoints:
        where = f"endpoint {endpoint.id} ({output.safe(endpoint.url, 200)})"
        if endpoint.status != "enabled":
            find("disabled", f"{where} is disabled: it receives nothing", str(endpoint.id))
        if not endpoint.url.lower().startswith("https://"):
            find(
                "not_https",
                f"{where} is not https: deliveries travel in the clear",
                str(endpoint.id),
            )
        if not set(map(str, endpoint.enabled_events)) & set(KNOWN_EVENT_TYPES):
            find("no_known_event", f"{where} subscribes to no known event type", str(endpoint.id))
    if local is not None and (endpoints or not findings):
        mine = fingerprint(local)
        held = [e for e in endpoints if e.secret is not None and fingerprint(e.secret) == mine]
        if not held:
            find(
                "secret_unknown",
                f"the secret in --secret-file (fingerprint {mine}) is no endpoint's",
            )
    if args.json:
        output.write(
            json.dumps(
                {"ok": not findings, "endpoints": len(endpoints), "findings": findings}, indent=2
            )
        )
    else:
        for finding in findings:
            output.write(finding["message"])
        if not findings:
            matched = ", and the secret file matches one" if local is not None else ""
            output.write(
                f"All well: the key is accepted; {len(endpoints)} endpoint(s) checked{matched}."
            )
    return EXIT_FAILURE if findings else EXIT_OK


HANDLERS = {"replay": replay, "doctor": doctor}
