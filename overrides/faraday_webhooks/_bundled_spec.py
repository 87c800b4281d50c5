"""The openapi.yaml the generated package was made from, as the runtime reads it.

``./generate.sh`` bundles a JSON copy beside the YAML one, so reading it needs no
YAML parser: the operations table (``_operations.py``) and the event-type mapping
(``events.py``) both come from here.
"""

from __future__ import annotations

import functools
import json
from typing import Any

__all__ = ["GENERATED_PACKAGE", "bundled_spec"]

GENERATED_PACKAGE = "faraday_webhooks_api"


@functools.cache
def bundled_spec() -> dict[str, Any]:
    """The openapi.yaml the generated package was made from (its JSON copy), read once.

    Read at the first call or delivery, not on import (importlib.resources costs ~5 ms).
    """
    import importlib.resources

    text = importlib.resources.files(GENERATED_PACKAGE).joinpath("openapi.json").read_text("utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec
