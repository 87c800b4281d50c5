"""scripts/count_lines.py: how the package's size is measured, by area (issue #30's budgets).

Counted: lines holding code; left out: blank lines, comments and docstrings.
``--definitions`` splits a module's count by its top-level statements, and the
parts must add up to the whole, so a breakdown never hides or invents a line.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )


def test_every_area_is_within_its_budget() -> None:
    result = _run()
    areas = [line for line in result.stdout.splitlines() if "its budget" in line]
    assert [line.split(":")[0].split(maxsplit=1)[1] for line in areas] == [
        "request path",
        "verification",
        "receiving side",
        "tracing",
        "templates",
    ]
    assert all("within its budget" in line for line in areas), "\n".join(areas)
    assert result.returncode == 0


def test_definitions_add_up_to_each_module_and_modules_to_their_areas(tmp_path: Path) -> None:
    lines = _run().stdout.splitlines()
    modules = [line.split() for line in lines if line.rstrip().endswith(")")]
    counts = {name: int(count) for count, name, *_ in modules}
    assert counts["verify.py"] > 0
    assert counts["_base_client.py"] > 0
    assert not any(name.startswith(("testing/", "cli/")) for name in counts)
    for name, total in counts.items():
        if name.endswith(".py"):
            parts = count_lines.definition_lines(count_lines.PACKAGE / name)
            assert sum(count for count, _ in parts) == total, name
    by_area: dict[str, int] = {}
    for count, _name, *area in modules:
        key = " ".join(area).strip("()")
        by_area[key] = by_area.get(key, 0) + int(count)
    for line in lines:
        if "its budget" in line:
            area_total, rest = line.split(maxsplit=1)
            assert by_area.get(rest.split(":")[0], 0) == int(area_total), line

    example = tmp_path / "example.py"
    example.write_text(SOURCE)
    listed = _run("--definitions", str(example)).stdout.splitlines()
    assert [line.split() for line in listed] == [
        ["5", "example.py:", "shown"],
        ["1", "example.py:", "import", "os"],
    ]
