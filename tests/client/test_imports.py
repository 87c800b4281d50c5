"""What `import faraday_webhooks` loads (first calls from many threads: test_concurrency.py).

The package imports eagerly, as httpx does: every public name is a plain module
attribute once `import faraday_webhooks` returns. Heavy optional parts (the sandbox,
its schema validator and YAML, the command line) live in their own subpackages and
load only when used. Import cost is measured by `make bench` (benchmark 2).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import faraday_webhooks
import pytest

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


# What --help, --version and a bad flag must not load: the commands and the sandbox
# (with its [sandbox] extra). They cost the package and the parser, nothing more.
BEYOND_THE_PARSER = (
    "faraday_webhooks.cli.commands",
    "faraday_webhooks.testing",
    "jsonschema",
    "yaml",
)


@pytest.mark.parametrize(
    ("argv", "status"),
    [(["--help"], 0), (["--version"], 0), (["create", "--help"], 0), (["get", "nope"], 2)],
)
def test_help_version_and_bad_flags_load_only_the_package_and_the_parser(
    argv: list[str], status: int
) -> None:
    # What the installed command does: faraday_webhooks.cli:main, in a fresh interpreter.
    script = (
        "import json, sys\nfrom faraday_webhooks.cli import main\n"
        f"try:\n    code = main({argv!r})\nexcept SystemExit as exit:\n    code = exit.code\n"
        f"loaded = [m for m in sys.modules if m.startswith({BEYOND_THE_PARSER!r})]\n"
        "print(json.dumps([code, loaded]), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    code, loaded = json.loads(result.stderr.strip().splitlines()[-1])
    assert code == status
    assert loaded == []


def _imports_of(path: Path, module: str, modules: Collection[str]) -> set[str]:
    """The package's modules that ``module`` (at ``path``) imports, anywhere in it."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # "from . import output" names a module; "from .errors import X" a module's name.
            named = {f"{base}.{alias.name}" for alias in node.names} & set(modules)
            found |= named or {base}
    return found & set(modules) - {module}


def test_no_two_modules_of_the_package_import_each_other() -> None:
    modules = {
        ".".join(
            ["faraday_webhooks", *path.relative_to(PACKAGE).with_suffix("").parts]
        ).removesuffix(".__init__"): path
        for path in PACKAGE.rglob("*.py")
    }
    graph = {name: _imports_of(path, name, modules) for name, path in modules.items()}
    # Depth-first search for a back edge: a module reached again while its own imports are
    # still being followed closes a cycle.
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for imported in sorted(graph[name]):
            if state.get(imported) == "open":
                cycles.append([*trail[trail.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert len(graph) > 20  # the walk saw the package
    assert "faraday_webhooks.resources.webhooks" in graph["faraday_webhooks._client"]
    assert cycles == []
