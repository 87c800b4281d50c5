"""scripts/api_diff.py on an index it cannot use: one line on stderr and exit 2, never a
traceback with exit 1 (which means "breaking changes found")."""

from __future__ import annotations

import http.server
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import serving

ROOT = Path(__file__).resolve().parents[2]


class BogusIndex(http.server.BaseHTTPRequestHandler):
    """A simple index listing one faraday-webhooks wheel that is not a zip file."""

    def do_GET(self) -> None:
        if self.path.endswith(".whl"):
            body = b"this is not a zip file"
        else:
            body = b'<a href="faraday_webhooks-9.9.9-py3-none-any.whl">wheel</a>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _api_diff(index: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/api_diff.py", "--index", index],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.parametrize("index", ["http://127.0.0.1:1/", "http://[::1", "not a url"])
def test_an_index_that_cannot_be_read_is_one_line_and_exit_2(index: str) -> None:
    result = _api_diff(index)
    assert result.returncode == 2, result.stderr[-1000:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-1000:]
    assert "cannot read the index" in result.stderr


def test_a_wheel_that_is_not_a_zip_is_one_line_and_exit_2() -> None:
    with serving(BogusIndex) as url:
        result = _api_diff(url + "/")
    assert result.returncode == 2, result.stderr[-1000:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-1000:]
    assert "unreadable" in result.stderr
