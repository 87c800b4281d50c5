"""What the command line prints: endpoints, tables, errors; every text escaped and masked."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from .._models import WebhookEndpoint
from .._redact import mask_secret, printable, redact

# Secrets this run knows (the API key): masked in anything printed, server text included.
_SECRETS: list[str] = []


def know_secret(secret: str | None) -> None:
    """Mask ``secret`` in everything this process prints from now on."""
    if secret:
        _SECRETS.append(secret)


def safe(text: str, limit: int = 2000) -> str:
    """Text from outside (a server, an argument) fit for a terminal: masked and escaped."""
    return printable(redact(text, _SECRETS), limit)


def write(text: str = "") -> None:
    print(text, flush=True)


def fail(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fail_json(kind: str, message: str, **fields: Any) -> None:
    """An error as JSON on stderr, for ``--json`` runs: ``{"error": {...}}``."""
    body = {"type": kind, "message": redact(message, _SECRETS), **fields}
    print(json.dumps({"error": body}, indent=2), file=sys.stderr, flush=True)


def endpoint_json(endpoint: WebhookEndpoint, *, reveal_secret: bool) -> dict[str, Any]:
    shown = endpoint.to_dict()
    if "secret" in shown and not reveal_secret:
        # null, not a masked string: `jq -r .secret` must never hand on a fake secret.
        shown["secret"] = None
    return shown


def show_endpoint(endpoint: WebhookEndpoint, *, title: str, reveal_secret: bool) -> None:
    write(f"{title} {endpoint.id}")
    write(f"  url:            {safe(endpoint.url)}")
    write(f"  enabled events: {safe(', '.join(endpoint.enabled_events))}")
    write(f"  status:         {endpoint.status}")
    write(f"  created at:     {endpoint.created_at.isoformat()}")
    write(f"  updated at:     {endpoint.updated_at.isoformat()}")
    if endpoint.secret is not None and reveal_secret:
        write(f"  signing secret: {printable(endpoint.secret, 1000)}")
        write("  (store the signing secret in your secret manager, never in source)")
    elif endpoint.secret is not None:
        write(f"  signing secret: {mask_secret(endpoint.secret)}  (get ID --show-secret)")


def show_table(endpoints: Sequence[WebhookEndpoint]) -> None:
    if not endpoints:
        write("No webhook endpoints.")
        return
    rows = [("ID", "STATUS", "URL", "EVENTS")] + [
        (str(e.id), str(e.status), safe(e.url, 200), safe(",".join(e.enabled_events), 500))
        for e in endpoints
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        write("  ".join([*padded, row[3]]))


def show_result(result: Any, *, as_json: bool, title: str, reveal_secret: bool) -> None:
    """An endpoint, a list of them, as JSON (indented, as every ``--json`` output is) or text."""
    if as_json:
        payload = (
            [endpoint_json(e, reveal_secret=False) for e in result]
            if isinstance(result, list)
            else endpoint_json(result, reveal_secret=reveal_secret)
        )
        write(json.dumps(payload, indent=2))
    elif isinstance(result, list):
        show_table(result)
    else:
        show_endpoint(result, title=title, reveal_secret=reveal_secret)
