"""Regenerating from a changed openapi.yaml leaves the hand-written overrides working unchanged."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import json, httpx, faraday_webhooks_api, faraday_webhooks as fw
    from faraday_webhooks_api.models import ErrorError
    assert faraday_webhooks_api.__file__.startswith(GENERATED), faraday_webhooks_api.__file__
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
    message = {"timestamp": "2026-08-11T06:00:03+00:00", "type": "billing.invoice_paid",
               "data": {"account_id": "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11",
                        "invoice_id": "0b0b4b43-35a4-4a9c-9d0c-4d5f7f3c8a11",
                        "plan": "team", "note": "paid"}}
    body = json.dumps(message).encode()
    secret = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0"
    event = fw.verify_webhook(body, fw.sign_webhook(body, secret), secret)
    assert type(event).__name__ == "BillingEvent", type(event)
    assert isinstance(event, fw.WebhookEvent) and not isinstance(event, fw.ResourceEvent)
    assert event.data.invoice_id == UUID("0b0b4b43-35a4-4a9c-9d0c-4d5f7f3c8a11")
    assert event.data.plan == "team" and event.data.note == "paid"
    assert event.data.amount is None
    resource = dict(message, type="resource.errored", data={
        "account_id": "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11",
        "resource_id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c", "resource_type": "cohorts"})
    body = json.dumps(resource).encode()
    assert isinstance(fw.verify_webhook(body, fw.sign_webhook(body, secret), secret),
                      fw.ResourceEvent)
    print("overrides survived regeneration")
    """
)


