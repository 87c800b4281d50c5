"""Every dedupe example the package shows, written out as modules a type checker reads.

    python scripts/dedupe_examples.py OUTPUT_FOLDER

An example is a ```python block that uses ``Deduplicator(`` or ``claim(``: in README.md
and docs/*.md a block is a whole program and is written as it is; in a docstring of
the package it is a fragment, written inside ``async def example()`` after
``PREAMBLE``, the names a reader's code already has around it (a verified ``event``,
its ``secret``, a ``handle`` function). tests/scripts/test_dedupe_examples.py runs
``mypy --strict`` over them, and scripts/pyright_check.py pyright in strict mode
(issue #33 item 9: the examples a user copies must type-check as written).
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "overrides" / "faraday_webhooks"
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
PREAMBLE = '''\
# pyright: strict
"""{where}"""

from __future__ import annotations

from collections.abc import Mapping

from faraday_webhooks import WebhookEvent, verify_webhook
from faraday_webhooks.dedupe import (
    AsyncDeduplicator,
    AsyncPostgresStore,
    AsyncRedisStore,
    Deduplicator,
    MemoryStore,
    PostgresStore,
    RedisStore,
    SQLiteStore,
)

__all__ = [  # the names around a fragment, used or not
    "AsyncDeduplicator", "AsyncPostgresStore", "AsyncRedisStore", "Deduplicator",
    "Mapping", "MemoryStore", "PostgresStore", "RedisStore", "SQLiteStore",
    "verify_webhook",
]
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
event = verify_webhook(b"{}", {}, secret)  # a verified event, for the type checkers


def handle(event: WebhookEvent) -> None:
    print(event.type)
'''
# A fragment that awaits runs inside a coroutine, as it would in the reader's code.
ASYNC_WRAPPER = "\n\nasync def example() -> None:\n"
# rq and redis-py leave some parameters unannotated (``dict``, ``**kwargs``): strict
# pyright calls every use of them partly unknown. Only the recipe that uses them is
# relaxed, for that one rule; everything else in it is checked strictly.
RELAXED = "# pyright: strict, reportUnknownMemberType=false\n"


def _is_dedupe_example(code: str) -> bool:
    return "Deduplicator(" in code or "claim(" in code


def examples() -> list[tuple[str, str]]:
    """(where, module source) of every dedupe example, documents first."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for match in FENCE.finditer(path.read_text(encoding="utf-8")):
            if _is_dedupe_example(match.group(1)):
                line = path.read_text(encoding="utf-8")[: match.start()].count("\n") + 2
                found.append((f"{path.relative_to(ROOT)}:{line}", match.group(1)))
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(
                node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            ):
                continue
            for match in FENCE.finditer(ast.get_docstring(node) or ""):
                if _is_dedupe_example(match.group(1)):
                    where = f"{path.relative_to(ROOT)}:{getattr(node, 'name', 'module')}"
                    body = match.group(1)
                    if "await " in body or "async with" in body:
                        body = ASYNC_WRAPPER + textwrap.indent(body, "    ")
                    found.append((where, PREAMBLE.replace("{where}", where) + "\n" + body))
    return found


def write(folder: Path) -> list[Path]:
    """Each example as ``example_<n>.py`` in ``folder``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (where, source) in enumerate(examples()):
        path = folder / f"example_{number:02d}.py"
        if not source.startswith("# pyright"):
            strictness = RELAXED if "from rq import" in source else "# pyright: strict\n"
            source = f'{strictness}"""{where}"""\n\n{source}'
        path.write_text(source, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1])):
        print(path)
