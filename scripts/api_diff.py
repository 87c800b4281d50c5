"""The breaking changes to the public Python API since a release, found by griffe.

    python scripts/api_diff.py                 against the newest version on $FARADAY_INDEX_URL
    python scripts/api_diff.py --base v0.1.0   against a git tag (or any ref)

The public API is what users import: ``faraday_webhooks`` and
``faraday_webhooks.testing`` (their ``__all__``), and the generated models'
attributes (``faraday_webhooks_api.models``). griffe (``griffe check``'s engine)
compares them; nothing here compares by hand. Prints one line per breaking
change, with file and line, and exits 1 when there is any; 0 when there is none,
or when there is nothing released to compare with.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import griffe
import httpx
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
SEARCH_PATHS = ("overrides", "generated")
# (package, the object users import from it)
PUBLIC = (
    ("faraday_webhooks", "faraday_webhooks"),
    ("faraday_webhooks", "faraday_webhooks.testing"),
    ("faraday_webhooks_api", "faraday_webhooks_api.models"),
)
_WHEEL = re.compile(r'href="([^"#]*faraday_webhooks-([^-"]+)-py3-none-any\.whl)[^"]*"')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _load(package: str, search_paths: list[Path]) -> Any:
    return griffe.load(
        package,
        search_paths=[str(path) for path in search_paths],
        modules_collection=griffe.ModulesCollection(),
        resolve_aliases=True,
        resolve_external=False,
        allow_inspection=False,
    )


def _load_git(package: str, ref: str) -> Any:
    return griffe.load_git(
        package,
        ref=ref,
        repo=ROOT,
        search_paths=list(SEARCH_PATHS),
        modules_collection=griffe.ModulesCollection(),
        resolve_aliases=True,
        resolve_external=False,
        allow_inspection=False,
    )


def simple_url(index_url: str) -> str:
    """The simple index of an index URL: ``$FARADAY_INDEX_SIMPLE_URL``, else ``<index>/simple/``."""
    return os.environ.get("FARADAY_INDEX_SIMPLE_URL") or index_url.rstrip("/") + "/simple/"


def newest_release(simple: str) -> tuple[Version, bytes] | None:
    """The newest wheel of faraday-webhooks on a simple index (its version and bytes), if any."""
    page_url = urljoin(simple.rstrip("/") + "/", "faraday-webhooks/")
    page = httpx.get(page_url, follow_redirects=True, timeout=30)
    if page.status_code == 404:
        return None
    page.raise_for_status()
    found = []
    for href, text in _WHEEL.findall(page.text):
        try:
            found.append((Version(text), urljoin(page_url, href)))
        except InvalidVersion:
            continue
    if not found:
        return None
    version, url = max(found)
    wheel = httpx.get(url, follow_redirects=True, timeout=60)
    wheel.raise_for_status()
    return version, wheel.content


@contextlib.contextmanager
def load_wheel(wheel: bytes) -> Iterator[Any]:
    """A loader of the packages inside ``wheel`` (unpacked for as long as it is used)."""
    with tempfile.TemporaryDirectory() as unpacked:
        zipfile.ZipFile(io.BytesIO(wheel)).extractall(unpacked)
        yield lambda package: _load(package, [Path(unpacked)])


def breaking_changes(old: Any, new: Any) -> Iterator[str]:
    """griffe's breaking changes between two loaded objects, one plain line each."""
    for breakage in griffe.find_breaking_changes(old, new):
        yield _ANSI.sub("", breakage.explain(griffe.ExplanationStyle.ONE_LINE))


def compare(load_old: Any) -> list[str]:
    """Every breaking change from the old public API (``load_old(package)``) to this tree."""
    changes: list[str] = []
    loaded_old: dict[str, Any] = {}
    loaded_new: dict[str, Any] = {}
    for package, dotted in PUBLIC:
        if package not in loaded_old:
            try:
                loaded_old[package] = load_old(package)
            except ModuleNotFoundError:
                loaded_old[package] = None  # new since then: nothing of it can break
            loaded_new[package] = _load(package, [ROOT / path for path in SEARCH_PATHS])
        if loaded_old[package] is None:
            continue
        path = dotted.split(".")[1:]
        old, new = loaded_old[package], loaded_new[package]
        for part in path:
            old, new = old[part], new[part]
        changes.extend(breaking_changes(old, new))
    return list(dict.fromkeys(changes))  # a class exported twice is reported once


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a git tag or ref to compare with (default: the index)")
    parser.add_argument(
        "--index", default=os.environ.get("FARADAY_INDEX_URL"), help="$FARADAY_INDEX_URL"
    )
    args = parser.parse_args(argv)
    if args.base:
        known = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{args.base}^{{commit}}"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if known.returncode != 0:
            print(f"api-diff: no tag, branch or commit named {args.base!r} here", file=sys.stderr)
            return 2
        label = f"git {args.base}"
        changes = compare(lambda package: _load_git(package, args.base))
    else:
        if not args.index:
            print("api-diff: set FARADAY_INDEX_URL, or give BASE=<git tag>", file=sys.stderr)
            return 2
        try:
            release = newest_release(simple_url(args.index))
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as problem:
            return _failed(f"cannot read the index {args.index}: {type(problem).__name__}")
        if release is None:
            print("api-diff: nothing released yet; no public API to break")
            return 0
        version, wheel = release
        label = f"faraday-webhooks {version} on the index"
        try:
            with load_wheel(wheel) as load_old:
                changes = compare(load_old)
        except (zipfile.BadZipFile, OSError, ValueError) as problem:
            return _failed(f"the newest wheel on the index is unreadable: {type(problem).__name__}")
    if not changes:
        print(f"api-diff: no breaking change to the public API since {label}")
        return 0
    print(f"api-diff: {len(changes)} breaking change(s) since {label}:")
    for change in changes:
        print(f"  {change}")
    return 1


def _failed(message: str) -> int:
    """One line on stderr and exit status 2 (1 means "breaking changes found")."""
    print("api-diff: " + " ".join(message.split())[:500], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
