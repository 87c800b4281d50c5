"""Build dist/ and upload it to the internal index, refusing anything that should not ship.

    FARADAY_INDEX_URL=https://pypi.internal/ TWINE_USERNAME=... TWINE_PASSWORD=... make publish

Refuses (exit 1, saying why) when: FARADAY_INDEX_URL is unset, the git tree
has uncommitted changes, generated/ is stale, this version is already on the
index, CHANGELOG.md has no section for this version, or the public API broke
since the newest version on the index (scripts/api_diff.py, griffe) without the
version bump semver asks for: the major version, or the minor while the major
is 0. The message names each breaking change. Credentials come from
TWINE_USERNAME/TWINE_PASSWORD or a keyring, as twine reads them; they are never
printed. The simple index is read at FARADAY_INDEX_SIMPLE_URL, default
<FARADAY_INDEX_URL>/simple/.

What can be refused without building is checked first (the index, the tree, the
changelog, the version already there); then `make dist` builds and checks dist/
(generated/ fresh, twine, scripts/check_dist.py), and the API is compared.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_diff import compare, load_wheel, newest_release, simple_url  # noqa: E402
from packaging.version import Version  # noqa: E402


def version() -> Version:
    namespace: dict[str, str] = {}
    exec((ROOT / "overrides" / "faraday_webhooks" / "_version.py").read_text(), namespace)  # noqa: S102
    return Version(namespace["__version__"])


def changelog_has_section(release: Version) -> bool:
    """A heading ``## <version>`` (anything may follow it: a date, a name)."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.search(rf"^## {re.escape(str(release))}(\s|$)", text, flags=re.M) is not None


def allows_breaking(new: Version, old: Version) -> bool:
    """Semver: a breaking change needs a new major version, or a new minor one while 0.x."""
    if old.major == 0:
        return new.major > 0 or new.minor > old.minor
    return new.major > old.major


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
    simple = simple_url(index)

    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        return refuse("this is not a git checkout; publish from a clean clone")
    if status.stdout.strip():
        return refuse(
            "the work tree has uncommitted changes (git status); commit or stash them first"
        )

    release = version()
    if not changelog_has_section(release):
        return refuse(f"CHANGELOG.md has no section '## {release}'; say what this release changes")

    names = [f"faraday_webhooks-{release}-py3-none-any.whl", f"faraday_webhooks-{release}.tar.gz"]
    try:
        already = existing_files(simple)
    except (urllib.error.URLError, OSError) as error:
        return refuse(f"cannot read the index at {simple}: {error}")
    clashes = [name for name in names if name in already]
    if clashes:
        return refuse(
            f"{', '.join(clashes)} already exist on the index; bump the version in _version.py"
        )

    # Under `make publish`, this make inherits its variables (VENV=...) from MAKEFLAGS.
    if subprocess.run(["make", "-s", "dist"], cwd=ROOT, check=False).returncode != 0:
        return refuse("make dist failed (see above)")
    files = [Path(folder) / name for name in names]

    previous = newest_release(simple)
    if previous is not None:
        old_version, wheel = previous
        with load_wheel(wheel) as load_old:
            breaking = compare(load_old)
        if breaking and not allows_breaking(release, old_version):
            needed = (
                f"{old_version.major}.{old_version.minor + 1}.0"
                if old_version.major == 0
                else f"{old_version.major + 1}.0.0"
            )
            listed = "\n".join(f"  {change}" for change in breaking)
            return refuse(
                f"{release} breaks the public API of {old_version} (the newest on the index) "
                f"without the version semver asks for (at least {needed}):\n{listed}"
            )
        print(
            f"publish: public API against {old_version}: "
            + (
                f"{len(breaking)} breaking change(s), allowed by {release}"
                if breaking
                else "no breaking change"
            )
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
