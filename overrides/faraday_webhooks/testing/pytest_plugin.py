"""pytest fixtures, registered automatically when faraday-webhooks is installed.

Example:

```python
def test_registers_endpoint(faraday_sandbox):
    client = Faraday(api_key=faraday_sandbox.api_key, base_url=faraday_sandbox.base_url)
    client.webhooks.create(url="https://example.com/hooks", enabled_events=["resource.errored"])
    assert len(faraday_sandbox.endpoints) == 1
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .sandbox import Sandbox


@pytest.fixture
def faraday_sandbox() -> Iterator[Sandbox]:
    """A started ``Sandbox`` accepting ``sandbox.api_key`` (``sk_sandbox_local``); stopped after."""
    # Imported here so that merely having the plugin installed costs nothing.
    from .sandbox import DEFAULT_API_KEY, Sandbox

    with Sandbox(api_keys=[DEFAULT_API_KEY]) as sandbox:
        yield sandbox
