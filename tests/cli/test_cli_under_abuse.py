"""The command line under hostile input: no traceback, escaped text, secret files, bounded
reads."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import faraday_webhooks as fw
import pytest
from faraday_webhooks.testing import Sandbox
from helpers import (
    API_KEY,
    EVENT,
    Recorder,
    endpoint_body,
    error_body,
    json_response,
    scripted_server,
)

# The command line of the Python running the tests (python -m is the installed command's twin).
CLI = [sys.executable, "-m", "faraday_webhooks"]


# -- the command line: no traceback, escaped text, secret files, bounded reads ---------


def test_the_cli_never_prints_an_echoed_key() -> None:
    echo = json.dumps({"note": f"your key {API_KEY} is wrong"}).encode()
    with scripted_server(401, echo) as url:
        result = subprocess.run(
            [*CLI, "trigger", "resource.errored", "--base-url", url + "/v1", "--api-key", API_KEY],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert API_KEY not in result.stdout + result.stderr
    assert "your key *** is wrong" in result.stderr


def _run_into_a_closed_pipe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: every write fails with EPIPE
    try:
        return subprocess.run(
            [*CLI, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, **env},
            check=False,
        )
    finally:
        os.close(write_end)


def test_a_closed_stdout_is_quiet_and_never_loses_a_created_endpoint(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = {"FARADAY_API_KEY": API_KEY, "FARADAY_BASE_URL": sandbox.base_url}
    listing = _run_into_a_closed_pipe("list", env=env)
    assert listing.returncode == 1
    assert "Traceback" not in listing.stderr
    secret_file = tmp_path / "secret.txt"
    created = _run_into_a_closed_pipe(
        "create",
        "--url",
        "https://example.com/h",
        "--event",
        EVENT,
        "--secret-file",
        str(secret_file),
        env=env,
    )
    assert "Traceback" not in created.stderr
    (endpoint,) = sandbox.endpoints
    assert f"created webhook endpoint {endpoint.id}" in created.stderr
    assert str(secret_file) in created.stderr
    assert secret_file.read_text().strip() == endpoint.secret
    assert secret_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"plain text"),
        (200, b"[1, 2]"),
        (200, b'{"deliveries": [{"url": 5}]}'),
        (200, b'{"deliveries": 7}'),
    ],
)
def test_trigger_against_something_that_is_not_a_sandbox(status: int, body: bytes) -> None:
    with scripted_server(status, body) as url:
        result = subprocess.run(
            [*CLI, "trigger", "resource.errored", "--base-url", url + "/v1"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "is this the sandbox?" in result.stderr


def test_terminal_control_characters_are_escaped_in_messages_and_the_cli(
    sandbox: Sandbox,
) -> None:
    note = "red\x1b[31m alert\r overwritten"
    answer = json_response(400, error_body("BAD_REQUEST", note=note))
    with Recorder(answer).client() as client, pytest.raises(fw.BadRequestError) as caught:
        client.webhooks.list()
    assert "\x1b" not in str(caught.value)
    assert "\r" not in str(caught.value)
    assert "\\x1b[31m" in str(caught.value)
    with scripted_server(400, json.dumps(error_body("BAD_REQUEST", note=note)).encode()) as url:
        result = subprocess.run(
            [*CLI, "list", "--base-url", url + "/v1", "--api-key", API_KEY],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "\x1b" not in result.stderr
    assert "\\x1b[31m" in result.stderr


def test_the_cli_escapes_control_characters_in_a_secret_it_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from faraday_webhooks.cli import main

    body = json.dumps(endpoint_body(secret="whsec_abc\x1b[2J\a\rdef")).encode()
    with scripted_server(201, body) as url:
        status = main(
            ["create", "--url", "https://example.com/h", "--event", EVENT,
             "--base-url", url + "/v1", "--api-key", API_KEY]
        )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0
    assert not {"\x1b", "\a", "\r"} & set(out)
    assert "whsec_abc\\x1b[2J\\x07\\rdef" in out


def _create(sandbox: Sandbox, *flags: str) -> int:
    from faraday_webhooks.cli import main

    return main(
        ["create", "--url", "https://example.com/h", "--event", EVENT,
         "--base-url", sandbox.base_url, "--api-key", API_KEY, *flags]
    )  # fmt: skip


def test_secret_file_is_never_written_over_an_existing_file_or_through_a_symlink(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "secret.txt"
    existing.write_text("keep me")
    existing.chmod(0o644)
    link = tmp_path / "link.txt"
    link.symlink_to(existing)
    for path in (existing, link):
        assert _create(sandbox, "--secret-file", str(path)) == 2
        assert "--secret-file" in capsys.readouterr().err
    assert existing.read_text() == "keep me"
    assert sandbox.endpoints == []  # nothing was created for a file that could not be written
    assert _create(sandbox, "--secret-file", str(link), "--force") == 2  # never a symlink
    assert _create(sandbox, "--secret-file", str(existing), "--force") == 0
    assert existing.read_text().startswith("whsec_")
    assert existing.stat().st_mode & 0o777 == 0o600


def test_secret_file_in_a_missing_folder_fails_before_creating_anything(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _create(sandbox, "--secret-file", str(tmp_path / "missing" / "s.txt")) == 2
    assert "--secret-file" in capsys.readouterr().err
    assert sandbox.endpoints == []


def test_trigger_reads_a_bounded_answer(capsys: pytest.CaptureFixture[str]) -> None:
    from faraday_webhooks.cli import main

    # 200 MiB of zeros, gzipped twice: a few hundred kilobytes on the wire.
    bomb = gzip.compress(gzip.compress(bytes(200 * 1024 * 1024)))
    with scripted_server(200, bomb, content_encoding="gzip, gzip") as url:
        tracemalloc.start()
        status = main(["trigger", EVENT, "--base-url", url + "/v1"])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert status == 1
    assert "unreadable" in capsys.readouterr().err
    assert peak < 64 * 1024 * 1024
