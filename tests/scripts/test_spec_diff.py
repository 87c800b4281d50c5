"""make spec-diff: what Faraday's whole published document says differently from openapi.yaml.

The upstream documents are Faraday-shaped: many unrelated paths and shared components
(tests/fixtures/faraday-rest-of-api.yaml) around the webhook part, written the way
Faraday's generated client shows it (inline enums, an ErrorCode component, no
WebhookMessage union). The script's ``main`` runs in-process.
"""

from __future__ import annotations

import copy
import fnmatch
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import scripted_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
OURS = yaml.safe_load((ROOT / "openapi.yaml").read_text())
REST = yaml.safe_load((ROOT / "tests" / "fixtures" / "faraday-rest-of-api.yaml").read_text())
ENDPOINT = "/webhook_endpoints"
ITEM = "/webhook_endpoints/{webhook_endpoint_id}"

_spec = importlib.util.spec_from_file_location("spec_diff", ROOT / "scripts" / "spec_diff.py")
assert _spec is not None
assert _spec.loader is not None
spec_diff = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(spec_diff)


def faraday_document() -> dict[str, Any]:
    """Faraday's whole document as it would be published today: ours, inside everything else."""
    document: dict[str, Any] = copy.deepcopy(REST)
    ours = copy.deepcopy(OURS)
    document["paths"].update(ours["paths"])
    document["components"]["schemas"].update(ours["components"]["schemas"])
    document["components"]["responses"] = ours["components"]["responses"]
    document["components"]["securitySchemes"] = ours["components"]["securitySchemes"]
    return document


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"]
    return found


