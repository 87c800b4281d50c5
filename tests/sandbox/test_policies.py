"""Each row of docs/sandbox.md's policy table, over HTTP: what Faraday documents, and
where the sandbox chooses. A row added to the table without a case here fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from faraday_webhooks.testing import Sandbox
from faraday_webhooks.testing.faults import FAULT_HEADER
from faraday_webhooks.testing.sandbox import DEFAULT_API_KEY
from helpers import API_KEY, EVENT, EXPIRED_KEY

HOOK = "https://example.com/hooks"
BODY = {"url": HOOK, "enabled_events": [EVENT]}
TABLE = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"


def answer(response: httpx.Response) -> tuple[int, str | None]:
    body = response.json() if response.content else {}
    return response.status_code, body.get("error") if isinstance(body, dict) else None


def _missing_key(api: httpx.Client, sandbox: Sandbox) -> None:
    sent = httpx.post(f"{sandbox.base_url}/webhook_endpoints", json=BODY)
    assert answer(sent) == (401, "MISSING_API_KEY")


def _not_bearer(api: httpx.Client, sandbox: Sandbox) -> None:
    sent = api.post("/webhook_endpoints", json=BODY, headers={"Authorization": "Basic x"})
    assert answer(sent) == (401, "INVALID_AUTHORIZATION")


def _unknown_key(api: httpx.Client, sandbox: Sandbox) -> None:
    sent = api.post("/webhook_endpoints", json=BODY, headers={"Authorization": "Bearer sk_x"})
    assert answer(sent) == (401, "MALFORMED_API_KEY")


def _expired_key(api: httpx.Client, sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {EXPIRED_KEY}"}
    assert answer(api.post("/webhook_endpoints", json=BODY, headers=headers)) == (
        401,
        "EXPIRED_API_KEY",
    )


def _same_url(api: httpx.Client, sandbox: Sandbox) -> None:
    assert [api.post("/webhook_endpoints", json=BODY).status_code for _ in range(2)] == [201, 201]
    with Sandbox(api_keys=[API_KEY], reject_duplicate_urls=True) as strict:
        url = f"{strict.base_url}/webhook_endpoints"
        headers = {"Authorization": f"Bearer {API_KEY}"}
        first, second = (httpx.post(url, json=BODY, headers=headers) for _ in range(2))
        assert (first.status_code, answer(second)) == (201, (400, "CONFLICT"))


def _put(api: httpx.Client, sandbox: Sandbox) -> None:
    endpoint_id = api.post("/webhook_endpoints", json=BODY).json()["id"]
    sent = api.put(f"/webhook_endpoints/{endpoint_id}", json=BODY)
    assert answer(sent) == (405, "BAD_REQUEST")
    assert "allowed: DELETE, GET, PATCH" in sent.json()["note"]


def _patch_content_type(api: httpx.Client, sandbox: Sandbox) -> None:
    endpoint_id = api.post("/webhook_endpoints", json=BODY).json()["id"]
    path = f"/webhook_endpoints/{endpoint_id}"
    for accepted in ("application/merge-patch+json", "application/json+merge-patch"):
        sent = api.patch(
            path, content=b'{"status": "disabled"}', headers={"Content-Type": accepted}
        )
        assert sent.status_code == 200, (accepted, sent.text)
    assert answer(api.patch(path, json={"status": "disabled"})) == (400, "BAD_REQUEST")


def _unknown_event_type(api: httpx.Client, sandbox: Sandbox) -> None:
    typo = {"url": HOOK, "enabled_events": [EVENT, "resource.erored"]}
    refused = api.post("/webhook_endpoints", json=typo)
    assert answer(refused) == (400, "VALIDATION_FAILED")
    (problem,) = refused.json()["validationErrors"]
    assert problem["path"] == "body/enabled_events/1"
    assert problem["context"] == {"errorType": "enum"}
    assert "'resource.erored' is not one of" in problem["message"]
    endpoint_id = api.post("/webhook_endpoints", json=BODY).json()["id"]
    patch = api.patch(
        f"/webhook_endpoints/{endpoint_id}",
        json={"enabled_events": ["resource.bogus"]},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert answer(patch) == (400, "VALIDATION_FAILED")
    assert [e.enabled_events for e in sandbox.endpoints] == [[EVENT]]
    # A kind Faraday has just added is subscribed once the sandbox is told of it.
    with (
        Sandbox(event_types=["project.ready"]) as newer,
        httpx.Client(
            base_url=newer.base_url, headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        ) as newer_api,
    ):
        added = newer_api.post(
            "/webhook_endpoints", json={"url": HOOK, "enabled_events": ["project.ready"]}
        )
        assert added.status_code == 201, added.text


def _patch_empty_events(api: httpx.Client, sandbox: Sandbox) -> None:
    endpoint_id = api.post("/webhook_endpoints", json=BODY).json()["id"]
    sent = api.patch(
        f"/webhook_endpoints/{endpoint_id}",
        content=b'{"enabled_events": []}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert answer(sent) == (400, "VALIDATION_FAILED")
    assert api.get(f"/webhook_endpoints/{endpoint_id}").json()["enabled_events"] == [EVENT]


def _read_only_fields(api: httpx.Client, sandbox: Sandbox) -> None:
    forged = {"id": "00000000-0000-0000-0000-000000000000", "created_at": "2000-01-01T00:00:00Z"}
    sent = api.post("/webhook_endpoints", json={**BODY, **forged, "secret": "whsec_forged"})
    assert sent.status_code == 201
    made = sent.json()
    assert (made["id"], made["created_at"]) != (forged["id"], forged["created_at"])
    assert made["secret"] != "whsec_forged"


def _unknown_fields(api: httpx.Client, sandbox: Sandbox) -> None:
    sent = api.post("/webhook_endpoints", json={**BODY, "colour": "blue"})
    assert sent.status_code == 201
    assert "colour" not in sent.json()


def _delivery_success(api: httpx.Client, sandbox: Sandbox) -> None:
    assert sandbox.delivery_timeout == 15.0


def _delivery_retries(api: httpx.Client, sandbox: Sandbox) -> None:
    from faraday_webhooks.testing.sandbox import SVIX_RETRY_SCHEDULE

    hours = 3600.0
    assert tuple(SVIX_RETRY_SCHEDULE) == (
        5.0,
        300.0,
        1800.0,
        2 * hours,
        5 * hours,
        10 * hours,
        10 * hours,
    )


def _faults(api: httpx.Client, sandbox: Sandbox) -> None:
    statuses = [
        api.post("/webhook_endpoints", json=BODY, headers={FAULT_HEADER: "500,ok"}).status_code
        for _ in range(4)
    ]
    assert statuses == [500, 201, 500, 201]


POLICIES: dict[str, Callable[[httpx.Client, Sandbox], None]] = {
    "missing key": _missing_key,
    "`Authorization` not `Bearer <key>`": _not_bearer,
    "an unknown, well-formed key": _unknown_key,
    "an expired key": _expired_key,
    "a second endpoint with the same `url`": _same_url,
    "`PUT` on an endpoint": _put,
    "`PATCH` content type": _patch_content_type,
    "an unknown event type in `enabled_events`": _unknown_event_type,
    "`PATCH` with `enabled_events: []`": _patch_empty_events,
    "read-only fields (`id`, `secret`, `created_at`) in a request": _read_only_fields,
    "unknown fields in a request": _unknown_fields,
    "delivery success": _delivery_success,
    "delivery retries": _delivery_retries,
    "faults (`X-Sandbox-Fail`)": _faults,
}


def table_rows() -> list[str]:
    text = TABLE.read_text().split("## Which behaviours are Faraday's", 1)[1].split("\n## ")[0]
    return [
        match.group(1).strip()
        for match in re.finditer(r"^\| ([^|]+?) \|", text, re.MULTILINE)
        if match.group(1).strip() not in ("policy", "---")
    ]


def test_the_table_and_these_cases_name_the_same_policies() -> None:
    assert table_rows() == list(POLICIES)


@pytest.mark.parametrize("policy", list(POLICIES))
def test_the_sandbox_does_what_the_table_says(policy: str) -> None:
    with (
        Sandbox(api_keys=[API_KEY], expired_api_keys=[EXPIRED_KEY]) as sandbox,
        httpx.Client(
            base_url=sandbox.base_url, headers={"Authorization": f"Bearer {API_KEY}"}
        ) as api,
    ):
        POLICIES[policy](api, sandbox)
