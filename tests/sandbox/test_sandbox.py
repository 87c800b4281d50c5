"""The client against the sandbox over real sockets: auth, validation, limits, lifecycle, faults."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks.testing import Sandbox, WebhookReceiver
from faraday_webhooks_api.models import WebhookEndpointPost
from helpers import API_KEY, EVENT, EXPIRED_KEY, FAST_RETRIES
from spec_check import assert_matches_spec

HOOK = "https://example.com/hooks"


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A plain httpx client whose every response is checked against openapi.yaml."""

    def check(response: httpx.Response) -> None:
        response.read()
        if response.request.url.path.startswith("/v1/"):
            assert_matches_spec(response)

    with httpx.Client(
        base_url=sandbox.base_url,
        headers={"Authorization": f"Bearer {API_KEY}"},
        event_hooks={"response": [check]},
        timeout=10,
    ) as client:
        yield client


def post(raw: httpx.Client, body: Any, **headers: str) -> httpx.Response:
    return raw.post(
        "/webhook_endpoints",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
    )


# -- auth ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code", "exception"),
    [
        (None, "MISSING_API_KEY", fw.MissingAPIKeyError),
        # As Faraday's ErrorCode documentation defines them: a header that cannot be
        # parsed, a key that cannot be (or is not one of the sandbox's), an expired key.
        ("Token abc", "INVALID_AUTHORIZATION", fw.InvalidAuthorizationError),
        ("Basic x", "INVALID_AUTHORIZATION", fw.InvalidAuthorizationError),
        ("Bearer", "INVALID_AUTHORIZATION", fw.InvalidAuthorizationError),
        ("Bearer a!", "MALFORMED_API_KEY", fw.MalformedAPIKeyError),
        (f"Bearer {EXPIRED_KEY}", "EXPIRED_API_KEY", fw.ExpiredAPIKeyError),
        ("Bearer sk_someone_else", "MALFORMED_API_KEY", fw.MalformedAPIKeyError),
    ],
)
def test_auth_failures_over_http(
    sandbox: Sandbox,
    raw: httpx.Client,
    authorization: str | None,
    code: str,
    exception: type[fw.APIError],
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    raw.headers.pop("Authorization")
    response = post(raw, {"url": HOOK, "enabled_events": [EVENT]}, **headers)
    assert (response.status_code, response.json()["error"]) == (401, code)
    if authorization and authorization.startswith("Bearer "):
        key = authorization.removeprefix("Bearer ")
        with fw.Faraday(api_key=key, base_url=sandbox.base_url) as client, pytest.raises(exception):
            client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    assert sandbox.endpoints == []


def test_a_valid_key_creates_an_endpoint_with_a_real_signing_secret(
    client: fw.Faraday, sandbox: Sandbox
) -> None:
    endpoint = client.webhooks.create(url=HOOK, enabled_events=[EVENT, "resource.errored"])
    assert endpoint.status is fw.WebhookEndpointStatus.ENABLED
    assert endpoint.enabled_events == [EVENT, "resource.errored"]
    assert endpoint.created_at == endpoint.updated_at
    assert endpoint.created_at.tzinfo is not None
    assert isinstance(endpoint.secret, str)
    assert endpoint.secret.startswith("whsec_")
    import base64

    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"), validate=True)) >= 24
    assert [e.id for e in sandbox.endpoints] == [endpoint.id]


@pytest.mark.parametrize("asynchronous", [False, True])
def test_the_clients_own_connection_pool_sends_the_configured_headers(
    sandbox: Sandbox, asynchronous: bool
) -> None:
    # Without http_client=, the client's own pool carries the key, User-Agent and
    # default headers.
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": sandbox.base_url,
        "default_headers": {"X-Team": "billing"},
    }
    if asynchronous:

        async def run() -> None:
            async with fw.AsyncFaraday(**options) as client:
                await client.webhooks.create(url=HOOK, enabled_events=[EVENT])
                await client.webhooks.list(extra_headers={"Authorization": "Bearer wrong"})

        with pytest.raises(fw.AuthenticationError):
            asyncio.run(run())
    else:
        with fw.Faraday(**options) as client:
            client.webhooks.create(url=HOOK, enabled_events=[EVENT])
            # Per-call extra_headers may replace it (as in openai-python): the server says no.
            with pytest.raises(fw.AuthenticationError):
                client.webhooks.list(extra_headers={"Authorization": "Bearer wrong"})
    assert [request.status for request in sandbox.requests] == [201, 401]
    user_agent = sandbox.requests[0].user_agent or ""
    assert user_agent.startswith(f"faraday-webhooks/{fw.__version__} python/")


# -- validation ----------------------------------------------------------------

