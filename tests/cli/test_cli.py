"""The faraday-webhooks command as users run it: exit codes, one-line errors, real sockets.

Most tests call ``main(argv)`` in this process; those about a running process (a
listener serving, Ctrl-C, the installed script) start one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import faraday_webhooks as fw
import httpx
import pytest
from cli_runner import assert_one_line_error, run
from faraday_webhooks import sign_webhook
from faraday_webhooks.cli import build_parser, main
from faraday_webhooks.testing import Sandbox, WebhookReceiver
from helpers import API_KEY, ENDPOINT_ID, EVENT, EXPIRED_KEY

ROOT = Path(__file__).resolve().parents[2]
COMMAND = str(Path(sys.executable).parent / "faraday-webhooks")
HOOK = "https://example.com/hooks"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize(
    "command",
    [
        "",
        "create",
        "list",
        "get",
        "update",
        "delete",
        "disable",
        "enable",
        "sandbox",
        "listen",
        "trigger",
        "demo",
    ],
)
def test_help_on_every_command(command: str) -> None:
    result = run(*([command] if command else []), "--help")
    assert result.returncode == 0
    assert "usage: faraday-webhooks" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["create", "--event", EVENT],
        ["create", "--url", HOOK],
        ["frobnicate"],
        ["listen"],
        ["list", "--timeout", "soon"],
        ["listen", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--port", "99999"],
        ["listen", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--port", "-1"],
        ["listen", "--port", "0", "--max-deliveries", "0"],
        ["sandbox", "--port", "65536"],
        [],
    ],
)
def test_bad_flags_are_one_line_and_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    line = assert_one_line_error(result)
    assert "error:" in line
    assert "--help" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["create", "--url", HOOK, "--event", ""], "--event: must be printable text"),
        # A byte that is not UTF-8 reaches Python as a lone surrogate.
        (["create", "--url", HOOK + "\udcff", "--event", EVENT], "--url: is not valid UTF-8"),
        (["create", "--url", HOOK, "--event", "\udcff"], "--event: is not valid UTF-8"),
        (["trigger", "\udcff\udcfe"], "TYPE: is not valid UTF-8"),
        (["get", "not-a-uuid"], "ID: must be a UUID"),
        (["list", "--timeout", "-1"], "--timeout: must be a number of seconds above 0"),
        (["list", "--timeout", "inf"], "--timeout: must be a number of seconds above 0"),
        (["list", "--max-retries", "-1"], "--max-retries: must be a whole number"),
        (["list", "--base-url", "http://[::1/v1"], "--base-url: base_url is not a valid URL"),
        (["list", "--base-url", "https://x.test/v1?a=1"], "must not have a query"),
        (["trigger", "x", "--data", "[1]"], "--data: must be a JSON object, not a JSON list"),
        (["sandbox", "--max-endpoints", "-5"], "--max-endpoints: must be a whole number from 0"),
        (["trigger", "x", "--data", '{"score": NaN}'], "--data: must be a JSON object, such as"),
    ],
)
def test_bad_flag_values_exit_2_naming_the_flag(args: list[str], expected: str) -> None:
    result = run(*args, key=API_KEY)
    assert result.returncode == 2
    assert expected in assert_one_line_error(result)


def test_create_prints_the_endpoint_and_labels_the_secret(sandbox: Sandbox) -> None:
    result = run(
        "create",
        "--url",
        HOOK,
        "--event",
        EVENT,
        "--event",
        "resource.errored",
        "--base-url",
        sandbox.base_url,
    )
    assert result.returncode == 0, result.stderr
    (endpoint,) = sandbox.endpoints
    assert f"Created webhook endpoint {endpoint.id}" in result.stdout
    assert f"signing secret: {endpoint.secret}" in result.stdout
    assert "store the signing secret in your secret manager" in result.stdout
    assert "resource.ready_with_update, resource.errored" in result.stdout


def test_create_json_is_machine_readable(sandbox: Sandbox) -> None:
    result = run(
        "create",
        "--url",
        HOOK,
        "--event",
        EVENT,
        "--json",
        env={"FARADAY_BASE_URL": sandbox.base_url},
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["url"] == HOOK
    assert payload["status"] == "enabled"
    assert payload["secret"].startswith("whsec_")


def test_api_failure_prints_code_note_and_error_id_without_traceback(sandbox: Sandbox) -> None:
    result = run(
        "create", "--url", HOOK, "--event", EVENT, "--base-url", sandbox.base_url, key=EXPIRED_KEY
    )
    assert result.returncode == 1
    line = assert_one_line_error(result)
    assert "401 EXPIRED_API_KEY" in line
    assert re.search(r"error id [0-9a-f-]{36}", line)
    assert EXPIRED_KEY not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "key", "expected", "status"),
    [
        # A bad flag value exits 2, naming the flag; anything else is a failure (1).
        (["create", "--url", "not-a-url", "--event", EVENT], API_KEY, "--url: must start", 2),
        (["create", "--url", "not a url", "--event", EVENT], API_KEY, "--url: must not", 2),
        # A byte that is not UTF-8 reaches Python as a lone surrogate.
        (["create", "--url", HOOK, "--event", EVENT], "sk_caf\u00e9", "must be ASCII", 1),
        (["create", "--url", HOOK, "--event", EVENT], None, "FARADAY_API_KEY", 1),
        (["listen", "--port", "0"], API_KEY, "FARADAY_WEBHOOK_SECRET", 1),
        (["listen", "--port", "0", "--secret", "whsec_***"], API_KEY, "--secret: ", 2),
        (["listen", "--port", "0", "--secret", "notasecret!"], API_KEY, "--secret: ", 2),
        (["listen", "--port", "0", "--secret", "notasecret"], API_KEY, "--secret: must be", 2),
        (["update", ENDPOINT_ID], API_KEY, "give --url, --event or --status", 2),
        (
            ["list", "--base-url", "http://example.com/v1"],
            API_KEY,
            "--base-url: base_url http://example.com is cleartext",
            2,
        ),
        (["listen", "--port", "0", "--host", "0.0.0.0", "--secret", SECRET], API_KEY,
         "pass --allow-remote", 2),
    ],
)  # fmt: skip
def test_user_mistakes_are_one_line_errors(
    sandbox: Sandbox, args: list[str], key: str | None, expected: str, status: int
) -> None:
    result = run(*args, key=key, env={"FARADAY_BASE_URL": sandbox.base_url})
    assert result.returncode == status, result.stderr
    line = assert_one_line_error(result)
    assert expected in line
    assert "allow_insecure_http" not in line
    assert "allow_remote" not in line
    assert sandbox.requests == []  # nothing was sent


def test_allow_insecure_http_lets_a_cleartext_base_url_through() -> None:
    # Parsed and built only: nothing is sent to a host that is not loopback.
    from faraday_webhooks.cli import build_parser
    from faraday_webhooks.cli.commands import client_from_flags

    flags = ["list", "--base-url", "http://example.com/v1", "--api-key", API_KEY]
    with client_from_flags(build_parser().parse_args([*flags, "--allow-insecure-http"])) as client:
        assert client.base_url == "http://example.com/v1"


def test_sandbox_help_is_plain_text() -> None:
    result = run("sandbox", "--help")
    assert result.returncode == 0
    assert "``" not in result.stdout
    assert "=====" not in result.stdout
    assert "slow-body[:S]" in result.stdout


def test_nothing_listening_is_a_one_line_connection_error() -> None:
    result = run("list", "--base-url", f"http://127.0.0.1:{free_port()}/v1", "--max-retries", "0")
    assert "no answer from Faraday" in assert_one_line_error(result)


def test_manage_an_endpoint_from_the_command_line(sandbox: Sandbox) -> None:
    env = {"FARADAY_BASE_URL": sandbox.base_url}
    created = json.loads(run("create", "--url", HOOK, "--event", EVENT, "--json", env=env).stdout)
    endpoint_id = created["id"]

    table = run("list", env=env)
    assert table.returncode == 0
    header, row = table.stdout.strip().splitlines()
    assert header.split() == ["ID", "STATUS", "URL", "EVENTS"]
    assert row.split() == [endpoint_id, "enabled", HOOK, EVENT]

    assert json.loads(run("disable", endpoint_id, "--json", env=env).stdout)["status"] == "disabled"
    assert "status:         enabled" in run("enable", endpoint_id, env=env).stdout
    updated = json.loads(
        run("update", endpoint_id, "--event", "resource.errored", "--json", env=env).stdout
    )
    assert updated["enabled_events"] == ["resource.errored"]
    # Returned by Faraday, left out of --json (null: never a string that looks like a
    # secret); `get ID --json --show-secret` prints it.
    assert updated["secret"] is None
    shown = json.loads(run("get", endpoint_id, "--json", "--show-secret", env=env).stdout)
    assert shown["secret"].startswith("whsec_")
    assert f"Webhook endpoint {endpoint_id}" in run("get", endpoint_id, env=env).stdout
    assert (
        run("delete", endpoint_id, env=env).stdout.strip()
        == f"Deleted webhook endpoint {endpoint_id}"
    )
    assert run("list", env=env).stdout.strip() == "No webhook endpoints."
    missing = run("get", endpoint_id, env=env)
    assert "404 NOT_FOUND" in assert_one_line_error(missing)


def test_listen_verifies_triggered_deliveries_and_rejects_tampered_ones(sandbox: Sandbox) -> None:
    port = free_port()
    from faraday_webhooks import Faraday

    with Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
        endpoint = client.webhooks.create(url=f"http://127.0.0.1:{port}/", enabled_events=[EVENT])
    assert isinstance(endpoint.secret, str)
    listener = subprocess.Popen(
        [COMMAND, "listen", "--port", str(port), "--max-deliveries", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FARADAY_WEBHOOK_SECRET": endpoint.secret},
    )
    try:
        assert listener.stdout is not None
        assert "Listening for Faraday webhooks" in listener.stdout.readline()
        triggered = run(
            "trigger", "--base-url", sandbox.base_url, EVENT, "--resource-type", "streams"
        )
        assert triggered.returncode == 0, triggered.stderr
        assert f"delivered http://127.0.0.1:{port}/ (HTTP 204)" in triggered.stdout

        body = b'{"timestamp": "2024-09-26T14:27:05+00:00", "type": "resource.errored", "data": {}}'
        headers = sign_webhook(body, endpoint.secret)
        forged = httpx.post(
            f"http://127.0.0.1:{port}/",
            content=body.replace(b"errored", b"erroreD"),
            headers=headers,
        )
        assert forged.status_code == 400
        out, err = listener.communicate(timeout=20)
    finally:
        listener.kill()
    assert listener.returncode == 0, err
    verified, rejected = out.strip().splitlines()
    assert verified.startswith("verified  msg_")
    assert f"{EVENT}  streams/" in verified
    assert rejected.startswith("rejected  msg_")
    assert "no_matching_signature" in rejected
    assert endpoint.secret not in out + err


def test_trigger_with_no_subscriber_and_with_no_sandbox(sandbox: Sandbox) -> None:
    quiet = run("trigger", "--base-url", sandbox.base_url, "resource.errored")
    assert quiet.returncode == 0
    assert (
        quiet.stdout.strip()
        == "Triggered resource.errored: no enabled endpoint is subscribed to it."
    )
    refused = run("trigger", "--base-url", sandbox.base_url, EVENT, key="sk_wrong")
    assert "refused the trigger: HTTP 401" in assert_one_line_error(refused)
    nobody = run("trigger", "--base-url", f"http://127.0.0.1:{free_port()}/v1", EVENT)
    assert "no sandbox answered" in assert_one_line_error(nobody)


def test_sandbox_command_serves_until_interrupted() -> None:
    port = free_port()
    process = subprocess.Popen(
        [COMMAND, "sandbox", "--port", str(port), "--api-key", API_KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C must reach it even when this test runs with SIGINT ignored (make test &).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        assert f"http://127.0.0.1:{port}/v1" in process.stdout.readline()
        banner = [process.stdout.readline() for _ in range(3)]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_sandbox/health").status_code == 200:
                    break
            except httpx.ConnectError:
                time.sleep(0.05)
        created = run(
            "create", "--url", HOOK, "--event", EVENT, "--base-url", f"http://127.0.0.1:{port}/v1"
        )
        assert created.returncode == 0, created.stderr
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "Traceback" not in err
    assert "sandbox: POST /v1/webhook_endpoints -> 201" in out
    # The banner says both variables a client needs.
    exports = f"export FARADAY_BASE_URL=http://127.0.0.1:{port}/v1 FARADAY_API_KEY={API_KEY}"
    assert exports in "".join(banner)


def test_listen_names_a_delivery_without_an_id_plainly(sandbox: Sandbox) -> None:
    port = free_port()
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    process = subprocess.Popen(
        [COMMAND, "listen", "--port", str(port), "--secret", secret, "--max-deliveries", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()  # the banner: listening
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 405  # not an HTML page
        httpx.post(f"http://127.0.0.1:{port}/", content=b"{}")
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert "rejected  (no id)  missing_header" in out
    assert "None" not in out
    assert "Traceback" not in err


def test_sandbox_command_reports_a_busy_port_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("sandbox", "--port", str(taken.getsockname()[1]))
    assert "cannot listen on 127.0.0.1" in assert_one_line_error(result)


@pytest.mark.slow
def test_the_demo_runs_the_whole_flow_offline() -> None:
    result = run("demo", key=None)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line[:5] for line in lines[:6]] == [f"[{n}/6]" for n in range(1, 7)]
    assert "Created webhook endpoint" in lines[2]
    assert "whsec_***" in lines[2]
    assert "receiver answered HTTP 204" in lines[3]
    assert "Receiver verified delivery msg_" in lines[4]
    assert "type=resource.ready_with_update" in lines[4]
    assert "Receiver rejected a tampered copy (HTTP 400" in lines[5]
    assert lines[-1] == "Demo complete: sandbox and receiver stopped."
    assert not re.search(r"whsec_[A-Za-z0-9+/]{8}", result.stdout)


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(commands.choices)


def test_every_command_and_flag_explains_itself() -> None:
    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {action.dest: action.help for action in commands._choices_actions}
    for name, command in _subcommands().items():
        assert summaries[name], f"{name} has no one-line summary"
        assert command.description, f"{name} has no description"
        assert command.epilog is not None
        assert f"faraday-webhooks {name}" in command.epilog, f"{name} has no example"
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_the_docs_show_each_command_as_help_does() -> None:
    readme = (ROOT / "docs" / "cli.md").read_text()
    block = readme.split("<!-- cli-usage -->", 1)[1].split("<!-- /cli-usage -->", 1)[0]
    shown = [line for line in block.splitlines() if line.startswith("faraday-webhooks ")]
    usages = [
        " ".join(command.format_usage().split()).removeprefix("usage: ")
        for command in _subcommands().values()
    ]
    assert shown == usages


def test_version_flag() -> None:
    result = run("--version")
    assert result.stdout.strip() == f"faraday-webhooks {fw.__version__}"


def test_json_errors_go_to_stderr_as_json(sandbox: Sandbox) -> None:
    missing = str(uuid.uuid4())
    result = run("get", missing, "--json", env={"FARADAY_BASE_URL": sandbox.base_url})
    assert result.returncode == 1
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert (error["type"], error["status"], error["code"]) == ("NotFoundError", 404, "NOT_FOUND")
    assert missing in error["message"]


def test_update_with_nothing_to_change_names_the_flags(sandbox: Sandbox) -> None:
    result = run("update", str(uuid.uuid4()), env={"FARADAY_BASE_URL": sandbox.base_url})
    assert result.returncode == 2  # a usage mistake, as argparse reports them
    assert "give --url, --event or --status" in assert_one_line_error(result)
    missing_key = run("list", key=None, env={"FARADAY_BASE_URL": sandbox.base_url})
    assert "set FARADAY_API_KEY (or pass --api-key)" in assert_one_line_error(missing_key)


def test_python_dash_m_runs_the_command() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "faraday_webhooks", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"faraday-webhooks {fw.__version__}"


INTERRUPT_WHILE_IMPORTING = """
import sys
from importlib.abc import MetaPathFinder

