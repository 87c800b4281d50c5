"""Run schemathesis (every check, stateful phase included) against a fresh sandbox.

    SCHEMATHESIS=.venv-conformance/bin/st python scripts/conformance.py [EXTRA ARGUMENTS...]

The sandbox is started in this process on a free loopback port, with a key of
its own; schemathesis runs as a subprocess against it, with a bounded number
of examples per operation and a fixed seed, so a run is repeatable and takes
seconds. Exits with schemathesis' status: non-zero on any failure.

Schemathesis reads openapi.yaml as Faraday publishes it in one respect: request bodies
name only ``WebhookEventType`` values (openapi.yaml also takes any string there, for
the client's sake; the sandbox, like Faraday, refuses an unknown type).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from faraday_webhooks.testing import Sandbox

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "sk_conformance_key"
# Bounded: every operation gets this many generated cases per phase.
MAX_EXAMPLES = "40"
SEED = "20261127"


def closed_event_types(spec: Any) -> Any:
    """``spec`` with each ``anyOf: [WebhookEventType, string]`` reduced to the enum."""
    if isinstance(spec, list):
        return [closed_event_types(item) for item in spec]
    if not isinstance(spec, dict):
        return spec
    choices = spec.get("anyOf")
    if isinstance(choices, list) and {"type": "string"} in choices and len(choices) == 2:
        (named,) = (choice for choice in choices if choice != {"type": "string"})
        if str(named.get("$ref", "")).endswith("/WebhookEventType"):
            return named
    return {key: closed_event_types(value) for key, value in spec.items()}


def main(extra: list[str]) -> int:
    # No endpoint limit: the stateful phase creates as many as it likes.
    spec = closed_event_types(yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8")))
    with (
        tempfile.NamedTemporaryFile("w", suffix=".yaml") as closed_spec,
        Sandbox(api_keys=[API_KEY], max_endpoints=None) as sandbox,
    ):
        yaml.safe_dump(spec, closed_spec, sort_keys=False)
        closed_spec.flush()
        command = [
            os.environ.get("SCHEMATHESIS") or str(Path(sys.executable).with_name("st")),
            "run",
            closed_spec.name,
            "--url",
            sandbox.base_url,
            "--header",
            f"Authorization: Bearer {API_KEY}",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "1",
            "--request-timeout",
            "10",
            *extra,
        ]
        print(f"conformance: schemathesis against a fresh sandbox at {sandbox.base_url}")
        return subprocess.run(command, check=False, timeout=600).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
