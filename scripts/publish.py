"""Upload dist/ to the internal index, refusing anything that should not ship.

    FARADAY_INDEX_URL=https://pypi.internal/ TWINE_USERNAME=... TWINE_PASSWORD=... make publish

Refuses (exit 1, one line each) when: FARADAY_INDEX_URL is unset, the git tree
has uncommitted changes, generated/ is stale, or this version is already on
the index. Credentials come from TWINE_USERNAME/TWINE_PASSWORD or a keyring,
as twine reads them; they are never printed. The simple index is read at
FARADAY_INDEX_SIMPLE_URL, default <FARADAY_INDEX_URL>/simple/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "faraday-webhooks"


def refuse(message: str) -> int:
    print(f"publish: refused: {message}", file=sys.stderr)
    return 1


def existing_files(simple_url: str) -> set[str]:
    """File names the index already holds for this project (empty if it holds none)."""
    page_url = simple_url.rstrip("/") + f"/{PROJECT}/"
    try:
        with urllib.request.urlopen(page_url, timeout=30) as page:  # noqa: S310 - the operator's index
            html = page.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return set()
        raise
    return {
        match.split("#", 1)[0].rsplit("/", 1)[-1] for match in re.findall(r'href="([^"]+)"', html)
    }


def main(folder: str) -> int:
    index = os.environ.get("FARADAY_INDEX_URL")
    if not index:
        return refuse("set FARADAY_INDEX_URL to the internal index's upload URL")
    simple = os.environ.get("FARADAY_INDEX_SIMPLE_URL") or index.rstrip("/") + "/simple/"

    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        return refuse("this is not a git checkout; publish from a clean clone")
    if status.stdout.strip():
        return refuse(
            "the work tree has uncommitted changes (git status); commit or stash them first"
        )

    check = subprocess.run(
        [str(ROOT / "generate.sh"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        return refuse("generated/ is stale; run ./generate.sh and commit the result")

    files = sorted(Path(folder).glob("faraday_webhooks-*"))
    if not files:
        return refuse(f"nothing to upload in {folder}; run make dist")
    try:
        already = existing_files(simple)
    except (urllib.error.URLError, OSError) as error:
        return refuse(f"cannot read the index at {simple}: {error}")
    clashes = sorted(file.name for file in files if file.name in already)
    if clashes:
        return refuse(
            f"{', '.join(clashes)} already exist on the index; bump the version in _version.py"
        )

    upload = subprocess.run(
        [
            sys.executable,
            "-m",
            "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            index,
            *map(str, files),
        ],
        check=False,
    )
    if upload.returncode != 0:
        return refuse("twine upload failed (see above)")
    print(f"publish: uploaded {', '.join(file.name for file in files)} to {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "dist"))