class CtrlC(MetaPathFinder):
    # As if the user pressed Ctrl-C while the command was still importing its modules.
    def find_spec(self, name, path=None, target=None):
        if name == "faraday_webhooks.cli.commands":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
from faraday_webhooks.cli import main
sys.exit(main(["list"]))
"""


def test_ctrl_c_while_the_command_starts_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_WHILE_IMPORTING],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 130
    assert result.stderr.strip() == "interrupted"


def test_rotate_makes_a_twin_with_a_new_secret_and_says_what_to_do_next(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--api-key", API_KEY, "--base-url", sandbox.base_url]
    with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
        old = client.webhooks.create(url="http://127.0.0.1:9/hooks", enabled_events=[EVENT])
        secret_file = tmp_path / "new-secret.txt"
        assert main(["rotate", str(old.id), "--secret-file", str(secret_file), *flags]) == 0
        out = capsys.readouterr().out
        twins = [e for e in client.webhooks.list() if e.id != old.id]
    (twin,) = twins
    assert (twin.url, twin.enabled_events, twin.status) == (old.url, old.enabled_events, old.status)
    assert secret_file.read_text() == f"{twin.secret}\n"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert twin.secret != old.secret
    assert str(twin.id) in out
    assert f"faraday-webhooks delete {old.id}" in out  # the next step names the old endpoint
    assert "whsec_" not in out  # the secret went to the file only


def test_rotate_refuses_before_making_anything(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--api-key", API_KEY, "--base-url", sandbox.base_url]
    with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
        endpoint = client.webhooks.create(url="http://127.0.0.1:9/hooks", enabled_events=[EVENT])
        existing = tmp_path / "existing.txt"
        existing.write_text("keep me")
        assert main(["rotate", str(endpoint.id), "--secret-file", str(existing), *flags]) == 2
        assert "exists" in capsys.readouterr().err
        missing = "2c1881c4-a0c0-424d-89e1-b481f3cb118c"
        fresh = str(tmp_path / "fresh.txt")
        assert main(["rotate", missing, "--secret-file", fresh, *flags]) == 1
        assert "NOT_FOUND" in capsys.readouterr().err
        client.webhooks.disable(endpoint.id)
        assert main(["rotate", str(endpoint.id), "--secret-file", fresh, *flags]) == 1
        assert "disabled" in capsys.readouterr().err
        assert len(client.webhooks.list()) == 1  # nothing was made
    assert existing.read_text() == "keep me"
    assert not (tmp_path / "fresh.txt").exists()


def test_trigger_skips_endpoints_off_this_machine_and_exits_by_what_it_sent(
    sandbox: Sandbox, client: fw.Faraday
) -> None:
    # The guides leave endpoints such as https://example.com/hooks behind; the sandbox
    # never sends there, and that is not a failed delivery.
    client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    with WebhookReceiver(secret=None) as receiver:
        endpoint = client.webhooks.create(url=receiver.url, enabled_events=[EVENT])
        receiver.secret = endpoint.secret
        triggered = run("trigger", "--base-url", sandbox.base_url, EVENT)
        assert triggered.returncode == 0, triggered.stdout + triggered.stderr
        assert f"skipped   {HOOK} (not delivered:" in triggered.stdout
        assert f"delivered {receiver.url}" in triggered.stdout
        reported = json.loads(
            run("trigger", "--json", "--base-url", sandbox.base_url, EVENT).stdout
        )
        assert sorted(d["skipped"] for d in reported["deliveries"]) == [False, True]
    # A loopback endpoint that does not answer is a failure, whatever else was skipped.
    client.webhooks.create(url=f"http://127.0.0.1:{free_port()}/gone", enabled_events=[EVENT])
    failed = run("trigger", "--base-url", sandbox.base_url, EVENT)
    assert failed.returncode == 1
    assert "FAILED" in failed.stdout
    assert "skipped" in failed.stdout


def test_an_unknown_event_type_exits_2_naming_the_flag_unless_allowed(
    sandbox: Sandbox, client: fw.Faraday, caplog: pytest.LogCaptureFixture
) -> None:
    base = ("--base-url", sandbox.base_url)
    typo = run("create", "--url", HOOK, "--event", "resource.erored", *base)
    assert typo.returncode == 2
    message = assert_one_line_error(typo)
    assert "--event: unknown event type 'resource.erored'" in message
    assert "resource.errored" in message  # the known ones are named
    assert "--allow-unknown-event" in message
    assert sandbox.endpoints == []  # nothing was sent
    # Allowed, it is sent as given, with a warning; Faraday (and the sandbox) then answer
    # VALIDATION_FAILED for a type they do not know.
    sent = run(
        "create", "--url", HOOK, "--event", "resource.erored", "--allow-unknown-event", *base
    )
    assert sent.returncode == 1
    assert "event type 'resource.erored' is not one openapi.yaml names" in caplog.text
    assert "body/enabled_events/0: 'resource.erored' is not one of" in sent.stderr
    assert "Traceback" not in sent.stderr
    assert sandbox.endpoints == []
    endpoint = client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    updated = run("update", str(endpoint.id), "--event", "resource.bogus", *base)
    assert updated.returncode == 2
    assert "--event: unknown event type 'resource.bogus'" in assert_one_line_error(updated)
    assert client.webhooks.retrieve(endpoint.id).enabled_events == [EVENT]
    trigger = run("trigger", "resource.bogus", *base)
    assert trigger.returncode == 2
    assert "TYPE: unknown event type 'resource.bogus'" in assert_one_line_error(trigger)
    allowed = run("trigger", "resource.bogus", "--allow-unknown-event", *base)
    assert allowed.returncode == 0, allowed.stderr
    assert "no enabled endpoint is subscribed" in allowed.stdout
