"""What `import faraday_webhooks` loads: nothing a client-only or verify-only program does not use.

Import cost is measured by `make bench` (benchmark 2); this checks the cause in
a fresh interpreter, where timing would be noise.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Loaded only when used: the sandbox and its schema validator, the command line,
# verification, and the generated Client classes nothing here uses.
HEAVY = (
    "argparse",
    "jsonschema",
    "yaml",
    "hmac",
    "faraday_webhooks.cli",
    "faraday_webhooks.testing",
    "faraday_webhooks.verify",
    "faraday_webhooks_api.client",
)


def loaded_after(statement: str) -> set[str]:
    script = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def test_importing_the_package_loads_nothing_heavy() -> None:
    assert loaded_after("import faraday_webhooks") == set()


def test_a_client_call_does_not_load_the_sandbox_cli_or_verification() -> None:
    statement = """
import httpx, faraday_webhooks
ENDPOINT = {
    "id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c",
    "url": "https://example.com/hooks",
    "enabled_events": ["resource.ready_with_update"],
    "status": "enabled",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "created_at": "2024-09-26T14:27:05.944507+00:00",
    "updated_at": "2024-09-26T14:27:05.944507+00:00",
}
def answer(request):
    return httpx.Response(200, json=ENDPOINT)
client = faraday_webhooks.Faraday(
    api_key="key_" + "x" * 20, http_client=httpx.Client(transport=httpx.MockTransport(answer))
)
assert client.webhooks.retrieve(ENDPOINT["id"]).url == ENDPOINT["url"]
"""
    # The generated endpoint modules import their Client module themselves.
    assert loaded_after(statement) - {"faraday_webhooks_api.client"} == set()


@pytest.mark.parametrize("name", ["verify_webhook", "verify_webhook_signature", "sign_webhook"])
def test_verification_loads_on_first_use_and_stays_loaded(name: str) -> None:
    statement = (
        "import faraday_webhooks\n"
        f"function = getattr(faraday_webhooks, {name!r})\n"
        f"assert vars(faraday_webhooks)[{name!r}] is function  # looked up once, not per call"
    )
    assert loaded_after(statement) == {"hmac", "faraday_webhooks.verify"}
