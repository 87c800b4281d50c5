"""The package as pyright sees it once installed: type completeness and strict checking.

    python scripts/pyright_check.py PYRIGHT

Builds the wheel, installs it (offline, from .wheelhouse/) into a temporary
environment, and runs the pinned pyright there: ``--verifytypes faraday_webhooks``
must score at least MINIMUM_COMPLETENESS, and tests/typed_usage.py (a user program
that touches the whole public API) must be clean in strict mode. pyright reads
installed packages only, not this checkout's editable install.

Then every dedupe example of the README, the guides and the docstrings
(scripts/dedupe_examples.py) must be clean in strict mode too, read with this
development environment's packages: the frameworks of the recipes live there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINIMUM_COMPLETENESS = 0.95


def main(pyright: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(work)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        (wheel,) = work.glob("*.whl")
        environment = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
        python = str(environment / "bin" / "python")
        install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        offline = ["--no-index", "--find-links", str(ROOT / ".wheelhouse")]
        subprocess.run([*install, *offline, f"{wheel}[sandbox]"], check=True)
        # The optional drivers, for the stores' types (from the development environment).
        subprocess.run([*install, "--no-deps", *_drivers()], check=True, capture_output=True)
        variables = {
            **os.environ,
            "VIRTUAL_ENV": str(environment),
            "PATH": os.pathsep.join([str(environment / "bin"), os.environ["PATH"]]),
        }
        report = subprocess.run(
            [pyright, "--verifytypes", "faraday_webhooks", "--ignoreexternal", "--outputjson"],
            capture_output=True,
            text=True,
            env=variables,
            cwd=work,
            check=False,
        )
        score = json.loads(report.stdout)["typeCompleteness"]["completenessScore"]
        print(f"pyright --verifytypes faraday_webhooks: {score:.1%} complete")
        strict = subprocess.run(
            [pyright, str(ROOT / "tests" / "typed_usage.py")],
            capture_output=True,
            text=True,
            env=variables,
            cwd=work,
            check=False,
        )
        print(strict.stdout.strip().splitlines()[-1] if strict.stdout.strip() else strict.stderr)
    examples = _dedupe_examples(pyright)
    if score < MINIMUM_COMPLETENESS:
        print(f"pyright_check: below {MINIMUM_COMPLETENESS:.0%}", file=sys.stderr)
        return 1
    if strict.returncode != 0:
        print(strict.stdout, file=sys.stderr)
        return 1
    if examples.returncode != 0:
        print(examples.stdout, file=sys.stderr)
        return 1
    return 0


def _dedupe_examples(pyright: str) -> subprocess.CompletedProcess[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    import dedupe_examples

    with tempfile.TemporaryDirectory() as folder:
        written = dedupe_examples.write(Path(folder))
        checked = subprocess.run(
            [pyright, "--pythonpath", sys.executable, *map(str, written)],
            capture_output=True,
            text=True,
            cwd=folder,
            check=False,
        )
    last = checked.stdout.strip().splitlines()[-1] if checked.stdout.strip() else checked.stderr
    print(f"pyright strict on {len(written)} dedupe examples: {last}")
    return checked


def _drivers() -> list[str]:
    """The redis and psycopg distributions installed here, as pip requirements."""
    from importlib.metadata import version

    return [f"redis=={version('redis')}", f"psycopg=={version('psycopg')}"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
