"""Every dedupe example a user copies (README, guides, docstrings) passes ``mypy --strict``
as written (issue #33 item 9); pyright strict checks the same files in ``make pyright``."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "dedupe_examples", ROOT / "scripts" / "dedupe_examples.py"
)
assert _spec is not None
assert _spec.loader is not None
dedupe_examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dedupe_examples)


def test_every_dedupe_example_is_found_in_documents_and_docstrings() -> None:
    places = [where for where, _ in dedupe_examples.examples()]
    assert any(where.startswith("README.md") for where in places)
    assert sum(where.startswith("docs/verifying.md") for where in places) >= 4  # recipes
    assert any(where.endswith("dedupe.py:Deduplicator") for where in places)
    assert any(where.endswith("dedupe.py:claim") for where in places)


def test_every_dedupe_example_passes_mypy_strict(tmp_path: Path) -> None:
    written = dedupe_examples.write(tmp_path / "examples")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, written)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"no issues found in {len(written)} source files" in checked.stdout


def test_a_fragment_that_misuses_the_message_id_is_caught(tmp_path: Path) -> None:
    # The trap issue #33 names: event.message_id is ``str | None``; claim() wants a str or
    # the event. The harness must fail such an example, or it proves nothing.
    bad = tmp_path / "bad.py"
    bad.write_text(
        dedupe_examples.PREAMBLE.replace("{where}", "bad")
        + "\ndedupe = Deduplicator(MemoryStore())\n"
        + "with dedupe.claim(event.message_id) as claim:\n    handle(event)\n"
    )
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=600,
    )
    assert checked.returncode == 1
    assert 'Argument 1 to "claim" of "Deduplicator" has incompatible type "str | None"' in (
        checked.stdout
    )
