"""The test suite on every Python the package claims: `make test` runs `nox -s tests`.

Each Python gets its own environment under .nox/ with the pinned development
requirements and this checkout installed (editable); the tests find everything
through the Python running them, never through .venv.

Interpreters are found by name (python3.11, ...) on PATH and among pyenv's installed
versions, which pyenv's shims do not expose unless selected; a missing one fails
the run, naming it.
"""

from __future__ import annotations

import glob
import os
import subprocess
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
# Every version pyproject.toml's classifiers name: the matrix cannot drift from them.
PYTHONS = sorted(
    classifier.rsplit(" :: ", 1)[1]
    for classifier in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["classifiers"]
    if classifier.startswith("Programming Language :: Python :: 3.")
)

nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


def _runs(binary: str) -> bool:
    try:
        return (
            subprocess.run([binary, "-c", "pass"], capture_output=True, timeout=30).returncode == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def _expose_interpreters() -> None:
    """Put a working ``pythonX.Y`` of each version first on PATH (pyenv's shims exist for
    every installed version but answer only for the selected ones)."""
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    folders = []
    for version in PYTHONS:
        found = sorted(
            glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"),
            key=lambda path: [int(part) for part in Path(path).parts[-3].split(".")],
        )
        if found and _runs(found[-1]):
            folders.append(str(Path(found[-1]).parent))
    os.environ["PATH"] = os.pathsep.join([*folders, os.environ.get("PATH", "")])


_expose_interpreters()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """pytest on one Python; arguments after -- go to pytest."""
    session.install("--quiet", "-r", "requirements-dev.txt")
    session.install("--quiet", "--no-build-isolation", "--no-deps", "-e", ".[sandbox]")
    # The release test installs the published wheel offline, from wheels for this Python.
    session.run("python", "scripts/runtime_wheelhouse.py")
    # Twice as many workers as cores: most tests wait on sockets, servers and timers.
    workers = str(2 * (os.cpu_count() or 1))
    # Bytecode is cached even where the machine says not to (PYTHONDONTWRITEBYTECODE=1):
    # otherwise every worker and every interpreter a test starts compiles the package
    # and rewrites the tests' asserts again. (The cold-start test sets it for itself.)
    session.run(
        "python",
        "-m",
        "pytest",
        "--numprocesses",
        workers,
        *session.posargs,
        env={"PYTHONDONTWRITEBYTECODE": ""},
    )
