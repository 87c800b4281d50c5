"""``faraday-webhooks replay`` and ``doctor``: the commands for receivers in production,
through ``main(argv)``, against the user's own receiver module and a real sandbox."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import faraday_webhooks as fw
import pytest
from cli_runner import assert_one_line_error, run

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def hooks_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A user's receiver module in the current folder: it fails while ``broken`` exists,
    and appends each message it handles to ``handled.txt``."""
    name = f"hooks_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path

            from faraday_webhooks import WebhookEvent
            from faraday_webhooks.dedupe import Deduplicator, SQLiteStore
            from faraday_webhooks.journal import SQLiteJournal
            from faraday_webhooks.receiver import Receiver

            receiver = Receiver(
                {SECRET!r},
                dedupe=Deduplicator(SQLiteStore("claims.sqlite3")),
                journal=SQLiteJournal("journal.sqlite3"),
            )
            without_journal = Receiver({SECRET!r})
            not_a_receiver = 42


            @receiver.on_unknown
            def anything(event: WebhookEvent) -> None:
                if Path("broken").exists():
                    raise RuntimeError("the handler's bug")
                with open("handled.txt", "a") as handled:
                    handled.write(f"{{event.message_id}}\\n")
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # for deliver(); the command adds it itself
    yield name
    sys.modules.pop(name, None)


def deliver(module: str, count: int) -> list[str]:
    """``count`` signed deliveries handled by the module's receiver; their message ids."""
    receiver = importlib.import_module(module).receiver
    ids = []
    for _ in range(count):
        body = json.dumps(
            {"type": "project.ready", "timestamp": "2026-12-05T09:00:00Z", "data": {"n": 1}}
        ).encode()
        outcome = receiver.handle(body, fw.sign_webhook(body, SECRET))
        ids.append(outcome.message_id)
    return ids


def test_replay_runs_the_failed_messages_once_and_says_so_line_by_line(
    hooks_module: str, tmp_path: Path
) -> None:
    (tmp_path / "broken").touch()
    failed = deliver(hooks_module, 3)
    (tmp_path / "broken").unlink()  # the fix is deployed
    app = f"{hooks_module}:receiver"

    dry = run("replay", "--app", app, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert [line.split()[:3] for line in dry.stdout.splitlines()] == [
        ["would", "replay", message_id] for message_id in failed
    ]
    assert not (tmp_path / "handled.txt").exists()

    done = run("replay", "--app", app)
    assert done.returncode == 0, done.stderr
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [
        ["handled", message_id] for message_id in failed
    ]
    assert (tmp_path / "handled.txt").read_text().split() == failed
    assert run("replay", "--app", app).stdout.strip() == "Nothing to replay."

    again = run("replay", "--app", app, "--state", "any", "--id", failed[0], "--json")
    assert [json.loads(line) for line in again.stdout.splitlines()] == [
        {"message_id": failed[0], "type": "project.ready", "state": "duplicate"}
    ]
    forced = run("replay", "--app", app, "--state", "any", "--id", failed[0], "--force")
    assert forced.stdout.split()[:2] == ["handled", failed[0]]
    later = run("replay", "--app", app, "--state", "any", "--since", "2999-01-01T00:00:00Z")
    assert later.stdout.strip() == "Nothing to replay."


def test_replay_that_fails_again_exits_1_naming_the_error(
    hooks_module: str, tmp_path: Path
) -> None:
    (tmp_path / "broken").touch()
    (failed,) = deliver(hooks_module, 1)
    result = run("replay", "--app", f"{hooks_module}:receiver")
    assert result.returncode == 1
    assert result.stdout.split()[:2] == ["failed", failed]
    assert "RuntimeError: the handler's bug" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("app", "exit_code", "message"),
    [
        ("nomodule_here:receiver", 2, "--app: cannot import 'nomodule_here'"),
        ("{module}:missing", 2, "has no 'missing'"),
        ("{module}:not_a_receiver", 2, "is a int, not a Receiver"),
        ("{module}:without_journal", 1, "keeps no journal"),
        ("no-colon", 2, "must be module:attribute"),
    ],
)
def test_a_wrong_app_is_one_line(hooks_module: str, app: str, exit_code: int, message: str) -> None:
    result = run("replay", "--app", app.format(module=hooks_module))
    assert result.returncode == exit_code
    assert message in assert_one_line_error(result)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--since", "2026-12-01T00:00:00"], "--since: needs a timezone"),
        (["--since", "yesterday"], "--since: must be an ISO 8601 date-time"),
        (["--state", "lost"], "--state: invalid choice"),
    ],
)
def test_bad_replay_flags_exit_2(hooks_module: str, flags: list[str], message: str) -> None:
    result = run("replay", "--app", f"{hooks_module}:receiver", *flags)
    assert result.returncode == 2
    assert message in assert_one_line_error(result)