def add_billing_messages(schemas: dict[str, Any]) -> None:
    """A delivery kind Faraday might add: its own message and data schemas, and a type."""
    schemas["WebhookEventType"]["enum"].append("billing.invoice_paid")
    schemas["WebhookMessageForBilling"] = {
        "type": "object",
        "required": ["data", "timestamp", "type"],
        "properties": {
            "data": {"$ref": "#/components/schemas/WebhookMessageForBillingData"},
            "timestamp": {"type": "string", "format": "date-time"},
            "type": {"$ref": "#/components/schemas/WebhookEventType"},
        },
    }
    schemas["WebhookMessageForBillingData"] = {
        "type": "object",
        "required": ["account_id", "invoice_id", "plan", "note"],
        "properties": {
            "account_id": {"type": "string", "format": "uuid"},
            "invoice_id": {"type": "string", "format": "uuid"},
            "plan": {"type": "string", "enum": ["team", "enterprise"]},
            "note": {"type": "string"},
            "amount": {"type": "integer"},
        },
    }
    union = schemas["WebhookMessage"]
    union["oneOf"].append({"$ref": "#/components/schemas/WebhookMessageForBilling"})
    union["discriminator"]["mapping"]["billing.invoice_paid"] = (
        "#/components/schemas/WebhookMessageForBilling"
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
    add_billing_messages(schemas)
    # A required field with a default is declared after the other required ones in the
    # generated class (plan moves behind note).
    schemas["WebhookMessageForBillingData"]["properties"]["plan"]["default"] = "team"
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
    package = output / "faraday_webhooks_api"
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
    assert "faraday_webhooks_api/models/webhook_endpoint_status.py" in stale.stderr
    assert "faraday_webhooks_api/openapi.yaml" in stale.stderr


OPERATIONS_PROBE = textwrap.dedent(
    """
    import json, uuid, httpx, faraday_webhooks_api, faraday_webhooks as fw
    from faraday_webhooks_api.api.webhooks import rotate_webhook_endpoint_secret
    from faraday_webhooks_api.models import WebhookEndpointPost
    from faraday_webhooks.testing import Sandbox
    assert faraday_webhooks_api.__file__.startswith(GENERATED), faraday_webhooks_api.__file__

    ENDPOINT = {"created_at": "2024-09-26T14:27:05+00:00",
                "updated_at": "2024-09-26T14:27:05+00:00",
                "enabled_events": ["resource.errored"], "url": "https://example.com/h",
                "id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c", "status": "enabled",
                "secret": "whsec_bmV3c2VjcmV0"}
    ERROR = {"error": "NOT_FOUND", "id": "082f9513-901c-4308-8081-902a8fe22d7e", "note": "gone"}

    def client_for(*answers):
        sent = []
        replies = iter(answers)
        def answer(request):
            sent.append(request)
            return next(replies)
        policy = fw.RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)
        http = httpx.Client(transport=httpx.MockTransport(answer))
        return fw.Faraday(api_key="k", http_client=http, retry_policy=policy), sent

    # 1. A new operation: callable by name and by module, typed, errors mapped, no code added.
    client, sent = client_for(httpx.Response(200, json=ENDPOINT), httpx.Response(404, json=ERROR))
    rotated = client.call("rotateWebhookEndpointSecret", webhook_endpoint_id=ENDPOINT["id"])
    assert isinstance(rotated, fw.WebhookEndpoint) and rotated.secret == "whsec_bmV3c2VjcmV0"
    assert "bmV3c2VjcmV0" not in repr(rotated)
    assert sent[0].method == "POST"
    assert sent[0].url.path == f"/v1/webhook_endpoints/{ENDPOINT['id']}/rotate_secret"
    assert sent[0].headers["authorization"] == "Bearer k"
    try:
        client.call(rotate_webhook_endpoint_secret, webhook_endpoint_id=ENDPOINT["id"])
    except fw.NotFoundError as error:
        assert error.note == "gone"
    else:
        raise AssertionError("no NotFoundError")
    for bad in ({}, {"webhook_endpoint_id": "not-a-uuid"}, {"webhook_endpoint_id": 1, "x": 2}):
        try:
            client.call("rotateWebhookEndpointSecret", **bad)
        except fw.InvalidRequestError:
            pass
        else:
            raise AssertionError(f"no InvalidRequestError for {bad}")
    assert len(sent) == 2  # nothing was sent for the bad calls

    # 2. create declares Idempotency-Key: a 500 is retried, with the same key.
    EVENTS = ["resource.errored"]
    failed = httpx.Response(500, json=dict(ERROR, error="INTERNAL_SERVER_ERROR"))
    client, sent = client_for(failed, httpx.Response(201, json=ENDPOINT))
    created = client.webhooks.create(url="https://example.com/h", enabled_events=EVENTS)
    assert created.id == uuid.UUID(ENDPOINT["id"])
    keys = [request.headers["idempotency-key"] for request in sent]
    assert len(keys) == 2 and keys[0] == keys[1] and uuid.UUID(keys[0]).version == 4
    ok = httpx.Response(201, json=ENDPOINT)
    client, sent = client_for(ok, httpx.Response(201, json=ENDPOINT))
    client.webhooks.create(url="https://example.com/h", enabled_events=EVENTS)
    client.webhooks.create(url="https://example.com/h", enabled_events=EVENTS)
    assert sent[0].headers["idempotency-key"] != sent[1].headers["idempotency-key"]  # one per call

    # 3. Against the sandbox, which honours a declared key: same key and body, same answer;
    #    same key, other body: 409 CONFLICT -> ConflictError.
    with Sandbox(api_keys=["sk_probe"]) as sandbox:
        real = fw.Faraday(api_key="sk_probe", base_url=sandbox.base_url)
        body = WebhookEndpointPost(url="https://example.com/a", enabled_events=["resource.errored"])
        first = real.call("createWebhookEndpoint", body=body, idempotency_key="key-1")
        again = real.call("createWebhookEndpoint", body=body, idempotency_key="key-1")
        assert first.id == again.id and len(sandbox.endpoints) == 1
        other = WebhookEndpointPost(url="https://example.com/b", enabled_events=EVENTS)
        try:
            real.call("createWebhookEndpoint", body=other, idempotency_key="key-1")
        except fw.ConflictError as error:
            assert error.status_code == 409 and error.code == "CONFLICT"
        else:
            raise AssertionError("no ConflictError")
        assert len(sandbox.endpoints) == 1
    print("new operations and idempotency keys work unchanged")
    """
)


def add_rotate_secret_and_idempotency_key(spec: dict[str, Any]) -> None:
    """A new operation, and Faraday's Idempotency-Key header on create (with its 409)."""
    item = spec["paths"]["/webhook_endpoints/{webhook_endpoint_id}"]
    errors = {
        status: answer
        for status, answer in spec["paths"]["/webhook_endpoints"]["post"]["responses"].items()
        if status != "201"
    }
    spec["paths"]["/webhook_endpoints/{webhook_endpoint_id}/rotate_secret"] = {
        "parameters": item["parameters"],
        "post": {
            "operationId": "rotateWebhookEndpointSecret",
            "tags": ["webhooks"],
            "summary": "Rotate a webhook endpoint's signing secret",
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {
                    "description": "The endpoint with its new secret",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/WebhookEndpoint"}
                        }
                    },
                },
                **errors,
            },
        },
    }
    create = spec["paths"]["/webhook_endpoints"]["post"]
    create["parameters"] = [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "The same key and body again returns the first result.",
            "schema": {"type": "string"},
        }
    ]
    create["responses"]["409"] = {
        "description": "The key was used with another body.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


@pytest.mark.slow
def test_new_operations_and_idempotency_keys_work_with_the_overrides_unchanged(
    tmp_path: Path,
) -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    add_rotate_secret_and_idempotency_key(spec)
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
    package = output / "faraday_webhooks_api"
    assert (package / "api" / "webhooks" / "rotate_webhook_endpoint_secret.py").exists()
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(output), str(ROOT / "overrides")]),
    }
    probe = subprocess.run(
        [sys.executable, "-c", f"GENERATED = {str(package)!r}\n" + OPERATIONS_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "new operations and idempotency keys work unchanged"


# generator-templates/ holds copies of three of the generator's templates and one of its
# own (checks.jinja). These are the only lines allowed to differ from the pinned version's
# own templates: a generator upgrade that changes the originals fails here, so the copies
# are brought up to date instead of silently keeping the old generator's code.
COPIED_TEMPLATE_CHANGES = {
    "model.py.jinja": [
        '+ {% from "checks.jinja" import check %}',
        "+         {{ check(model, property) | indent(8) }}",
    ],
    "types.py.jinja": [
        "+ from types import NoneType",
        "- from typing import BinaryIO, Generic, TypeVar, Literal, IO",
        "+ from typing import BinaryIO, Generic, TypeVar, IO, TypeAlias",
        "+ # An optional field that was not sent is None (see generator-templates/types.py.jinja).",
        "+ Unset: TypeAlias = NoneType  # type: ignore[nonetype-type]",
        "-",
        "- class Unset:",
        "-     def __bool__(self) -> Literal[False]:",
        "-         return False",
        "-",
        "-",
        "- UNSET: Unset = Unset()",
        "+ UNSET: Unset = None",
    ],
}
# Copies that only add a block after the whole pinned original.
EXTENDED_TEMPLATES = {"models_init.py.jinja"}


def _body(text: str) -> str:
    """A copied template without the comment that heads it."""
    return text[text.index("#}\n") + 3 :]


def test_copied_generator_templates_differ_from_the_pinned_originals_only_as_intended() -> None:
    import openapi_python_client

    originals = Path(openapi_python_client.__file__).parent / "templates"
    ours = ROOT / "generator-templates"
    copies = {
        str(path.relative_to(ours))
        for path in ours.rglob("*.jinja")
        if (originals / path.relative_to(ours)).exists()
        and (originals / path.relative_to(ours)).read_text() != path.read_text()
        and not path.read_text().startswith("{# Replaces")
    }
    assert copies == set(COPIED_TEMPLATE_CHANGES) | EXTENDED_TEMPLATES
    for name in copies:
        text = (ours / name).read_text()
        assert text.startswith("{# The generator's"), f"{name}: its header says what changed"
    for name, expected in COPIED_TEMPLATE_CHANGES.items():
        changed = [
            line.rstrip()
            for line in difflib.ndiff(
                (originals / name).read_text().splitlines(),
                _body((ours / name).read_text()).splitlines(),
            )
            if line.startswith(("- ", "+ "))
        ]
        assert changed == expected, name
    for name in EXTENDED_TEMPLATES:
        original = (originals / name).read_text().splitlines()
        assert _body((ours / name).read_text()).splitlines()[: len(original)] == original, name