INVALID_BODIES = [
    ("missing url", {"enabled_events": [EVENT]}, [("body", "required")]),
    ("missing events", {"url": HOOK}, [("body", "required")]),
    ("url not a uri", {"url": "not a url", "enabled_events": [EVENT]}, [("body/url", "format")]),
    ("url a number", {"url": 7, "enabled_events": [EVENT]}, [("body/url", "type")]),
    ("events a string", {"url": HOOK, "enabled_events": EVENT}, [("body/enabled_events", "type")]),
    (
        "event not a string",
        {"url": HOOK, "enabled_events": [EVENT, 3]},
        [("body/enabled_events/1", "anyOf")],  # a WebhookEventType or a string
    ),
    (
        "two problems",
        {"url": 1, "enabled_events": "x"},
        [("body/enabled_events", "type"), ("body/url", "type")],
    ),
    ("body an array", [HOOK], [("body", "type")]),
]


@pytest.mark.parametrize(
    ("name", "body", "expected"), INVALID_BODIES, ids=[c[0] for c in INVALID_BODIES]
)
def test_schema_violations_are_validation_failed_with_one_item_per_problem(
    raw: httpx.Client, sandbox: Sandbox, name: str, body: Any, expected: list[tuple[str, str]]
) -> None:
    response = post(raw, body)
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "VALIDATION_FAILED"
    found = sorted(
        (item["path"], item["context"]["errorType"]) for item in error["validationErrors"]
    )
    assert found == sorted(expected)
    assert all(item["message"] for item in error["validationErrors"])
    assert sandbox.endpoints == []


MALFORMED_FAULTS = [
    "teapot",
    "999",
    "503:date+soon",
    "empty:abc",
    "bad-json:7",
    "timeout:nan",
    "timeout:-1",
    "slow-body:inf",
    "oversized:0",
    "oversized:-1",
    "reset:1",
]


@pytest.mark.parametrize("fault", MALFORMED_FAULTS)
def test_malformed_faults_are_refused_not_half_applied(
    sandbox: Sandbox, raw: httpx.Client, fault: str
) -> None:
    body = {"url": HOOK, "enabled_events": [EVENT]}
    answer = raw.post("/webhook_endpoints", json=body, headers={"X-Sandbox-Fail": fault})
    assert (answer.status_code, answer.json()["error"]) == (400, "BAD_REQUEST")
    assert "X-Sandbox-Fail" in answer.json()["note"]
    assert sandbox.endpoints == []
    with pytest.raises(ValueError, match=r"argument|no such fault|HTTP status"):
        sandbox.fail_next(fault)
    assert raw.post("/webhook_endpoints", json=body).status_code == 201  # nothing was queued


@pytest.mark.parametrize("declared", [b"abc", b"-5", b"1.5", b"\xd9\xa1"])
def test_a_malformed_content_length_gets_a_400_not_a_dropped_connection(
    sandbox: Sandbox, declared: bytes
) -> None:
    address = sandbox.base_url.split("//", 1)[1].split("/", 1)[0]
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(
            b"POST /v1/webhook_endpoints HTTP/1.1\r\nHost: sandbox\r\n"
            b"Authorization: Bearer " + API_KEY.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + declared + b"\r\n\r\n{}"
        )
        answer = connection.makefile("rb").readline()
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert sandbox.endpoints == []


