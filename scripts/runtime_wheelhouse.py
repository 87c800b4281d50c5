"""Download wheels of the runtime dependencies (and the sandbox extra) into .wheelhouse/.

Run by `make venv`, while package registries may be reached, so that the
release test can install the published package into a fresh environment
without reaching the internet.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["sandbox"]]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary=:all:",
            "--dest",
            str(ROOT / ".wheelhouse"),
            *requirements,
        ],
        check=False,
    ).returncode


if __name__ == "__main__":
    raise SystemExit(main())
