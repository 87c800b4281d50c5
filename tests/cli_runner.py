"""Running ``faraday-webhooks`` in this process, as a shell would see it."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from unittest import mock

from faraday_webhooks.cli import main
from helpers import API_KEY


def run(
    *args: str, key: str | None = API_KEY, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command as a shell sees it (exit status, stdout, stderr), run by ``main(argv)``
    in this process: a subprocess would add only an interpreter's start-up. The tests
    that need a process of their own (signals, a listener serving) start one."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FARADAY_")}
    if key is not None:
        environment["FARADAY_API_KEY"] = key
    environment.setdefault("COLUMNS", "80")  # help wraps as in a terminal of 80 columns
    environment.update(env or {})
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, environment, clear=True),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        try:
            status = main(list(args))
        except SystemExit as exit:  # argparse's --help, --version and usage errors
            status = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    return subprocess.CompletedProcess(args, status, stdout.getvalue(), stderr.getvalue())


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
