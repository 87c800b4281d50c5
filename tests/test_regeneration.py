"""Regenerating from a changed openapi.yaml leaves the hand-written overrides working unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import json, httpx, faraday_api_client, faraday_webhooks as fw
    from faraday_api_client.models import ErrorError
    assert faraday_api_client.__file__.startswith(GENERATED), faraday_api_client.__file__
    assert "RATE_LIMITED" in ErrorError.__members__            # the regenerated package is in use

    body = {"created_at": "2024-09-26T14:27:05+00:00", "updated_at": "2024-09-26T14:27:05+00:00",
            "enabled_events": ["resource.errored"], "id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c",
            "status": "enabled", "url": "https://example.com/h", "secret": "whsec_c2VjcmV0",
            "description": "billing alerts"}
    error = {"error": "RATE_LIMITED", "id": "082f9513-901c-4308-8081-902a8fe22d7e",
             "note": "slow down"}
    answers = iter([httpx.Response(201, json=body), httpx.Response(400, json=error)])
    transport = httpx.MockTransport(lambda request: next(answers))
    client = fw.Faraday(api_key="k", http_client=httpx.Client(transport=transport))

    events = ["resource.errored"]
    endpoint = client.webhooks.create(url="https://example.com/h", enabled_events=events)
    assert endpoint.description == "billing alerts"             # the new field is a typed attribute
    assert "whsec_***" in repr(endpoint) and "c2VjcmV0" not in repr(endpoint)
    try:
        client.webhooks.create(url="https://example.com/h", enabled_events=events)
    except fw.APIError as err:
        assert type(err) is fw.APIError and err.code == "RATE_LIMITED" and err.note == "slow down"
    else:
        raise AssertionError("no error raised")

    # A delivery kind added to the spec arrives typed, with no code in the overrides.
    from uuid import UUID
    message = {"timestamp": "2026-08-11T06:00:03+00:00", "type": "enrichment_job.skipped",
               "data": {"account_id": "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11",
                        "enrichment_id": "0b0b4b43-35a4-4a9c-9d0c-4d5f7f3c8a11",
                        "enrichment_job_id": "8d9e8f1a-1f2b-4c3d-9e4f-5a6b7c8d9e0f",
                        "invocation": "manual", "status": "skipped", "skip_note": "no change"}}
    body = json.dumps(message).encode()
    secret = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0"
    event = fw.verify_webhook(body, fw.sign_webhook(body, secret), secret)
    assert type(event).__name__ == "EnrichmentJobEvent", type(event)
    assert isinstance(event, fw.WebhookEvent) and not isinstance(event, fw.ResourceEvent)
    assert event.data.enrichment_id == UUID("0b0b4b43-35a4-4a9c-9d0c-4d5f7f3c8a11")
    assert event.data.invocation == "manual" and event.data.skip_note == "no change"
    assert event.data.status_error is None and event.data.scheduled_for is None
    resource = dict(message, type="resource.errored", data={
        "account_id": "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11",
        "resource_id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c", "resource_type": "cohorts"})
    body = json.dumps(resource).encode()
    assert isinstance(fw.verify_webhook(body, fw.sign_webhook(body, secret), secret),
                      fw.ResourceEvent)
    print("overrides survived regeneration")
    """
)


def add_enrichment_job_messages(schemas: dict[str, Any]) -> None:
    """Faraday's enrichment-job deliveries, as its client's ``project`` branch describes them."""
    kinds = ["enrichment_job.succeeded", "enrichment_job.failed", "enrichment_job.skipped"]
    schemas["WebhookEventType"]["enum"].extend(kinds)
    schemas["WebhookMessageForEnrichmentJob"] = {
        "type": "object",
        "required": ["data", "timestamp", "type"],
        "properties": {
            "data": {"$ref": "#/components/schemas/WebhookMessageForEnrichmentJobData"},
            "timestamp": {"type": "string", "format": "date-time"},
            "type": {"$ref": "#/components/schemas/WebhookEventType"},
        },
    }
    uuid_string = {"type": "string", "format": "uuid"}
    schemas["WebhookMessageForEnrichmentJobData"] = {
        "type": "object",
        "required": ["account_id", "enrichment_id", "enrichment_job_id", "invocation", "status"],
        "properties": {
            "account_id": uuid_string,
            "enrichment_id": uuid_string,
            "enrichment_job_id": uuid_string,
            "invocation": {"type": "string", "enum": ["manual", "schedule"]},
            "scheduled_for": {"type": "string", "format": "date-time"},
            "skip_note": {"type": "string"},
            "status": {"type": "string", "enum": ["succeeded", "failed", "skipped"]},
            "status_error": {"type": "string"},
        },
    }
    union = schemas["WebhookMessage"]
    union["oneOf"].append({"$ref": "#/components/schemas/WebhookMessageForEnrichmentJob"})
    for kind in kinds:
        union["discriminator"]["mapping"][kind] = (
            "#/components/schemas/WebhookMessageForEnrichmentJob"
        )


@pytest.mark.slow
def test_overrides_work_unchanged_against_a_regenerated_client(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    schemas = spec["components"]["schemas"]
    schemas["WebhookEndpoint"]["properties"]["description"] = {
        "type": "string",
        "description": "A note.",
    }
    schemas["Error"]["properties"]["error"]["enum"].append("RATE_LIMITED")
    add_enrichment_job_messages(schemas)
    changed = tmp_path / "openapi.yaml"
    changed.write_text(yaml.safe_dump(spec, sort_keys=False))

    output = tmp_path / "generated"
    generated = subprocess.run(
        [str(ROOT / "generate.sh"), "--spec", str(changed), "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    package = output / "faraday_api_client"
    assert "description" in (package / "models" / "webhook_endpoint.py").read_text()
    assert (package / "py.typed").exists()
    assert (package / "openapi.yaml").read_text() == changed.read_text()

    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(output), str(ROOT / "overrides")]),
    }
    probe = subprocess.run(
        [sys.executable, "-c", f"GENERATED = {str(package)!r}\n" + PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "overrides survived regeneration"

    # And the real generated/ is still what openapi.yaml produces.
    check = subprocess.run(
        [str(ROOT / "generate.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_check_names_the_stale_files(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    spec["components"]["schemas"]["WebhookEndpointStatus"]["enum"].append("paused")
    changed = tmp_path / "openapi.yaml"
    changed.write_text(yaml.safe_dump(spec, sort_keys=False))
    stale = subprocess.run(
        [
            str(ROOT / "generate.sh"),
            "--check",
            "--spec",
            str(changed),
            "--output",
            str(ROOT / "generated"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert stale.returncode == 1
    assert "faraday_api_client/models/webhook_endpoint_status.py" in stale.stderr
    assert "faraday_api_client/openapi.yaml" in stale.stderr
