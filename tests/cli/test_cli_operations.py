"""``faraday-webhooks replay`` and ``doctor``: the commands for receivers in production,
through ``main(argv)``, against the user's own receiver module and a real sandbox."""

from __future__ import annotations

import contextlib
import http.server
import importlib
import json
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from cli_runner import assert_one_line_error, run
from engines import free_port
from faraday_webhooks.cli.operations import fingerprint
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, EVENT, serving

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
            if Path("fail-import").exists():
                raise KeyError("FARADAY_WEBHOOK_SECRET")
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


def test_a_module_that_fails_to_import_is_one_line(hooks_module: str, tmp_path: Path) -> None:
    (tmp_path / "fail-import").touch()
    result = run("replay", "--app", f"{hooks_module}:receiver")
    assert result.returncode == 1
    line = assert_one_line_error(result)
    assert f"--app: importing '{hooks_module}' raised KeyError: 'FARADAY_WEBHOOK_SECRET'" in line


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


# -- listen and sandbox as a developer's window ------------------------------------------


def _listening(port: int, deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on {port}")


@contextlib.contextmanager
def _listener(port: int, *flags: str, env: dict[str, str] | None = None) -> Iterator[list[Any]]:
    """``faraday-webhooks listen --port PORT *flags`` in a thread, serving when the block
    starts; the list holds its result once the block ends (after --max-deliveries)."""
    results: list[Any] = []
    thread = threading.Thread(
        daemon=True,  # a failed test must not leave it waiting forever
        target=lambda: results.append(run("listen", "--port", str(port), *flags, env=env)),
    )
    thread.start()
    _listening(port)
    yield results
    thread.join(30)


def _app_answering(
    statuses: list[int],
) -> tuple[type[http.server.BaseHTTPRequestHandler], list[Any]]:
    """The user's local app: answers each POST with the next status, keeps what came."""
    received: list[tuple[bytes, dict[str, str]]] = []

    class App(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, {k.lower(): v for k, v in self.headers.items()}))
            self.send_response(statuses[min(len(received), len(statuses)) - 1])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return App, received


def test_listen_json_from_a_secret_file_forwards_each_verified_delivery_unchanged(
    tmp_path: Path,
) -> None:
    port = free_port()
    app, received = _app_answering([200, 500])
    with Sandbox(api_keys=[API_KEY]) as sandbox, serving(app) as app_url:
        with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
            endpoint = client.webhooks.create(
                url=f"http://127.0.0.1:{port}/", enabled_events=[EVENT, "enrichment_job.failed"]
            )
        assert endpoint.secret is not None
        secret_file = tmp_path / "secret.txt"
        secret_file.write_text(endpoint.secret + "\n")
        with _listener(
            port,
            "--secret-file",
            str(secret_file),
            "--json",
            "--forward-to",
            f"{app_url}/hooks",
            "--max-deliveries",
            "3",
        ) as results:
            (first,) = sandbox.trigger(
                EVENT, data={"account_id": str(uuid.uuid4()), "n": "x" * 500}
            )
            (second,) = sandbox.trigger("enrichment_job.failed")
            forged = httpx.post(
                f"http://127.0.0.1:{port}/", content=b"{}", headers={"svix-id": "msg_x"}
            )
    (result,) = results
    assert result.returncode == 0, result.stderr
    assert first.ok  # the app's 500 is the app's: Faraday got its 204
    assert second.ok
    assert forged.status_code == 400
    lines = [json.loads(line) for line in result.stdout.splitlines()]  # nothing else on stdout
    assert [line["message_id"] for line in lines[:2]] == [first.message_id, second.message_id]
    assert set(lines[0]) == {"message_id", "type", "timestamp", "verified", "data"}
    assert lines[0]["data"]["n"] == "x" * 500  # the whole data, never cut
    assert lines[1]["type"] == "enrichment_job.failed"
    assert lines[2] == {
        "message_id": "msg_x",
        "type": None,
        "timestamp": None,
        "verified": False,
        "data": None,
        "reason": "missing_header",
    }
    # Each verified delivery reached the app byte for byte, with its signature headers.
    assert [body for body, _ in received] == [first.body, second.body]
    assert received[0][1]["svix-id"] == first.message_id
    assert fw.verify_webhook(received[0][0], received[0][1], endpoint.secret).type == EVENT
    assert f"--> {EVENT} {first.message_id}" in result.stderr
    assert "<-- 200" in result.stderr
    assert "<-- 500" in result.stderr  # shown, and the listener went on
    assert endpoint.secret not in result.stdout + result.stderr


def test_listen_shows_an_app_that_is_down_and_keeps_listening(tmp_path: Path) -> None:
    port = free_port()
    with Sandbox(api_keys=[API_KEY]) as sandbox:
        with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
            endpoint = client.webhooks.create(
                url=f"http://127.0.0.1:{port}/", enabled_events=[EVENT]
            )
        with _listener(
            port,
            "--forward-to",
            f"http://127.0.0.1:{free_port()}/down",
            "--max-deliveries",
            "2",
            env={"FARADAY_WEBHOOK_SECRET": endpoint.secret or ""},
        ) as results:
            deliveries = [sandbox.trigger(EVENT)[0] for _ in range(2)]
    (result,) = results
    assert result.returncode == 0, result.stderr
    assert all(delivery.ok for delivery in deliveries)
    assert result.stdout.count("<-- error: ConnectError") == 2
    assert result.stdout.count("verified  msg_") == 2


