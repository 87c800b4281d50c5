"""Check any HTTP response from the sandbox against the response schema openapi.yaml gives it."""

from __future__ import annotations

import re
from typing import Any

import httpx
from faraday_webhooks.testing._spec import load_spec, validator_for

_TEMPLATE_PATHS = [
    (re.compile(r"^/webhook_endpoints$"), "/webhook_endpoints"),
    (re.compile(r"^/webhook_endpoints/[^/]+$"), "/webhook_endpoints/{webhook_endpoint_id}"),
]


def _pointer_escape(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


def response_schema_pointer(method: str, path: str, status: int) -> str | None:
    """The JSON pointer of the response schema, or None for a documented empty response."""
    spec = load_spec()
    template = next((name for pattern, name in _TEMPLATE_PATHS if pattern.match(path)), None)
    assert template is not None, f"no path in openapi.yaml matches {path}"
    operation = spec["paths"][template][method.lower()]
    assert str(status) in operation["responses"], f"{method} {template} does not document {status}"
    response: Any = operation["responses"][str(status)]
    base = f"/paths/{_pointer_escape(template)}/{method.lower()}/responses/{status}"
    if "$ref" in response:
        base = response["$ref"].lstrip("#")
        response = spec
        for part in base.strip("/").split("/"):
            response = response[part]
    if "content" not in response:
        return None
    return f"{base}/content/application~1json/schema"


def assert_matches_spec(response: httpx.Response) -> None:
    """Fail unless the status and body are what openapi.yaml documents for the request."""
    path = response.request.url.path.removeprefix("/v1")
    pointer = response_schema_pointer(response.request.method, path, response.status_code)
    if pointer is None:
        assert response.content == b""
        return
    assert response.headers["content-type"].startswith("application/json")
    errors = list(validator_for(pointer).iter_errors(response.json()))
    assert not errors, [error.message for error in errors]
