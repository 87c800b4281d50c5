"""Release end to end: make publish to a real pypiserver on 127.0.0.1, install from it, use it.

Nothing here reaches the internet: dependencies come from .wheelhouse/, which
`make venv` fills from the package registry at install time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import faraday_webhooks
import httpx
import pytest
import yaml
from passlib.apache import HtpasswdFile

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
UPLOADER, PASSWORD = "release-bot", "upload-pw-7c1e9b"

pytestmark = pytest.mark.slow


# The environments made here have no pip of their own (ensurepip takes seconds):
# the pip running these tests installs into them.
PIP_INTO = [sys.executable, "-m", "pip", "--python"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_clone(destination: Path) -> Path:
    """The working tree as a fresh commit: what CI or a release manager would publish from."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)  # keeps mtimes, so make does not rebuild the venv
    git = ["git", "-c", "user.name=release-test", "-c", "user.email=release@test.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=destination, check=True)
    subprocess.run(["git", "add", "-A"], cwd=destination, check=True)
    subprocess.run([*git, "commit", "-qm", "release"], cwd=destination, check=True)
    return destination


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    packages = tmp_path / "packages"
    packages.mkdir()
    passwords = HtpasswdFile(str(tmp_path / "htpasswd"), new=True)
    passwords.set_password(UPLOADER, PASSWORD)
    passwords.save()
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "pypi-server"),
            "run",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-P",
            str(tmp_path / "htpasswd"),
            "-a",
            "update",
            "--disable-fallback",
            str(packages),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "simple/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "pypiserver did not start"
            assert server.poll() is None, "pypiserver exited"
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def make(checkout: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """``make`` in ``checkout``, using the environment that runs these tests as its venv
    (VENV=sys.prefix, whose stamp says it is built): nothing is installed into it, and
    the release is made by the Python under test."""
    Path(sys.prefix, ".installed").touch()
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("TWINE_", "FARADAY_"))}
    variables.update(environment, FARADAY_GENERATOR_BIN=str(BIN))
    return subprocess.run(
        ["make", "-s", *arguments, f"VENV={sys.prefix}"],
        cwd=checkout,
        capture_output=True,
        text=True,
        env=variables,
        timeout=600,
        check=False,
    )


def publish(checkout: Path, index_url: str) -> subprocess.CompletedProcess[str]:
    return make(
        checkout,
        "publish",
        FARADAY_INDEX_URL=index_url,
        TWINE_USERNAME=UPLOADER,
        TWINE_PASSWORD=PASSWORD,
    )


CONSUMER = textwrap.dedent(
    """
    import json, sys
    import faraday_webhooks
    from faraday_webhooks import Faraday
    from faraday_webhooks.testing import Sandbox
    assert not any(part.startswith(ROOT) for part in sys.path if part), sys.path
    with Sandbox(api_keys=["sk_consumer"]) as sandbox:
        with Faraday(api_key="sk_consumer", base_url=sandbox.base_url) as client:
            events = ["resource.errored"]
            url = "https://example.com/hooks"
            endpoint = client.webhooks.create(url=url, enabled_events=events)
        print(json.dumps({
            "version": faraday_webhooks.__version__,
            "file": faraday_webhooks.__file__,
            "user_agent": sandbox.requests[0].user_agent,
            "secret_ok": endpoint.secret.startswith("whsec_"),
        }))
    """
)


WITHOUT_EXTRA = textwrap.dedent(
    """
    import importlib.util, httpx, faraday_webhooks as fw
    from faraday_webhooks.testing import Sandbox
    assert importlib.util.find_spec("jsonschema") is None
    body = {"created_at": "2024-09-26T14:27:05+00:00", "updated_at": "2024-09-26T14:27:05+00:00",
            "enabled_events": ["resource.errored"], "id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c",
            "status": "enabled", "url": "https://example.com/h"}
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))
    with fw.Faraday(api_key="k", http_client=http) as client:
        assert client.webhooks.retrieve(body["id"]).url == body["url"]
    try:
        Sandbox()
    except fw.SandboxExtraMissing as error:
        assert isinstance(error, ImportError) and "sandbox' extra" in str(error)
    else:
        raise AssertionError("Sandbox() started without its extra")
    print("jsonschema missing; the client works; Sandbox() says so")
    """
)