def test_broken_json_and_wrong_content_type_are_bad_requests(raw: httpx.Client) -> None:
    broken = raw.post(
        "/webhook_endpoints", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert (broken.status_code, broken.json()["error"]) == (400, "BAD_REQUEST")
    form = raw.post("/webhook_endpoints", content=b"url=x", headers={"Content-Type": "text/plain"})
    assert (form.status_code, form.json()["error"]) == (400, "BAD_REQUEST")


def test_the_client_surfaces_validation_errors_with_path_and_message(sandbox: Sandbox) -> None:
    # The client's own checks stop this body before sending, so build the call by hand to
    # see how a server-side validation failure reaches the user.
    with fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client:
        # The generated model takes what it is given; only the client's checks stop it.
        bad = WebhookEndpointPost(url=HOOK, enabled_events=[1])  # type: ignore[list-item]
        with pytest.raises(fw.ValidationFailedError) as caught:
            client.call("createWebhookEndpoint", body=bad)
    assert caught.value.validation_errors[0].path == "body/enabled_events/0"
    assert caught.value.validation_errors[0].context.error_type == "anyOf"
    assert "body/enabled_events/0" in str(caught.value)


def test_non_uuid_ids_are_validation_failures_and_unknown_ids_not_found(
    raw: httpx.Client, client: fw.Faraday
) -> None:
    response = raw.get("/webhook_endpoints/not-a-uuid")
    assert (response.status_code, response.json()["error"]) == (400, "VALIDATION_FAILED")
    listing = raw.get("/webhook_endpoints", params={"ids": ["nope"]})
    assert (listing.status_code, listing.json()["error"]) == (400, "VALIDATION_FAILED")
    missing = uuid.uuid4()
    for action in (client.webhooks.retrieve, client.webhooks.delete, client.webhooks.disable):
        with pytest.raises(fw.NotFoundError):
            action(missing)


# -- limits and conflicts ------------------------------------------------------


def test_the_endpoint_limit_gives_max_resources_reached() -> None:
    with (
        Sandbox(api_keys=[API_KEY], max_endpoints=2) as sandbox,
        fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client,
    ):
        for number in range(2):
            client.webhooks.create(url=f"{HOOK}/{number}", enabled_events=[EVENT])
        with pytest.raises(fw.MaxResourcesReachedError) as caught:
            client.webhooks.create(url=f"{HOOK}/3", enabled_events=[EVENT])
        assert caught.value.status_code == 403
        assert len(sandbox.endpoints) == 2


def test_duplicate_urls_conflict_only_when_enabled(client: fw.Faraday) -> None:
    client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    client.webhooks.create(url=HOOK, enabled_events=[EVENT])  # off by default
    with (
        Sandbox(api_keys=[API_KEY], reject_duplicate_urls=True) as strict,
        fw.Faraday(api_key=API_KEY, base_url=strict.base_url) as other,
    ):
        first = other.webhooks.create(url=HOOK, enabled_events=[EVENT])
        with pytest.raises(fw.ConflictError):
            other.webhooks.create(url=HOOK, enabled_events=[EVENT])
        second = other.webhooks.create(url=HOOK + "/2", enabled_events=[EVENT])
        with pytest.raises(fw.ConflictError):
            other.webhooks.update(second.id, url=HOOK)
        assert [e.id for e in strict.endpoints] == [first.id, second.id]


# -- every response matches the spec -------------------------------------------


def test_every_sandbox_answer_validates_against_openapi_yaml(raw: httpx.Client) -> None:
    created = post(raw, {"url": HOOK, "enabled_events": [EVENT]})
    assert created.status_code == 201
    endpoint_id = created.json()["id"]
    answers = [
        created,
        raw.get("/webhook_endpoints"),
        raw.get("/webhook_endpoints", params={"ids": [endpoint_id]}),
        raw.get(f"/webhook_endpoints/{endpoint_id}"),
        raw.patch(
            f"/webhook_endpoints/{endpoint_id}",
            content=b'{"status": "disabled"}',
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        raw.patch(
            f"/webhook_endpoints/{endpoint_id}",
            content=b'{"status": "paused"}',
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        raw.delete(f"/webhook_endpoints/{endpoint_id}"),
        raw.delete(f"/webhook_endpoints/{endpoint_id}"),
        post(raw, {"url": HOOK}),
        post(raw, {"url": HOOK, "enabled_events": [EVENT]}, Authorization="Basic x"),
        post(raw, {"url": HOOK, "enabled_events": [EVENT]}, **{"X-Sandbox-Fail": "500"}),
    ]
    # The event hook already validated each one; check the statuses seen are the expected mix.
    assert [a.status_code for a in answers] == [
        201,
        200,
        200,
        200,
        200,
        400,
        204,
        404,
        400,
        401,
        500,
    ]


# -- the lifecycle, with deliveries ---------------------------------------------


def test_create_list_disable_trigger_enable_trigger_delete_list(
    client: fw.Faraday, sandbox: Sandbox
) -> None:
    with WebhookReceiver(secret=None) as receiver:
        endpoint = client.webhooks.create(url=receiver.url, enabled_events=[EVENT])
        assert isinstance(endpoint.secret, str)
        receiver.secret = endpoint.secret
        listed = client.webhooks.list()
        assert [e.id for e in listed] == [endpoint.id]
        assert listed[0].secret == endpoint.secret  # Faraday returns the secret on reads too

        disabled = client.webhooks.disable(endpoint.id)
        assert disabled.status is fw.WebhookEndpointStatus.DISABLED
        assert disabled.updated_at >= endpoint.updated_at
        assert sandbox.trigger(EVENT) == []
        assert receiver.deliveries == []

        assert client.webhooks.enable(endpoint.id).status is fw.WebhookEndpointStatus.ENABLED
        (delivery,) = sandbox.trigger(EVENT, resource_type="datasets")
        assert delivery.ok
        assert delivery.status_code == 204
        (received,) = receiver.wait_for(1)
        assert received.verified
        assert received.event is not None
        assert received.event.type == EVENT
        assert received.event.data.resource_type == "datasets"

        assert sandbox.trigger("resource.errored") == []  # not subscribed

        client.webhooks.delete(endpoint.id)
        assert client.webhooks.list() == []
        with pytest.raises(fw.NotFoundError):
            client.webhooks.retrieve(endpoint.id)


def test_update_changes_only_the_given_fields(client: fw.Faraday) -> None:
    endpoint = client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    updated = client.webhooks.update(endpoint.id, enabled_events=["resource.errored"])
    assert (updated.url, updated.enabled_events, updated.status) == (
        HOOK,
        ["resource.errored"],
        endpoint.status,
    )
    moved = client.webhooks.update(str(endpoint.id), url=HOOK + "/v2")
    assert moved.enabled_events == ["resource.errored"]
    assert moved.url == HOOK + "/v2"
    assert client.webhooks.retrieve(endpoint.id).url == HOOK + "/v2"
    assert [e.id for e in client.webhooks.list(ids=[endpoint.id])] == [endpoint.id]
    assert client.webhooks.list(ids=[uuid.uuid4()]) == []


def test_failed_deliveries_are_reported_not_dropped(client: fw.Faraday, sandbox: Sandbox) -> None:
    with WebhookReceiver(secret="whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB") as wrong_secret:
        client.webhooks.create(url=wrong_secret.url, enabled_events=[EVENT])
        client.webhooks.create(url="http://127.0.0.1:9/nothing-listens", enabled_events=[EVENT])
        client.webhooks.create(url="https://example.com/far-away", enabled_events=[EVENT])
        deliveries = sandbox.trigger(EVENT)
    by_url = {d.url: d for d in deliveries}
    assert len(deliveries) == 3
    assert by_url[wrong_secret.url].status_code == 400
    assert not by_url[wrong_secret.url].ok
    assert by_url["http://127.0.0.1:9/nothing-listens"].error is not None
    assert "loopback" in (by_url["https://example.com/far-away"].error or "")


@pytest.mark.anyio
async def test_async_client_against_the_sandbox(sandbox: Sandbox) -> None:
    async with fw.AsyncFaraday(
        api_key=API_KEY, base_url=sandbox.base_url, retry_policy=FAST_RETRIES
    ) as client:
        endpoint = await client.webhooks.create(url=HOOK, enabled_events=[EVENT])
        assert (await client.webhooks.retrieve(endpoint.id)).id == endpoint.id
        assert (
            await client.webhooks.disable(endpoint.id)
        ).status is fw.WebhookEndpointStatus.DISABLED
        assert [e.id for e in await client.webhooks.list()] == [endpoint.id]
        await client.webhooks.delete(endpoint.id)
        with pytest.raises(fw.NotFoundError):
            await client.webhooks.delete(endpoint.id)


def test_the_pytest_fixture_users_get_is_a_running_sandbox(faraday_sandbox: Sandbox) -> None:
    with fw.Faraday(api_key=faraday_sandbox.api_key, base_url=faraday_sandbox.base_url) as client:
        endpoint = client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    assert [e.id for e in faraday_sandbox.endpoints] == [endpoint.id]
    assert faraday_sandbox.api_key == "sk_sandbox_local"


def test_an_update_may_not_leave_an_endpoint_subscribed_to_nothing(
    raw: httpx.Client, sandbox: Sandbox
) -> None:
    endpoint_id = post(raw, {"url": HOOK, "enabled_events": [EVENT]}).json()["id"]
    emptied = raw.patch(
        f"/webhook_endpoints/{endpoint_id}",
        content=b'{"enabled_events": []}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert emptied.status_code == 400
    assert emptied.json()["error"] == "VALIDATION_FAILED"
    assert sandbox.endpoints[0].enabled_events == [EVENT]  # left as it was
    with (
        fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client,
        pytest.raises(fw.InvalidRequestError, match="at least one event type"),
    ):
        client.webhooks.update(endpoint_id, enabled_events=[])


def test_the_sandbox_waits_for_an_answer_as_long_as_svix_does() -> None:
    # Svix counts a 2xx within 15 s as delivered: a receiver taking 6-14 s succeeds there.
    assert Sandbox().delivery_timeout == 15


def test_a_fault_header_misbehaves_on_every_request_and_a_sequence_starts_over(
    sandbox: Sandbox, raw: httpx.Client
) -> None:
    body = {"url": HOOK, "enabled_events": [EVENT]}
    single = [
        raw.post("/webhook_endpoints", json=body, headers={"X-Sandbox-Fail": "code=FORBIDDEN"})
        for _ in range(3)
    ]
    assert [answer.status_code for answer in single] == [403, 403, 403]
    sequence = [
        raw.post("/webhook_endpoints", json=body, headers={"X-Sandbox-Fail": "500,ok"})
        for _ in range(4)
    ]
    assert [answer.status_code for answer in sequence] == [500, 201, 500, 201]
    assert len(sandbox.endpoints) == 2  # only the "ok" steps acted
