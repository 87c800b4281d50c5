"""make spec-diff: what Faraday's whole published document has that openapi.yaml does not.

The upstream documents are Faraday-shaped: many unrelated paths and shared
components (tests/fixtures/faraday-rest-of-api.yaml) around the webhook part.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import scripted_server

ROOT = Path(__file__).resolve().parent.parent
OURS = yaml.safe_load((ROOT / "openapi.yaml").read_text())
REST = yaml.safe_load((ROOT / "tests" / "fixtures" / "faraday-rest-of-api.yaml").read_text())
ENDPOINT = "/webhook_endpoints"
ITEM = "/webhook_endpoints/{webhook_endpoint_id}"


def faraday_document() -> dict[str, Any]:
    """Faraday's whole document as it would be published today: ours, inside everything else."""
    document: dict[str, Any] = copy.deepcopy(REST)
    ours = copy.deepcopy(OURS)
    document["paths"].update(ours["paths"])
    document["components"]["schemas"].update(ours["components"]["schemas"])
    document["components"]["responses"] = ours["components"]["responses"]
    document["components"]["securitySchemes"] = ours["components"]["securitySchemes"]
    return document


def run(document: dict[str, Any], tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    upstream = tmp_path / "api.json"
    upstream.write_text(json.dumps(document))
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spec_diff.py"), str(upstream), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"]
    return found


def test_the_same_webhook_part_inside_a_bigger_document_is_no_drift(tmp_path: Path) -> None:
    result = run(faraday_document(), tmp_path)
    assert result.returncode == 0, result.stdout
    assert "0 breaking, 0 additive, 0 description change(s)" in result.stdout


def test_changes_outside_the_webhook_part_are_ignored(tmp_path: Path) -> None:
    document = faraday_document()
    del document["paths"]["/cohorts/{cohort_id}"]
    schemas(document)["Cohort"]["properties"]["size"] = {"type": "integer"}
    schemas(document)["ResourceStatus"]["enum"].append("archived")
    result = run(document, tmp_path)
    assert result.returncode == 0, result.stdout
    assert "cohort" not in result.stdout.lower()


def _add_rotate_secret(document: dict[str, Any]) -> None:
    document["paths"][ITEM.replace("{webhook_endpoint_id}", "{id}") + "/rotate_secret"] = {
        "post": {
            "operationId": "rotateWebhookEndpointSecret",
            "tags": ["webhooks"],
            "responses": {"200": {"description": "Rotated"}},
        }
    }


def _remove_delete(document: dict[str, Any]) -> None:
    del document["paths"][ITEM]["delete"]


def _add_response_field(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpoint"]["properties"]["description"] = {"type": "string"}


def _remove_response_field(document: dict[str, Any]) -> None:
    del schemas(document)["WebhookEndpoint"]["properties"]["secret"]


def _change_field_format(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpoint"]["properties"]["id"] = {"type": "integer"}


def _response_field_now_optional(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpoint"]["required"].remove("status")


def _request_field_now_required(document: dict[str, Any]) -> None:
    post = schemas(document)["WebhookEndpointPost"]
    post["properties"]["description"] = {"type": "string"}
    post["required"].append("description")


def _add_error_code(document: dict[str, Any]) -> None:
    schemas(document)["Error"]["properties"]["error"]["enum"].append("USAGE_QUOTA_EXCEEDED")


def _remove_enum_value(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpointStatus"]["enum"].remove("disabled")


def _add_idempotency_key(document: dict[str, Any]) -> None:
    document["paths"][ENDPOINT]["post"]["parameters"] = [
        {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
    ]


def _add_status(document: dict[str, Any]) -> None:
    document["paths"][ENDPOINT]["post"]["responses"]["409"] = {
        "$ref": "#/components/responses/BadRequest"
    }


def _remove_status(document: dict[str, Any]) -> None:
    del document["paths"][ENDPOINT]["get"]["responses"]["404"]


def _change_ids_limit(document: dict[str, Any]) -> None:
    document["paths"][ENDPOINT]["get"]["parameters"][0]["schema"]["maxItems"] = 50


def _add_event_type(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEventType"]["enum"].append("enrichment_job.succeeded")


CHANGES: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (_add_rotate_secret, "additive", "operation rotateWebhookEndpointSecret new upstream"),
    (_remove_delete, "breaking", "operation deleteWebhookEndpoint removed upstream"),
    (_add_response_field, "additive", "WebhookEndpoint.description: field new upstream"),
    (_remove_response_field, "breaking", "WebhookEndpoint.secret: field removed upstream"),
    (_change_field_format, "breaking", "type was string (uuid), upstream integer"),
    (_response_field_now_optional, "breaking", "WebhookEndpoint.status: now optional upstream"),
    (_request_field_now_required, "breaking", "field new upstream (required)"),
    (_add_error_code, "additive", "enum value 'USAGE_QUOTA_EXCEEDED' new upstream"),
    (_remove_enum_value, "breaking", "enum value 'disabled' removed upstream"),
    (_add_idempotency_key, "additive", "parameter header Idempotency-Key: new upstream"),
    (_add_status, "additive", "POST /webhook_endpoints response 409: new upstream"),
    (_remove_status, "breaking", "GET /webhook_endpoints response 404: no longer documented"),
    (_change_ids_limit, "breaking", "maxItems was 100, upstream 50"),
    (_add_event_type, "additive", "enum value 'enrichment_job.succeeded' new upstream"),
]


@pytest.mark.parametrize(
    ("change", "kind", "text"),
    CHANGES,
    ids=[change.__name__.strip("_") for change, _, _ in CHANGES],
)
def test_each_kind_of_change_is_reported_and_classed(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], kind: str, text: str
) -> None:
    document = faraday_document()
    change(document)
    result = run(document, tmp_path)
    assert result.returncode == 1, result.stdout
    lines = [line for line in result.stdout.splitlines() if text in line]
    assert lines, result.stdout
    assert all(line.split()[0] == kind for line in lines), lines
    assert "update it, or pass --allow" in result.stdout
    allowed = run(document, tmp_path, "--allow")
    assert allowed.returncode == 0


def test_descriptions_differ_only_where_both_have_one(tmp_path: Path) -> None:
    document = faraday_document()
    document["paths"][ENDPOINT]["post"]["description"] = "Register a new webhook endpoint"
    for operation in document["paths"][ITEM].values():
        if isinstance(operation, dict):
            operation.pop("description", None)  # ours has wording upstream lacks: not drift
    result = run(document, tmp_path)
    assert result.returncode == 0, result.stdout
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("  description")]
    assert "POST /webhook_endpoints" in line
    assert "Register a new webhook endpoint" in line
    assert "0 breaking, 0 additive, 1 description change(s)" in result.stdout


def test_upstream_can_be_a_url(tmp_path: Path) -> None:
    document = faraday_document()
    _add_response_field(document)
    with scripted_server(200, json.dumps(document).encode()) as url:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "spec_diff.py"), url + "/api.json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert "WebhookEndpoint.description: field new upstream" in result.stdout


def test_an_unreadable_upstream_is_one_line_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spec_diff.py"), str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot read a document" in result.stderr
    assert "Traceback" not in result.stderr