def test_publish_install_and_use_from_a_real_index(tmp_path: Path, index: str) -> None:
    checkout = clean_clone(tmp_path / "checkout")

    first = publish(checkout, index)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "check_dist: faraday_webhooks-" in first.stdout
    assert "publish: uploaded" in first.stdout
    assert PASSWORD not in first.stdout + first.stderr
    listing = httpx.get(index + "simple/faraday-webhooks/").text
    version = faraday_webhooks.__version__
    assert f"faraday_webhooks-{version}-py3-none-any.whl" in listing
    assert f"faraday_webhooks-{version}.tar.gz" in listing

    # The wheel that was published holds exactly what it should.
    (wheel,) = (checkout / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {n.split("/")[0] for n in names} == {
        "faraday_webhooks",
        "faraday_webhooks_api",
        f"faraday_webhooks-{version}.dist-info",
    }
    for required in [
        "faraday_webhooks/py.typed",
        "faraday_webhooks_api/py.typed",
        "faraday_webhooks_api/openapi.yaml",
        "faraday_webhooks/testing/sandbox.py",
        "faraday_webhooks/cli/__init__.py",
    ]:
        assert required in names
    assert not any(n.startswith(("tests/", ".venv/")) or "__pycache__" in n for n in names)

    # The same version again is refused cleanly, before uploading.
    again = publish(checkout, index)
    assert again.returncode != 0
    assert "already exist on the index" in again.stderr
    assert "Traceback" not in again.stderr

    # A brand-new environment installs from the index alone (plus the local wheelhouse).
    consumer = tmp_path / "consumer"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(consumer)], check=True)
    quiet_env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    quiet_env["PIP_CONFIG_FILE"] = os.devnull  # no machine-wide indexes or find-links
    installed = subprocess.run(
        [
            *PIP_INTO,
            str(consumer / "bin" / "python"),
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            index + "simple/",
            "--find-links",
            str(ROOT / ".wheelhouse"),
            "faraday-webhooks[sandbox]",
        ],
        capture_output=True,
        text=True,
        env=quiet_env,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    used = subprocess.run(
        [str(consumer / "bin" / "python"), "-c", f"ROOT = {str(ROOT)!r}\n" + CONSUMER],
        capture_output=True,
        text=True,
        env=quiet_env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert used.returncode == 0, used.stderr
    report = json.loads(used.stdout)
    assert report["version"] == version
    assert report["file"].startswith(str(consumer))
    assert report["user_agent"].startswith(f"faraday-webhooks/{version} python/3.")
    assert " httpx/" in report["user_agent"]
    assert report["secret_ok"]

    command = subprocess.run(
        [str(consumer / "bin" / "faraday-webhooks"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert command.stdout.strip() == f"faraday-webhooks {version}"

    # Without the [sandbox] extra: the client works; the sandbox says what to install,
    # at construction and at the command line, never as an empty reply later.
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    installed = subprocess.run(
        [
            *PIP_INTO,
            str(bare / "bin" / "python"),
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            index + "simple/",
            "--find-links",
            str(ROOT / ".wheelhouse"),
            "faraday-webhooks",
        ],
        capture_output=True,
        text=True,
        env=quiet_env,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    used = subprocess.run(
        [str(bare / "bin" / "python"), "-c", WITHOUT_EXTRA],
        capture_output=True,
        text=True,
        env=quiet_env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "jsonschema missing; the client works; Sandbox() says so"
    command = subprocess.run(
        [str(bare / "bin" / "faraday-webhooks"), "sandbox", "--port", "0"],
        capture_output=True,
        text=True,
        env=quiet_env,
        timeout=60,
        check=False,
    )
    assert command.returncode == 1
    assert "needs the 'sandbox' extra" in command.stderr
    assert "pip install 'faraday-webhooks[sandbox]' --index-url" in command.stderr
    assert "Traceback" not in command.stderr


def test_publish_refuses_a_dirty_tree_a_stale_generated_and_a_missing_index(
    tmp_path: Path, index: str
) -> None:
    checkout = clean_clone(tmp_path / "checkout")
    readme = checkout / "README.md"
    readme.write_text(readme.read_text() + "\nedited\n")
    dirty = publish(checkout, index)
    assert dirty.returncode != 0
    assert "uncommitted changes" in dirty.stderr

    subprocess.run(["git", "checkout", "-q", "README.md"], cwd=checkout, check=True)
    spec = checkout / "openapi.yaml"
    spec.write_text(
        spec.read_text().replace("enum: [enabled, disabled]", "enum: [enabled, disabled, paused]")
    )
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qam", "spec"],
        cwd=checkout,
        check=True,
    )
    stale = publish(checkout, index)
    assert stale.returncode != 0
    assert "generated/ is stale" in stale.stderr

    missing = subprocess.run(
        [sys.executable, str(checkout / "scripts" / "publish.py"), str(checkout / "dist")],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "FARADAY_INDEX_URL"},
        check=False,
    )
    assert missing.returncode == 1
    assert "set FARADAY_INDEX_URL" in missing.stderr
    assert httpx.get(index + "simple/faraday-webhooks/").status_code == 404  # nothing was uploaded


def _commit(checkout: Path, message: str) -> None:
    git = ["git", "-c", "user.name=release-test", "-c", "user.email=release@test.invalid"]
    subprocess.run([*git, "commit", "-qam", message], cwd=checkout, check=True)


def _release_as(checkout: Path, version: str, note: str) -> None:
    """Set the version and give it a CHANGELOG section, as a maintainer does before publishing."""
    version_file = checkout / "overrides" / "faraday_webhooks" / "_version.py"
    version_file.write_text(
        re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', version_file.read_text())
    )
    changelog = checkout / "CHANGELOG.md"
    text = changelog.read_text()
    marker = "\n## "
    head, _, rest = text.partition(marker)
    changelog.write_text(f"{head}\n## {version}\n\n- {note}\n{marker}{rest}")


def _change_spec(checkout: Path, change: Callable[[dict[str, Any]], None]) -> None:
    spec_file = checkout / "openapi.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    change(spec)
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
    generated = subprocess.run(
        [str(checkout / "generate.sh")], cwd=checkout, capture_output=True, text=True, check=False
    )
    assert generated.returncode == 0, generated.stderr
    subprocess.run(["git", "add", "-A"], cwd=checkout, check=True)


def test_publish_refuses_a_breaking_change_without_the_version_semver_asks_for(
    tmp_path: Path, index: str
) -> None:
    checkout = clean_clone(tmp_path / "checkout")
    version = faraday_webhooks.__version__
    major, minor, micro = (int(part) for part in version.split("."))
    assert major == 0  # while 0.x, a breaking change needs the next minor version

    first = publish(checkout, index)
    assert first.returncode == 0, first.stdout + first.stderr

    # Faraday drops a field; regenerated and published as a patch: refused, naming it.
    def drop_secret(spec: dict[str, Any]) -> None:
        del spec["components"]["schemas"]["WebhookEndpoint"]["properties"]["secret"]

    _change_spec(checkout, drop_secret)
    patch = f"{major}.{minor}.{micro + 1}"
    _release_as(checkout, patch, "WebhookEndpoint no longer has secret")
    _commit(checkout, "drop secret")
    refused = publish(checkout, index)
    assert refused.returncode != 0
    assert f"{patch} breaks the public API of {version}" in refused.stderr
    assert "WebhookEndpoint.secret" in refused.stderr
    assert "webhook_endpoint.py" in refused.stderr  # the file (and line) of the change
    assert f"at least {major}.{minor + 1}.0" in refused.stderr
    assert "Traceback" not in refused.stderr

    # No CHANGELOG section for the version: refused before anything else is looked at.
    version_file = checkout / "overrides" / "faraday_webhooks" / "_version.py"
    version_file.write_text(version_file.read_text().replace(patch, f"{major}.{minor + 1}.0"))
    _commit(checkout, "bump without a note")
    unnoted = publish(checkout, index)
    assert unnoted.returncode != 0
    assert f"CHANGELOG.md has no section '## {major}.{minor + 1}.0'" in unnoted.stderr

    # The right bump, with its note: accepted.
    bumped = f"{major}.{minor + 1}.0"
    _release_as(checkout, bumped, "WebhookEndpoint no longer has secret (breaking)")
    _commit(checkout, "release the breaking change properly")
    accepted = publish(checkout, index)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "1 breaking change(s), allowed by" in accepted.stdout

    # A new field is not breaking: a patch release is enough.
    def add_description(spec: dict[str, Any]) -> None:
        spec["components"]["schemas"]["WebhookEndpoint"]["properties"]["description"] = {
            "type": "string",
            "description": "A note about the endpoint.",
        }

    _change_spec(checkout, add_description)
    _release_as(checkout, f"{major}.{minor + 1}.1", "WebhookEndpoint.description")
    _commit(checkout, "add description")
    additive = publish(checkout, index)
    assert additive.returncode == 0, additive.stdout + additive.stderr
    assert "no breaking change" in additive.stdout
    listing = httpx.get(index + "simple/faraday-webhooks/").text
    assert f"faraday_webhooks-{major}.{minor + 1}.1-py3-none-any.whl" in listing
    assert f"faraday_webhooks-{patch}-py3-none-any.whl" not in listing


def test_api_diff_against_a_git_tag_names_file_and_line(tmp_path: Path) -> None:
    checkout = clean_clone(tmp_path / "checkout")
    subprocess.run(["git", "tag", "v-base"], cwd=checkout, check=True)

    def drop_url(spec: dict[str, Any]) -> None:
        del spec["components"]["schemas"]["WebhookEndpoint"]["properties"]["url"]
        spec["components"]["schemas"]["WebhookEndpoint"]["required"].remove("url")

    _change_spec(checkout, drop_url)
    _commit(checkout, "drop url")
    result = make(checkout, "api-diff", "BASE=v-base")
    assert result.returncode != 0
    assert "breaking change(s) since git v-base" in result.stdout
    assert re.search(r"webhook_endpoint\.py:\d+: WebhookEndpoint\.url", result.stdout), (
        result.stdout
    )