def run(
    document: dict[str, Any] | str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of spec-diff against ``document``."""
    if isinstance(document, str):
        source = document
    else:
        upstream = tmp_path / "api.json"
        upstream.write_text(json.dumps(document))
        source = str(upstream)
    status = spec_diff.main([source, *extra])
    out, err = capsys.readouterr()
    return status, out, err


def change_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("  ")]


def test_the_same_webhook_part_inside_a_bigger_document_is_no_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(faraday_document(), tmp_path, capsys)
    assert status == 0, out
    assert change_lines(out) == []


def test_changes_outside_the_webhook_part_are_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = faraday_document()
    del document["paths"]["/cohorts/{cohort_id}"]
    schemas(document)["Cohort"]["properties"]["size"] = {"type": "integer"}
    schemas(document)["ResourceStatus"]["enum"].append("archived")
    status, out, _ = run(document, tmp_path, capsys)
    assert status == 0, out
    assert "cohort" not in out.lower()


def written_as_faraday_writes_it() -> dict[str, Any]:
    """The same meaning as openapi.yaml, spelled otherwise: OpenAPI 3.0, nullable-free
    inline enums, an ErrorCode component, allOf, $ref'd parameters, a path item given
    as a $ref, other component names, and no WebhookMessage union."""
    document = faraday_document()
    document["openapi"] = "3.0.3"
    parts = schemas(document)
    del parts["WebhookMessage"]
    del parts["WebhookEndpointPost"]["properties"]["enabled_events"]["minItems"]
    parts["ErrorCode"] = parts["Error"]["properties"]["error"]
    parts["Error"]["properties"]["error"] = {"$ref": "#/components/schemas/ErrorCode"}
    status_enum = {"type": "string", "enum": ["enabled", "disabled"]}
    parts["WebhookEndpoint"]["properties"]["status"] = status_enum
    endpoint = parts.pop("WebhookEndpoint")
    required = endpoint.pop("required")
    parts["WebhookEndpointBase"] = {
        "type": "object",
        "properties": {name: endpoint["properties"].pop(name) for name in ("id", "url")},
    }
    parts["Endpoint"] = {
        "allOf": [
            {"$ref": "#/components/schemas/WebhookEndpointBase"},
            {**endpoint, "required": required},
        ]
    }
    text = json.dumps(document).replace(
        '"#/components/schemas/WebhookEndpoint"', '"#/components/schemas/Endpoint"'
    )
    document = dict(json.loads(text))
    item = document["paths"][ITEM]
    document["components"]["parameters"] = {"EndpointId": item.pop("parameters")[0]}
    item["parameters"] = [{"$ref": "#/components/parameters/EndpointId"}]
    document["components"]["pathItems"] = {"Endpoint": item}
    document["paths"][ITEM] = {"$ref": "#/components/pathItems/Endpoint"}
    return document


def test_a_document_equal_in_meaning_but_written_otherwise_is_no_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(written_as_faraday_writes_it(), tmp_path, capsys)
    assert status == 0, out
    # Only what openapi.yaml adds on purpose (openapi-ours.yaml), labelled as ours.
    lines = change_lines(out)
    assert lines, out
    assert all(line.split()[0] == "ours" for line in lines), lines
    assert any("schema WebhookMessage" in line for line in lines)
    assert any("minItems" in line for line in lines)


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


def _change_field_type(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpoint"]["properties"]["id"] = {"type": "integer"}


def _response_field_now_optional(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpoint"]["required"].remove("status")


def _request_field_now_required(document: dict[str, Any]) -> None:
    post = schemas(document)["WebhookEndpointPost"]
    post["properties"]["description"] = {"type": "string"}
    post["required"].append("description")


def _add_error_code_through_a_ref(document: dict[str, Any]) -> None:
    # Faraday's client writes the codes as an ErrorCode component; ours inline.
    parts = schemas(document)
    parts["ErrorCode"] = copy.deepcopy(parts["Error"]["properties"]["error"])
    parts["ErrorCode"]["enum"].append("USAGE_QUOTA_EXCEEDED")
    parts["Error"]["properties"]["error"] = {"$ref": "#/components/schemas/ErrorCode"}


def _remove_status_value(document: dict[str, Any]) -> None:
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


def _lower_ids_limit(document: dict[str, Any]) -> None:
    document["paths"][ENDPOINT]["get"]["parameters"][0]["schema"]["maxItems"] = 50


def _add_event_type(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEventType"]["enum"].append("billing.invoice_paid")


def _nullable_in_3_0(document: dict[str, Any]) -> None:
    document["openapi"] = "3.0.3"
    schemas(document)["WebhookEndpoint"]["properties"]["url"]["nullable"] = True


def _null_type_in_3_1(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpoint"]["properties"]["url"]["type"] = ["string", "null"]


def _add_pattern(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpointPost"]["properties"]["url"]["pattern"] = "^https://"


def _drop_read_only(document: dict[str, Any]) -> None:
    del schemas(document)["WebhookEndpoint"]["properties"]["secret"]["readOnly"]


def _forbid_additional_properties(document: dict[str, Any]) -> None:
    schemas(document)["WebhookEndpointPost"]["additionalProperties"] = False


def _request_body_optional(document: dict[str, Any]) -> None:
    document["paths"][ITEM]["patch"]["requestBody"]["required"] = False


def _ids_comma_separated(document: dict[str, Any]) -> None:
    document["paths"][ENDPOINT]["get"]["parameters"][0]["explode"] = False


def _add_response_header(document: dict[str, Any]) -> None:
    answer = document["paths"][ENDPOINT]["post"]["responses"]["201"]
    answer["headers"] = {"Location": {"schema": {"type": "string"}}}


def _deprecate_delete(document: dict[str, Any]) -> None:
    document["paths"][ITEM]["delete"]["deprecated"] = True


def _api_key_instead_of_bearer(document: dict[str, Any]) -> None:
    document["components"]["securitySchemes"]["bearerAuth"] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }


def _rename_path_parameter(document: dict[str, Any]) -> None:
    item = document["paths"].pop(ITEM)
    item["parameters"][0]["name"] = "id"
    document["paths"][ITEM.replace("{webhook_endpoint_id}", "{id}")] = item


CHANGES: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (_add_rotate_secret, "additive", "operation rotateWebhookEndpointSecret new upstream"),
    (_remove_delete, "breaking", "operation deleteWebhookEndpoint removed upstream"),
    (_add_response_field, "additive", ".description: field new upstream"),
    (_remove_response_field, "breaking", ".secret: field removed upstream"),
    (_change_field_type, "breaking", ".id: type was string (uuid), upstream integer"),
    (_response_field_now_optional, "breaking", ".status: now optional upstream"),
    (_request_field_now_required, "breaking", ".description: field new upstream (required)"),
    (_add_error_code_through_a_ref, "breaking", "enum value 'USAGE_QUOTA_EXCEEDED' new upstream"),
    # Upstream no longer takes it in a request (breaking); no longer sending it is additive.
    (_remove_status_value, "breaking", "merge-patch+json.status: enum value 'disabled' removed"),
    (_add_idempotency_key, "additive", "parameter header Idempotency-Key: new upstream"),
    (_add_status, "additive", "POST /webhook_endpoints response 409: new upstream"),
    (_remove_status, "breaking", "GET /webhook_endpoints response 404: no longer documented"),
    (_lower_ids_limit, "breaking", "maxItems was 100, upstream 50"),
    (_add_event_type, "breaking", "enum value 'billing.invoice_paid' new upstream"),
    (_nullable_in_3_0, "breaking", ".url: null allowed upstream"),
    (_null_type_in_3_1, "breaking", ".url: null allowed upstream"),
    (_add_pattern, "breaking", ".url: pattern was None, upstream ^https://"),
    (_drop_read_only, "additive", ".secret: readOnly dropped upstream"),
    (_forbid_additional_properties, "breaking", "additionalProperties was true, upstream false"),
    (_request_body_optional, "additive", "PATCH /webhook_endpoints/{} request body: now optional"),
    (_ids_comma_separated, "breaking", "parameter query ids: explode was True, upstream False"),
    (_add_response_header, "additive", "response 201 header location: new upstream"),
    (_deprecate_delete, "additive", "DELETE /webhook_endpoints/{}: deprecated set upstream"),
    (_api_key_instead_of_bearer, "breaking", "security changed upstream"),
    (_rename_path_parameter, "additive", "parameter path #0: renamed webhook_endpoint_id -> id"),
]


@pytest.mark.parametrize(
    ("change", "kind", "text"),
    CHANGES,
    ids=[change.__name__.strip("_") for change, _, _ in CHANGES],
)
def test_each_kind_of_change_is_reported_once_and_classed(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None],
    kind: str,
    text: str,
) -> None:
    document = faraday_document()
    change(document)
    status, out, _ = run(document, tmp_path, capsys)
    assert status == 1, out
    matching = [line for line in change_lines(out) if text in line]
    assert matching, out
    assert all(line.split()[0] == kind for line in matching), matching
    # Once, at its most specific path: no line repeats another's change.
    whats = [line.split(": ", 1)[1] for line in change_lines(out) if "description" not in line]
    assert len(whats) == len(set(zip(whats, change_lines(out), strict=False))), out
    assert "update it, or pass --allow" in out
    assert run(document, tmp_path, capsys, "--allow")[0] == 0


def test_a_model_shared_by_many_answers_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = faraday_document()
    _add_response_field(document)  # WebhookEndpoint answers four operations
    status, out, _ = run(document, tmp_path, capsys)
    assert status == 1
    assert len([line for line in change_lines(out) if "description" in line]) == 1, out


def test_an_array_difference_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = faraday_document()
    schemas(document)["WebhookEndpoint"]["properties"]["enabled_events"]["items"] = {
        "type": "integer"
    }
    status, out, _ = run(document, tmp_path, capsys)
    assert status == 1
    lines = [line for line in change_lines(out) if "enabled_events" in line]
    assert len(lines) == 1, out
    assert "enabled_events[]: type was string, upstream integer" in lines[0]


def test_a_ref_and_an_inline_schema_with_the_same_content_are_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = faraday_document()
    parts = schemas(document)
    parts["WebhookEndpoint"]["properties"]["status"] = copy.deepcopy(parts["WebhookEndpointStatus"])
    status, out, _ = run(document, tmp_path, capsys)
    assert status == 0, out


def test_descriptions_differ_only_where_both_have_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = faraday_document()
    document["paths"][ENDPOINT]["post"]["description"] = "Register a new webhook endpoint"
    for operation in document["paths"][ITEM].values():
        if isinstance(operation, dict):
            operation.pop("description", None)  # ours has wording upstream lacks: not drift
    status, out, _ = run(document, tmp_path, capsys)
    assert status == 0, out
    (line,) = change_lines(out)
    assert line.split()[0] == "description"
    assert "POST /webhook_endpoints" in line
    assert "Register a new webhook endpoint" in line


def test_json_output_names_path_class_side_and_both_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = faraday_document()
    _lower_ids_limit(document)
    status, out, _ = run(document, tmp_path, capsys, "--format", "json")
    assert status == 1
    (change,) = json.loads(out)
    assert change == {
        "path": "GET /webhook_endpoints parameter query ids",
        "change": "maxItems was 100, upstream 50",
        "class": "breaking",
        "side": "request",
        "ours": 100,
        "upstream": 50,
    }


def test_upstream_can_be_a_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = faraday_document()
    _add_response_field(document)
    with scripted_server(200, json.dumps(document).encode()) as url:
        status, out, _ = run(url + "/api.json", tmp_path, capsys)
    assert status == 1
    assert ".description: field new upstream" in out


def _paths_extension(document: dict[str, Any]) -> None:
    document["paths"]["x-generated-by"] = "a string, not a path item"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("missing", "cannot read"),
        ({"swagger": "2.0", "paths": {}}, "Swagger 2.0"),
        ({"info": {}}, "not OpenAPI 3.x"),
        ("dangling", "dangling $ref"),
        ([1, 2], "not an OpenAPI document"),
    ],
)
def test_an_unreadable_upstream_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: Any, message: str
) -> None:
    if document == "missing":
        document = str(tmp_path / "missing.json")
    elif document == "dangling":
        document = faraday_document()
        document["paths"][ENDPOINT]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ] = {"$ref": "#/components/schemas/Nowhere"}
    elif isinstance(document, list):
        (tmp_path / "list.json").write_text(json.dumps(document))
        document = str(tmp_path / "list.json")
    status, _, err = run(document, tmp_path, capsys)
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_paths_extension_that_is_not_an_object_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = faraday_document()
    _paths_extension(document)
    status, out, _ = run(document, tmp_path, capsys)
    assert status == 0, out


# -- hostile documents: a report, or one line and exit 2, within 10 s and 256 MiB (#34) ----

MIB = 1024 * 1024


def _bounded_run(*argv: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    """A script in a fresh interpreter limited to 256 MiB of address space beyond its start,
    killed at ``timeout`` seconds (the test fails then: it hung)."""

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (768 * MIB, 768 * MIB))  # interpreter + 256 MiB

    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=limit,
        cwd=ROOT,
    )


def _billion_laughs() -> str:
    lines = ['openapi: "3.1.0"', 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 12)]
    return "\n".join([*lines, "paths: {/webhook_endpoints: {get: {tags: [webhooks], x: *a11}}}"])


def _ref_bomb() -> dict[str, Any]:
    # Each schema refers to the next twice: 2^30 paths to walk, in 31 small schemas.
    schemas: dict[str, Any] = {
        f"s{n}": {"anyOf": [{"$ref": f"#/components/schemas/s{n + 1}"}] * 2} for n in range(30)
    }
    schemas["s30"] = {"type": "string"}
    document = faraday_document()
    document["components"]["schemas"].update(schemas)
    body = document["paths"][ENDPOINT]["post"]["requestBody"]["content"]["application/json"]
    body["schema"] = {"$ref": "#/components/schemas/s0"}
    return document


def _deep(depth: int) -> str:
    return '{"openapi": "3.1.0", "paths": ' + "[" * depth + "]" * depth + "}"


HOSTILE = {
    "billion laughs (YAML aliases)": lambda path: path.write_text(_billion_laughs()),
    "a $ref chain that expands 2^30 times": lambda path: path.write_text(json.dumps(_ref_bomb())),
    "nesting 100,000 deep": lambda path: path.write_text(_deep(100_000)),
    "a YAML syntax error": lambda path: path.write_text("openapi: 3.1.0\npaths: {a: [\n  - b: c\n"),
    "a wrongly typed operation": lambda path: path.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "paths": {"/webhook_endpoints": {"get": {"parameters": 5, "tags": ["webhooks"]}}},
            }
        )
    ),
    "responses that are a list": lambda path: path.write_text(
        json.dumps(
            {"openapi": "3.1.0", "paths": {"/webhook_endpoints": {"post": {"responses": [1]}}}}
        )
    ),
    "5 MiB of spaces": lambda path: path.write_bytes(b" " * (5 * MIB)),
    "invalid UTF-8": lambda path: path.write_bytes(b"openapi: \xff\xfe"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_document_ends_in_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    path = tmp_path / "upstream.yaml"
    HOSTILE[name](path)
    result = _bounded_run("scripts/spec_diff.py", str(path))
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr[-500:])
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]
    assert result.stderr.startswith("spec-diff: ")


@pytest.mark.parametrize("source", ["/dev/zero", "http://[::1", "http://127.0.0.1:1/api.json"])
def test_an_endless_or_unreachable_source_ends_in_one_line_and_exit_2(source: str) -> None:
    result = _bounded_run("scripts/spec_diff.py", source)
    assert result.returncode == 2, result.stderr[-500:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "properties",
                    "$ref",
                    "items",
                    "required",
                    "enum",
                    "allOf",
                    "anyOf",
                    "get",
                    "post",
                    "paths",
                    "responses",
                    "content",
                    "schema",
                    "parameters",
                    "tags",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=30,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=json_values, as_yaml=st.booleans())
def test_any_document_gives_a_report_or_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: Any, as_yaml: bool
) -> None:
    # Whatever shape the JSON or YAML has, spread over the places spec-diff reads.
    upstream = {
        "openapi": "3.1.0",
        "paths": {"/webhook_endpoints": {"post": document}},
        "components": {"schemas": {"WebhookMessage": document}},
    }
    path = tmp_path / ("api.yaml" if as_yaml else "api.json")
    path.write_text(yaml.safe_dump(upstream) if as_yaml else json.dumps(upstream))
    status = spec_diff.main([str(path)])
    out, err = capsys.readouterr()
    assert status in (0, 1, 2)
    if status == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert out == ""
    else:
        assert "Traceback" not in out + err


# -- against a rebuild of Faraday's own client: only what openapi-ours.yaml lists ------

FARADAY_JS = ROOT / "tests" / "fixtures" / "faraday-js-webhooks.yaml"


def test_against_faraday_js_only_the_differences_openapi_ours_lists_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(str(FARADAY_JS), tmp_path, capsys)
    assert status == 0, out
    lines = change_lines(out)
    assert lines, out  # there are differences, and each is one of ours
    assert all(line.split()[0] == "ours" for line in lines), out
    # Every entry of openapi-ours.yaml is used: none is stale, none hides nothing.
    listed = yaml.safe_load((ROOT / "openapi-ours.yaml").read_text())["ours"]
    reported = [line.split(maxsplit=1)[1] for line in lines]
    for entry in listed:
        assert any(fnmatch.fnmatchcase(line, entry["change"]) for line in reported), entry
    # A difference not listed is still drift: the fixture is upstream, not a copy of ours.
    changed = yaml.safe_load(FARADAY_JS.read_text())
    changed["components"]["schemas"]["WebhookEndpoint"]["required"].remove("url")
    status, out, _ = run(changed, tmp_path, capsys)
    assert status == 1
    assert (
        "breaking    GET /webhook_endpoints response 200 application/json[].url: now optional"
        in out
    )


def test_the_secret_is_described_as_faraday_describes_it() -> None:
    upstream = yaml.safe_load(FARADAY_JS.read_text())["components"]["schemas"]
    ours = OURS["components"]["schemas"]
    secret = "WebhookEndpoint", "properties", "secret", "description"
    assert (
        " ".join(ours[secret[0]][secret[1]][secret[2]][secret[3]].split())
        == (upstream[secret[0]][secret[1]][secret[2]][secret[3]])
    )
    # spec-diff compares meaning, so these spellings report nothing: they are listed
    # apart, and the fixture really has them.
    assert "WebhookEndpointPut" in upstream
    assert "ErrorCode" in upstream
    assert "WebhookEndpointStatus" not in upstream
    spelled = yaml.safe_load((ROOT / "openapi-ours.yaml").read_text())["spelling"]
    assert len(spelled) == 4
