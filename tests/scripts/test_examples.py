"""Every example in README.md and docs/ runs as written (pytest-examples).

A block may assume only what a reader's shell would have: ``FARADAY_API_KEY`` and
``FARADAY_BASE_URL`` pointing at a sandbox, and ``FARADAY_WEBHOOK_SECRET``; anything
else it makes itself. A framework recipe defines its app; this test then serves it on
127.0.0.1 and the sandbox delivers to it, and delivers the same message again.
Shell blocks that use the command line run too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import wsgiref.simple_server
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engines import free_port
from faraday_webhooks import APIConnectionError, Faraday
from faraday_webhooks.testing import Sandbox
from helpers import QuietWSGIServer
from markdown_it import MarkdownIt
from pytest_examples import CodeExample, EvalExample, find_examples

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "docs"]
EXAMPLES = list(find_examples(*DOCUMENTS))
RECIPE_PATH = "/hooks/faraday"


def shell_blocks() -> list[tuple[str, str]]:
    """(where, text) of each ```sh block that runs the command line."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for token in MarkdownIt().parse(path.read_text()):
            if (
                token.type == "fence"
                and token.info.strip() == "sh"
                and ("faraday-webhooks " in token.content)
            ):
                line = (token.map or [0])[0] + 1
                found.append((f"{path.relative_to(ROOT)}:{line}", token.content))
    return found


@pytest.fixture
def reader_shell(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Sandbox, int]:
    """The environment a reader's shell has: a sandbox's URL and key, and the secret of
    an endpoint pointing at a free port where a recipe's app will be served."""
    port = free_port()
    with Faraday(api_key=sandbox.api_keys[0], base_url=sandbox.base_url) as client:
        endpoint = client.webhooks.create(
            url=f"http://127.0.0.1:{port}{RECIPE_PATH}",
            enabled_events=["resource.errored", "resource.ready_with_update"],
        )
    monkeypatch.setenv("FARADAY_API_KEY", sandbox.api_keys[0])
    monkeypatch.setenv("FARADAY_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("FARADAY_WEBHOOK_SECRET", endpoint.secret or "")
    monkeypatch.chdir(tmp_path)
    return sandbox, port


def _serve(app: Any, port: int) -> Any:
    """Serve a FastAPI (ASGI) or Flask / Django (WSGI) app on 127.0.0.1:``port``."""
    if hasattr(app, "router"):  # ASGI: FastAPI / Starlette
        import uvicorn

        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            thread.join(0.02)

        def stop() -> None:
            server.should_exit = True
            thread.join(10)

        return stop

    class Quiet(wsgiref.simple_server.WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    wsgi = wsgiref.simple_server.make_server(
        "127.0.0.1", port, app, handler_class=Quiet, server_class=QuietWSGIServer
    )
    thread = threading.Thread(target=wsgi.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()

    def stop_wsgi() -> None:
        wsgi.shutdown()
        wsgi.server_close()
        thread.join(10)

    return stop_wsgi


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_python_example_runs_as_written(
    example: CodeExample, eval_example: EvalExample, reader_shell: tuple[Sandbox, int]
) -> None:
    sandbox, port = reader_shell
    module = eval_example.run(example)
    app = module.get("app") or module.get("application")
    if app is None:
        return
    stop = _serve(app, port)
    try:
        (first,) = sandbox.trigger("resource.errored")
        assert first.ok, first.error
        (again,) = sandbox.redeliver(first.message_id)  # Faraday's retry: acknowledged
        assert again.ok, again.error
    finally:
        stop()


@pytest.mark.parametrize(("where", "script"), shell_blocks(), ids=[w for w, _ in shell_blocks()])
def test_shell_example_runs_as_written(
    where: str, script: str, reader_shell: tuple[Sandbox, int]
) -> None:
    # The command of the Python running the tests, first on PATH.
    command = shutil.which("faraday-webhooks", path=str(Path(sys.executable).parent))
    assert command is not None
    path = os.pathsep.join([str(Path(command).parent), os.environ.get("PATH", "")])
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": path},
        check=False,
    )
    assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr}"


def test_every_python_block_in_the_documents_is_collected() -> None:
    # The number of Python blocks (by a second reader: markdown-it) equals what runs above.
    blocks = 0
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        blocks += sum(
            token.type == "fence" and token.info.strip() in ("python", "py")
            for token in MarkdownIt().parse(path.read_text())
        )
    assert blocks == len(EXAMPLES) > 10


def test_the_api_reference_documents_every_public_name() -> None:
    import faraday_webhooks
    import faraday_webhooks.testing
    from faraday_webhooks.resources.webhooks import Webhooks

    reference = (ROOT / "docs" / "reference.md").read_text()
    documented = {line.removeprefix("::: ").strip() for line in reference.splitlines()}
    for module in (faraday_webhooks, faraday_webhooks.testing):
        for name in module.__all__:
            assert f"{module.__name__}.{name}" in documented, name
    assert "faraday_webhooks.resources.webhooks.Webhooks" in documented
    for module_name in ("dedupe", "receiver", "journal", "tracing"):
        assert f"faraday_webhooks.{module_name}" in documented, module_name
    methods = [name for name in dir(Webhooks) if not name.startswith("_")]
    assert sorted(methods) == [
        "create",
        "delete",
        "disable",
        "enable",
        "list",
        "retrieve",
        "unwrap",
        "update",
    ]


FAULT_EXAMPLES = [example for example in EXAMPLES if "X-Sandbox-Fail" in example.source]


@contextlib.contextmanager
def cli_sandbox(api_key: str) -> Iterator[str]:
    """``faraday-webhooks sandbox`` as a reader starts it, in its own process; yields its
    base URL once it answers, and fails if it printed a traceback when stopped."""
    port = free_port()
    command = str(Path(sys.executable).parent / "faraday-webhooks")
    server = subprocess.Popen(
        [command, "sandbox", "--port", str(port), "--api-key", api_key],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        with Faraday(api_key=api_key, base_url=base_url, max_retries=0) as client:
            deadline = time.monotonic() + 15
            while True:
                try:
                    client.webhooks.list()
                    break
                except APIConnectionError:
                    assert time.monotonic() < deadline, "the sandbox did not start"
                    time.sleep(0.05)
        yield base_url
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    assert b"Traceback" not in errors


@pytest.mark.parametrize("example", FAULT_EXAMPLES, ids=str)
def test_a_fault_example_misbehaves_the_same_on_every_run_against_one_sandbox(
    example: CodeExample, tmp_path: Path
) -> None:
    # A reader runs the guide's example twice against one `faraday-webhooks sandbox`:
    # the second run must show the fault again, not create a real endpoint.
    script = tmp_path / "example.py"
    script.write_text(example.source)
    with (
        cli_sandbox("sk_guide") as base_url,
        Faraday(api_key="sk_guide", base_url=base_url, max_retries=0) as client,
    ):
        env = {**os.environ, "FARADAY_API_KEY": "sk_guide", "FARADAY_BASE_URL": base_url}
        runs = [
            subprocess.run(
                [sys.executable, str(script)],
                capture_output=True,
                text=True,
                timeout=60,
                env=env,
                check=False,
            )
            for _ in range(2)
        ]
        assert runs[0].returncode == 0, runs[0].stderr
        assert runs[0].stdout.strip(), "the first run showed no fault"
        assert runs[1].stdout == runs[0].stdout.replace(
            _error_id(runs[0].stdout), _error_id(runs[1].stdout)
        )
        assert list(client.webhooks.list()) == []  # neither run created an endpoint


# -- a new user's first hour: every example, twice, against one sandbox -------------


@pytest.fixture(scope="module")
def one_sandbox() -> Iterator[dict[str, str]]:
    """One ``faraday-webhooks sandbox`` for the whole walk, and the shell a reader has
    once they followed the README: its URL and key, and an endpoint's secret."""
    with cli_sandbox("sk_first_hour") as base_url:
        with Faraday(api_key="sk_first_hour", base_url=base_url) as client:
            endpoint = client.webhooks.create(
                url=f"http://127.0.0.1:{free_port()}{RECIPE_PATH}",
                enabled_events=["resource.errored", "resource.ready_with_update"],
            )
        yield {
            "FARADAY_API_KEY": "sk_first_hour",
            "FARADAY_BASE_URL": base_url,
            "FARADAY_WEBHOOK_SECRET": endpoint.secret or "",
        }


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_python_example_runs_twice_against_one_sandbox(
    example: CodeExample,
    one_sandbox: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a reader does in their first hour: the same example again, against the
    # sandbox the first run left behind (endpoints, faults, a dedupe file).
    for name, value in one_sandbox.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "example.py"
    script.write_text(example.source)
    for run in ("first", "second"):
        result = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{example} ({run} run)\n{result.stderr}"
        assert "Traceback" not in result.stderr, f"{example} ({run} run)"


@pytest.mark.parametrize(("where", "script"), shell_blocks(), ids=[w for w, _ in shell_blocks()])
def test_every_shell_example_runs_twice_against_one_sandbox(
    where: str,
    script: str,
    one_sandbox: dict[str, str],
    tmp_path: Path,
) -> None:
    command = shutil.which("faraday-webhooks", path=str(Path(sys.executable).parent))
    assert command is not None
    path = os.pathsep.join([str(Path(command).parent), os.environ.get("PATH", "")])
    for run in ("first", "second"):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **one_sandbox, "PATH": path},
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, f"{where} ({run} run)\n{result.stdout}\n{result.stderr}"


def _error_id(output: str) -> str:
    """The per-request error id a run prints, which differs between runs."""
    found = re.search(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", output)
    return found.group(0) if found else ""
