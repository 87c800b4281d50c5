"""Run schemathesis (every check, stateful phase included) against a fresh sandbox.

    SCHEMATHESIS=.venv-conformance/bin/st python scripts/conformance.py [EXTRA ARGUMENTS...]

The sandbox is started in this process on a free loopback port, with a key of
its own; schemathesis runs as a subprocess against it, with a bounded number
of examples per operation and a fixed seed, so a run is repeatable and takes
seconds. Exits with schemathesis' status: non-zero on any failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from faraday_webhooks.testing import Sandbox

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "sk_conformance_key"
# Bounded: every operation gets this many generated cases per phase.
MAX_EXAMPLES = "40"
SEED = "20261127"


def main(extra: list[str]) -> int:
    # No endpoint limit: the stateful phase creates as many as it likes.
    with Sandbox(api_keys=[API_KEY], max_endpoints=None) as sandbox:
        command = [
            os.environ.get("SCHEMATHESIS") or str(Path(sys.executable).with_name("st")),
            "run",
            str(ROOT / "openapi.yaml"),
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