def test_listen_secret_file_problems_are_one_line(tmp_path: Path) -> None:
    missing = run("listen", "--port", "0", "--secret-file", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2
    assert "--secret-file: cannot read" in assert_one_line_error(missing)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not a secret\n")
    result = run("listen", "--port", "0", "--secret-file", str(wrong))
    assert "--secret-file: must be the whsec_ signing secret" in assert_one_line_error(result)
    both = run("listen", "--port", "0", "--secret-file", str(wrong), "--secret", SECRET)
    assert "not allowed with argument" in assert_one_line_error(both)


def test_the_sandbox_prints_each_attempt_on_a_short_retry_schedule() -> None:
    port = free_port()
    app, received = _app_answering([500])
    command = str(Path(sys.executable).parent / "faraday-webhooks")
    server = subprocess.Popen(
        [
            command,
            "sandbox",
            "--port",
            str(port),
            "--api-key",
            API_KEY,
            "--retry-schedule",
            "0.2,0.3",
            "--event-type",
            "project.ready",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _listening(port)
        with serving(app) as app_url, fw.Faraday(api_key=API_KEY, base_url=base_url) as client:
            client.webhooks.create(url=f"{app_url}/hooks", enabled_events=[EVENT])
            # --event-type: a kind Faraday added since is accepted; another is still refused.
            client.webhooks.create(url="https://example.com/new", enabled_events=["project.ready"])
            with pytest.raises(fw.ValidationFailedError):
                client.webhooks.create(url="https://example.com/x", enabled_events=["project.gone"])
            triggered = run("trigger", EVENT, "--base-url", base_url)
            assert triggered.returncode == 1  # the first attempt failed: HTTP 500
            deadline = time.monotonic() + 10
            while len(received) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=10)
    assert "a failed delivery is retried after 0.2,0.3 seconds" in out
    attempts = [line for line in out.splitlines() if line.startswith("sandbox: delivery ")]
    assert len(attempts) == 3 == len(received)  # the first, then the two retries: no more
    message_ids = {line.split()[3] for line in attempts}
    assert len(message_ids) == 1
    assert [line.split()[5] for line in attempts] == ["1", "2", "3"]
    assert all(line.endswith(": HTTP 500") and f"{app_url}/hooks" in line for line in attempts)
    assert re.fullmatch(r"sandbox: delivery \d\d:\d\d:\d\d msg_\w+ attempt 1 .*", attempts[0])
    assert "Traceback" not in err


def test_a_bad_retry_schedule_is_one_line() -> None:
    result = run("sandbox", "--retry-schedule", "1,soon")
    assert result.returncode == 2
    assert "--retry-schedule: must be seconds before each retry" in assert_one_line_error(result)


# -- doctor: one read-only pass --------------------------------------------------------


def test_doctor_says_all_is_well_and_that_the_secret_file_matches(tmp_path: Path) -> None:
    with Sandbox(api_keys=[API_KEY]) as sandbox:
        with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
            endpoint = client.webhooks.create(
                url="https://example.com/hooks", enabled_events=[EVENT]
            )
        secret_file = tmp_path / "secret.txt"
        secret_file.write_text(f"{endpoint.secret}\n")
        before, asked = [e.to_dict() for e in sandbox.endpoints], len(sandbox.requests)
        result = run("doctor", "--base-url", sandbox.base_url, "--secret-file", str(secret_file))
        assert [e.to_dict() for e in sandbox.endpoints] == before  # read-only
        assert [r.method for r in sandbox.requests[asked:]] == ["GET"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "All well: the key is accepted; 1 endpoint(s) checked, and the secret file matches one."
    )
    assert str(endpoint.secret) not in result.stdout + result.stderr


def test_doctor_lists_one_line_per_finding_and_exits_1(tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("whsec_b2xkc2VjcmV0b2xkc2VjcmV0b2xkc2VjcmV0MTIzNDU=\n")
    with Sandbox(api_keys=[API_KEY], event_types=["project.ready"]) as sandbox:
        with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
            off = client.webhooks.create(url="https://example.com/off", enabled_events=[EVENT])
            client.webhooks.disable(off.id)
            plain = client.webhooks.create(url="http://example.com/plain", enabled_events=[EVENT])
            unknown = client.webhooks.create(
                url="https://example.com/new", enabled_events=["project.ready"]
            )
        base = ("--base-url", sandbox.base_url, "--secret-file", str(other))
        text = run("doctor", *base)
        as_json = run("doctor", *base, "--json")
    assert text.returncode == 1
    lines = text.stdout.strip().splitlines()
    assert lines == [
        f"endpoint {off.id} (https://example.com/off) is disabled: it receives nothing",
        f"endpoint {plain.id} (http://example.com/plain) is not https: deliveries travel in "
        "the clear",
        f"endpoint {unknown.id} (https://example.com/new) subscribes to no known event type",
        f"the secret in --secret-file (fingerprint {fingerprint(other.read_text())}) is no "
        "endpoint's",
    ]
    report = json.loads(as_json.stdout)
    assert as_json.returncode == 1
    assert report["ok"] is False
    assert report["endpoints"] == 3
    assert [f["problem"] for f in report["findings"]] == [
        "disabled",
        "not_https",
        "no_known_event",
        "secret_unknown",
    ]
    assert report["findings"][0]["endpoint_id"] == str(off.id)


def test_doctor_reports_a_refused_key_as_a_finding() -> None:
    with Sandbox(api_keys=[API_KEY], expired_api_keys=["sk_old"]) as sandbox:
        result = run("doctor", "--base-url", sandbox.base_url, key="sk_old")
    assert result.returncode == 1
    assert result.stdout.strip() == "the API key is refused: HTTP 401 EXPIRED_API_KEY"
    assert "Traceback" not in result.stderr
