"""Inspect built distributions before they are published.

    python scripts/check_dist.py dist

Checks that the wheel holds exactly the two packages (with py.typed and the
bundled openapi.yaml) and its metadata, and that the sdist can regenerate and
test the project but carries no virtual environment or build debris.
Exits 1 naming every problem.
"""

from __future__ import annotations

import email.parser
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "faraday_webhooks": ROOT / "overrides" / "faraday_webhooks",
    "faraday_webhooks_api": ROOT / "generated" / "faraday_webhooks_api",
}
REQUIRED_IN_WHEEL = {
    "faraday_webhooks/__init__.py",
    "faraday_webhooks/py.typed",
    "faraday_webhooks/cli/__init__.py",
    "faraday_webhooks_api/py.typed",
    "faraday_webhooks_api/openapi.yaml",
    "faraday_webhooks_api/models/webhook_endpoint.py",
}
FORBIDDEN_PARTS = {"tests", ".venv", "__pycache__", ".git", "dist", "build", ".wheelhouse"}


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "overrides" / "faraday_webhooks" / "_version.py").read_text(), namespace)  # noqa: S102
    return namespace["__version__"]


def expected_wheel_files(dist_info: str) -> set[str]:
    files = {
        f"{name}/{path.relative_to(source).as_posix()}"
        for name, source in PACKAGES.items()
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    files |= {
        f"{dist_info}/{name}"
        for name in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "licenses/LICENSE")
    }
    return files


def check_wheel(wheel: Path, problems: list[str]) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"faraday_webhooks-{version()}.dist-info"
        metadata = email.parser.Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    expected = expected_wheel_files(dist_info)
    for missing in sorted(expected - names):
        problems.append(f"wheel lacks {missing}")
    for extra in sorted(names - expected):
        problems.append(f"wheel has a stray file {extra}")
    for required in sorted(REQUIRED_IN_WHEEL - names):
        problems.append(f"wheel lacks required {required}")
    for name in names:
        if FORBIDDEN_PARTS & set(name.split("/")):
            problems.append(f"wheel must not contain {name}")

    def field(key: str) -> list[str]:
        return metadata.get_all(key) or []

    checks = {
        "Name": field("Name") == ["faraday-webhooks"],
        "Version": field("Version") == [version()],
        "Requires-Python": field("Requires-Python") == [">=3.11"],
        "License-Expression": bool(field("License-Expression")),
        "Project-URL": len(field("Project-URL")) >= 2,
        "Classifier": "Typing :: Typed" in field("Classifier"),
        "Summary": bool(field("Summary")),
        "Provides-Extra": sorted(field("Provides-Extra"))
        == ["otel", "postgres", "redis", "sandbox"],
    }
    for key, ok in checks.items():
        if not ok:
            problems.append(f"wheel metadata {key} is wrong: {field(key)!r}")
    runtime = sorted(
        r.split(">")[0].split("<")[0].split("=")[0].strip()
        for r in field("Requires-Dist")
        if "extra ==" not in r
    )
    if runtime != ["attrs", "httpx"]:
        problems.append(f"runtime dependencies must be httpx and attrs only, got {runtime}")
    if "faraday-webhooks = faraday_webhooks.cli:main" not in entry_points:
        problems.append("wheel lacks the faraday-webhooks console script")


def check_sdist(sdist: Path, problems: list[str]) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for required in (
        "openapi.yaml",
        "generate.sh",
        "generator-config.yaml",
        "generator-templates/model.py.jinja",
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "overrides/faraday_webhooks/__init__.py",
        "generated/faraday_webhooks_api/openapi.yaml",
        "tests/conftest.py",
    ):
        if required not in names:
            problems.append(f"sdist lacks {required}")
    for name in names:
        if {".venv", "__pycache__", ".git", "dist", ".wheelhouse"} & set(name.split("/")):
            problems.append(f"sdist must not contain {name}")


def main(folder: str) -> int:
    dist = Path(folder)
    wheels = sorted(dist.glob("faraday_webhooks-*.whl"))
    sdists = sorted(dist.glob("faraday_webhooks-*.tar.gz"))
    problems: list[str] = []
    if len(wheels) != 1 or len(sdists) != 1:
        problems.append(
            f"expected one wheel and one sdist in {dist}, found {len(wheels)} and {len(sdists)}"
        )
    else:
        check_wheel(wheels[0], problems)
        check_sdist(sdists[0], problems)
    for problem in problems:
        print(f"check_dist: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_dist: {wheels[0].name} and {sdists[0].name} look right")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "dist"))
