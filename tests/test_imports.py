"""What `import faraday_webhooks` loads, and that first calls from many threads cannot race it.

The package imports eagerly, as httpx does: every public name is a plain module
attribute once `import faraday_webhooks` returns. Heavy optional parts (the sandbox,
its schema validator and YAML, the command line) live in their own subpackages and
load only when used. Import cost is measured by `make bench` (benchmark 2).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import faraday_webhooks
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY

PACKAGE = Path(faraday_webhooks.__file__).parent
# Loaded only when used: the sandbox and its schema validator, and the command line.
HEAVY = (
    "argparse",
    "jsonschema",
    "yaml",
    "faraday_webhooks.cli",
    "faraday_webhooks.testing",
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


def test_a_client_call_does_not_load_the_sandbox_or_the_cli() -> None:
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
    assert loaded_after(statement) == set()


def test_every_public_name_is_a_plain_attribute_and_nothing_loads_lazily() -> None:
    # No PEP 562 __getattr__, no LazyLoader: a name is there, or the import failed.
    for name in faraday_webhooks.__all__:
        assert name in vars(faraday_webhooks), name
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        top_level = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert "__getattr__" not in top_level, path
        assert "LazyLoader" not in path.read_text(), path


COLD_FIRST_CALLS = textwrap.dedent(
    """
    import sys, threading, uuid
    import faraday_webhooks as fw

    client = fw.Faraday(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    start = threading.Barrier(32)
    outcomes = []

    def first_call(number):
        start.wait()
        try:
            if number % 2:
                outcomes.append(type(client.webhooks.list()).__name__)
            else:
                client.webhooks.retrieve(uuid.uuid4())
        except fw.FaradayError as error:
            outcomes.append(type(error).__name__)
        except BaseException as error:  # anything else breaks the promise
            outcomes.append("ESCAPED " + type(error).__name__ + ": " + str(error))

    threads = [threading.Thread(target=first_call, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    print(sorted(set(outcomes)), len(outcomes))
    """
)


def test_32_threads_making_the_first_calls_of_a_fresh_client_get_only_models_and_errors(
    sandbox: Sandbox,
) -> None:
    # Each run is a fresh interpreter that compiles nothing ahead: the first calls race
    # whatever loading the package would leave to them (CPython gh-114763 for LazyLoader).
    script = f"API_KEY = {API_KEY!r}\nBASE_URL = {sandbox.base_url!r}\n" + COLD_FIRST_CALLS
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(20):
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=environment,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "['NotFoundError', 'list'] 32", result.stdout
