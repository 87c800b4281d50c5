"""openapi.yaml is a valid OpenAPI 3.1 document, faithful to the seed page."""

from __future__ import annotations

import inspect
import re
import uuid
from pathlib import Path
from typing import Any

import attrs
import yaml
from faraday_webhooks.errors import ERROR_CLASSES
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text())


def test_document_validates_as_openapi_3_1() -> None:
    validate(SPEC)
    assert SPEC["openapi"].startswith("3.1")


def test_create_operation_matches_the_seed() -> None:
    create = SPEC["paths"]["/webhook_endpoints"]["post"]
    assert SPEC["servers"] == [{"url": "https://api.faraday.ai/v1"}]
    assert create["operationId"] == "createWebhookEndpoint"
    assert create["tags"] == ["webhooks"]
    assert create["summary"] == "Create webhook endpoint"
    assert create["description"] == "Add a new webhook endpoint"
    assert create["security"] == [{"bearerAuth": []}]
    assert SPEC["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": SPEC["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert sorted(create["responses"]) == ["201", "400", "401", "403", "404", "500"]


def test_schemas_match_the_seed_field_by_field() -> None:
    schemas = SPEC["components"]["schemas"]
    post = schemas["WebhookEndpointPost"]
    assert sorted(post["required"]) == ["enabled_events", "url"]
    assert post["properties"]["url"]["format"] == "uri"
    # The seed's items are strings; Faraday's client names them WebhookEventType. Both:
    # the known kinds typed, any string still taken (for a kind added later).
    assert post["properties"]["enabled_events"]["items"] == {
        "anyOf": [{"$ref": "#/components/schemas/WebhookEventType"}, {"type": "string"}]
    }
    assert schemas["WebhookEventType"]["type"] == "string"

    endpoint = schemas["WebhookEndpoint"]
    assert sorted(endpoint["required"]) == sorted(
        ["created_at", "enabled_events", "id", "status", "updated_at", "url"]
    )
    assert endpoint["properties"]["id"]["format"] == "uuid"
    assert endpoint["properties"]["created_at"]["format"] == "date-time"
    assert "secret" in endpoint["properties"]
    assert "secret" not in endpoint["required"]
    assert schemas["WebhookEndpointStatus"]["enum"] == ["enabled", "disabled"]

    error = schemas["Error"]
    assert sorted(error["required"]) == ["error", "id", "note"]
    assert len(error["properties"]["error"]["enum"]) == 11
    validation = schemas["ValidationError"]
    assert sorted(validation["required"]) == ["context", "message", "path"]
    assert validation["properties"]["context"]["required"] == ["errorType"]
    assert "suggestion" in validation["properties"]


def test_every_operation_documents_the_error_statuses_the_client_maps() -> None:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            documented = {int(status) for status in operation["responses"] if int(status) >= 400}
            assert documented == {400, 401, 403, 404, 500}, (method, path)


def test_every_spec_error_code_has_its_own_exception_class() -> None:
    assert set(SPEC["components"]["schemas"]["Error"]["properties"]["error"]["enum"]) == set(
        ERROR_CLASSES
    )


def test_bundled_copy_of_the_spec_is_identical() -> None:
    bundled = ROOT / "generated" / "faraday_webhooks_api" / "openapi.yaml"
    assert bundled.read_bytes() == (ROOT / "openapi.yaml").read_bytes()


def test_every_operation_of_the_document_is_callable_by_its_operation_id() -> None:
    # client.call("operationId") finds the generated module by name; the models package
    # holds the event tables generate.sh wrote from the WebhookMessage mapping.
    from faraday_webhooks._base_client import operation_module
    from faraday_webhooks_api.models import EVENT_MESSAGE_MODELS

    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            module = operation_module(operation["operationId"])
            template = inspect.signature(module._get_kwargs).parameters
            kwargs = module._get_kwargs(
                **{
                    name: uuid.uuid4() if name.endswith("_id") else None
                    for name, parameter in template.items()
                    if parameter.default is inspect.Parameter.empty and name != "body"
                },
                **({"body": _any_body(template["body"].annotation)} if "body" in template else {}),
            )
            assert kwargs["method"] == method, operation["operationId"]
            assert re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), kwargs["url"])
    mapping = SPEC["components"]["schemas"]["WebhookMessage"]["discriminator"]["mapping"]
    assert {kind: model.__name__ for kind, model in EVENT_MESSAGE_MODELS.items()} == {
        kind: reference.rsplit("/", 1)[1] for kind, reference in mapping.items()
    }


def _any_body(model: Any) -> Any:
    fields: dict[str, Any] = {
        field.name: [] if str(field.type).startswith("list[") else None
        for field in attrs.fields(model)
        if field.name != "additional_properties"
    }
    return model(**fields)


def test_no_module_outside_the_sandbox_reads_the_document_at_run_time() -> None:
    package = ROOT / "overrides" / "faraday_webhooks"
    for path in package.rglob("*.py"):
        if "testing" in path.relative_to(package).parts:
            continue
        text = path.read_text()
        assert "importlib.resources" not in text, path
        assert "openapi.json" not in text, path


def _schemas_anywhere(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in _schemas_anywhere(item)]
    if not isinstance(node, dict):
        return []
    return [node] + [found for value in node.values() for found in _schemas_anywhere(value)]


def test_no_field_is_nullable_so_absent_and_none_mean_the_same() -> None:
    # generator-templates/types.py.jinja makes an absent optional field None; a
    # nullable field would make "sent as null" and "not sent" indistinguishable.
    for schema in _schemas_anywhere(SPEC):
        kinds = schema.get("type")
        assert kinds != "null"
        assert not (isinstance(kinds, list) and "null" in kinds), schema
        assert schema.get("nullable") is not True, schema


def test_delivery_messages_follow_faradays_models() -> None:
    schemas = SPEC["components"]["schemas"]
    # Faraday's master, and its client's `project` branch (openapi-ours.yaml lists these).
    assert schemas["WebhookEventType"]["enum"] == [
        "resource.errored",
        "resource.ready_with_update",
        "enrichment_job.succeeded",
        "enrichment_job.failed",
        "enrichment_job.skipped",
    ]
    assert len(schemas["ResourceType"]["enum"]) == 19
    mapping = schemas["WebhookMessage"]["discriminator"]["mapping"]
    assert set(mapping) == set(schemas["WebhookEventType"]["enum"])
    message = schemas["WebhookMessageForResource"]
    assert sorted(message["required"]) == ["data", "timestamp", "type"]
    data = schemas["WebhookMessageForResourceData"]
    assert sorted(data["required"]) == ["account_id", "resource_id", "resource_type"]
    ids = SPEC["paths"]["/webhook_endpoints"]["get"]["parameters"][0]["schema"]
    assert ids["maxItems"] == 100
    assert schemas["WebhookEndpoint"]["properties"]["secret"]["readOnly"] is True
