"""scripts/count_lines.py: how the client core's size is measured (issue #20's budget).

Counted: lines holding code; left out: blank lines, comments and docstrings.
``--definitions`` splits a module's count by its top-level statements, and the
parts must add up to the whole, so a breakdown never hides or invents a line.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "count_lines.py"

_spec = importlib.util.spec_from_file_location("count_lines", SCRIPT)
assert _spec is not None
assert _spec.loader is not None
count_lines = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(count_lines)

SOURCE = '''"""A module docstring
over two lines."""

import os  # a trailing comment does not make the line a comment

# a comment line


def shown(path):
    """A function's docstring."""
    return os.path.join(
        path,
        "x",
    )
'''


def test_code_lines_leave_out_blank_lines_comments_and_docstrings() -> None:
    # import, def, and the four lines of the return statement.
    assert count_lines.code_lines(SOURCE) == 6


def test_definitions_add_up_to_each_core_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    totals = {
        name: int(count)
        for count, name in (line.split() for line in result.stdout.splitlines())
        if name != "total"
    }
    assert "_base_client.py" in totals
    assert "testing/sandbox.py" not in totals  # the sandbox and the CLI are not client core
    for name, total in totals.items():
        parts = count_lines.definition_lines(count_lines.PACKAGE / name)
        assert sum(count for count, _ in parts) == total, name

    example = tmp_path / "example.py"
    example.write_text(SOURCE)
    listed = subprocess.run(
        [sys.executable, str(SCRIPT), "--definitions", str(example)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert [line.split() for line in listed] == [
        ["5", "example.py:", "shown"],
        ["1", "example.py:", "import", "os"],
    ]
