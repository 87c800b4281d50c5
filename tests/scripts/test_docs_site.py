"""The docs site, built as ``make docs`` builds it, works opened from disk.

A reader opens ``site/index.html`` under ``file://``: every link between pages must
name a file that exists (no folder listings), examples must render as highlighted
code rather than reST's literal ``Example::``, and the reference must not show the
private base classes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
HREF = re.compile(r'(?:href|src)="([^"]*)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return out


def pages(site: Path) -> list[Path]:
    # 404.html is served by a web server for a missing path, never opened from disk
    found = sorted(page for page in site.glob("*.html") if page.name != "404.html")
    assert len(found) >= 10, found  # every guide, the reference and the index
    return found


def test_every_local_link_names_a_file_that_exists(site: Path) -> None:
    broken = []
    for page in pages(site):
        for target in HREF.findall(page.read_text()):
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # an external site, or an anchor on this page
            resolved = (page.parent / unquote(parts.path)).resolve()
            if not resolved.is_file():
                broken.append(f"{page.name}: {target}")
    assert broken == []


def test_search_index_loads_without_a_server(site: Path) -> None:
    # Under file:// the theme loads the index as a script (fetch is refused there);
    # the offline plugin writes that script.
    script = (site / "search" / "search_index.js").read_text()
    assert script.startswith("var __index =")
    # every page is searchable, by a link that works from disk
    for page in pages(site):
        assert f'"location":"{page.name}"' in script, page.name


def test_external_links_point_to_real_hosts(site: Path) -> None:
    hosts = {
        urlsplit(target).netloc
        for page in pages(site)
        for target in HREF.findall(page.read_text())
        if urlsplit(target).scheme in ("http", "https")
    }
    assert not {host for host in hosts if host.endswith(".example") or "internal" in host}


def test_examples_render_as_highlighted_code_and_no_private_base_shows(site: Path) -> None:
    reference = (site / "reference.html").read_text()
    for page in pages(site):
        assert "Example::" not in page.read_text(), page.name
    assert "Bases:" not in reference
    # the Faraday client's docstring example, rendered by the highlighter
    assert reference.count('class="highlight"') >= 20
    assert re.search(r'class="highlight".*?with.*?Faraday', reference, re.DOTALL)


def test_the_reference_shows_the_methods_a_resource_inherits(site: Path) -> None:
    # unwrap is defined once, for both clients' resources: each page entry must show it.
    reference = (site / "reference.html").read_text()
    for resource in ("Webhooks", "AsyncWebhooks"):
        assert f'id="faraday_webhooks.resources.webhooks.{resource}.unwrap"' in reference
