"""Fault injection over real sockets: the exception, requests seen, nothing lost or doubled.

The per-fault tests run against Faraday and AsyncFaraday alike (``either_client``)."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, EVENT, FAST_RETRIES

HOOK = "https://example.com/hooks"

# fault -> (exception, or None for success; requests the sandbox sees; endpoints existing after)
POST_CASES: dict[str, tuple[type[Exception] | None, int, int]] = {
    "503:0,ok": (None, 2, 1),  # fail once, then answer normally
    "429:0,ok": (None, 2, 1),
    "503,ok": (None, 2, 1),  # no Retry-After: backoff
    "429:date+1,ok": (None, 2, 1),  # HTTP-date form, capped by the policy
    "503:86400,ok": (None, 2, 1),  # a huge Retry-After is capped, not obeyed
    "503,503,503": (fw.UnexpectedResponseError, 3, 0),  # retries run out
    "500": (fw.InternalServerError, 1, 0),
    "502": (fw.UnexpectedResponseError, 1, 0),
    "504": (fw.UnexpectedResponseError, 1, 0),
    "reset": (fw.APIConnectionError, 1, 0),
    "reset-before-body": (fw.APIConnectionError, 1, 0),
    "close-mid": (fw.APIConnectionError, 1, 0),
    "truncated-chunked": (fw.APIConnectionError, 1, 0),
    "html": (fw.UnexpectedResponseError, 1, 0),
    "empty": (fw.UnexpectedResponseError, 1, 0),
    "bad-json": (fw.UnexpectedResponseError, 1, 0),
    "bad-schema": (fw.UnexpectedResponseError, 1, 0),
    "oversized": (fw.UnexpectedResponseError, 1, 0),
    "bad-gzip": (fw.UnexpectedResponseError, 1, 0),
    "unknown-code": (fw.APIError, 1, 0),
    # The server acted, but the answer was unusable: the endpoint exists, the client says so loudly.
    "wrong-content-type": (fw.UnexpectedResponseError, 1, 1),
}


@pytest.mark.parametrize("fault", sorted(POST_CASES))
def test_create_under_each_fault(sandbox: Sandbox, either_client: fw.Faraday, fault: str) -> None:
    # Faraday and AsyncFaraday alike (either_client), over real sockets.
    client = either_client
    expected, requests_seen, endpoints_after = POST_CASES[fault]
    tag = f"{fault};{uuid.uuid4()}"
    if expected is None:
        client.webhooks.create(
            url=HOOK, enabled_events=[EVENT], extra_headers={"X-Sandbox-Fail": tag}
        )
    else:
        with pytest.raises(expected) as caught:
            client.webhooks.create(
                url=HOOK, enabled_events=[EVENT], extra_headers={"X-Sandbox-Fail": tag}
            )
        assert isinstance(caught.value, fw.FaradayError)
        if fault == "unknown-code":
            assert type(caught.value) is fw.APIError
            assert caught.value.code == "SOMETHING_NEW"
    assert len(sandbox.requests) == requests_seen
    assert len(sandbox.endpoints) == endpoints_after


def test_read_timeout_on_create_is_not_retried_because_the_server_may_have_acted(
    sandbox: Sandbox,
) -> None:
    with fw.Faraday(
        api_key=API_KEY, base_url=sandbox.base_url, timeout=1.0, retry_policy=FAST_RETRIES
    ) as client:
        with pytest.raises(fw.APITimeoutError, match="read timeout"):
            client.webhooks.create(
                url=HOOK, enabled_events=[EVENT], extra_headers={"X-Sandbox-Fail": "timeout:3"}
            )
        deadline = time.monotonic() + 10
        while not sandbox.endpoints and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(sandbox.endpoints) == 1  # it did act: a retry would have made two
    assert len(sandbox.requests) == 1


def test_a_per_call_timeout_cuts_a_slow_answer_short(
    sandbox: Sandbox, either_client: fw.Faraday
) -> None:
    client = either_client
    started = time.monotonic()
    with pytest.raises(fw.APITimeoutError):
        client.webhooks.create(
            url=HOOK,
            enabled_events=[EVENT],
            timeout=0.5,
            extra_headers={"X-Sandbox-Fail": "timeout:5"},
        )
    assert time.monotonic() - started < 4  # did not wait for the server's 5 s


@pytest.mark.parametrize("fault", ["500", "502", "504", "timeout:3", "reset", "close-mid"])
def test_idempotent_calls_recover_from_server_errors_and_timeouts(
    sandbox: Sandbox, fault: str
) -> None:
    with fw.Faraday(
        api_key=API_KEY, base_url=sandbox.base_url, timeout=1.0, retry_policy=FAST_RETRIES
    ) as client:
        endpoint = client.webhooks.create(url=HOOK, enabled_events=[EVENT])
        before = len(sandbox.requests)
        found = client.webhooks.retrieve(
            endpoint.id, extra_headers={"X-Sandbox-Fail": f"{fault},ok;{uuid.uuid4()}"}
        )
    assert found.id == endpoint.id
    assert len(sandbox.requests) - before == 2


def test_fail_next_queues_faults_for_any_client(
    sandbox: Sandbox, either_client: fw.Faraday
) -> None:
    client = either_client
    sandbox.fail_next("503:0", "503:0")
    client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    assert [r.status for r in sandbox.requests] == [503, 503, 201]


def test_connection_refused_is_retried_then_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with fw.Faraday(
        api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1", retry_policy=FAST_RETRIES
    ) as client:
        started = time.monotonic()
        with pytest.raises(fw.APIConnectionError) as caught:
            client.webhooks.create(url=HOOK, enabled_events=[EVENT])
    assert not isinstance(caught.value, fw.APITimeoutError)
    assert time.monotonic() - started < 5


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["503:0,ok", "500", "reset", "html"])
async def test_async_client_follows_the_same_policy(sandbox: Sandbox, fault: str) -> None:
    expected, requests_seen, endpoints_after = POST_CASES[fault]
    async with fw.AsyncFaraday(
        api_key=API_KEY, base_url=sandbox.base_url, retry_policy=FAST_RETRIES
    ) as client:
        headers = {"X-Sandbox-Fail": f"{fault};{uuid.uuid4()}"}
        if expected is None:
            await client.webhooks.create(url=HOOK, enabled_events=[EVENT], extra_headers=headers)
        else:
            with pytest.raises(expected):
                await client.webhooks.create(
                    url=HOOK, enabled_events=[EVENT], extra_headers=headers
                )
    assert (len(sandbox.requests), len(sandbox.endpoints)) == (requests_seen, endpoints_after)


def test_no_secret_reaches_logs_errors_or_reprs_with_debug_logging(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with fw.Faraday(
        api_key=API_KEY, base_url=sandbox.base_url, timeout=1.0, retry_policy=FAST_RETRIES
    ) as client:
        texts += [repr(client), str(client)]
        created = client.webhooks.create(url=HOOK, enabled_events=[EVENT])
        texts += [repr(created), str(created), repr(sandbox)]
        for fault in [*POST_CASES, "timeout:3"]:
            try:
                result: Any = client.webhooks.create(
                    url=HOOK,
                    enabled_events=[EVENT],
                    extra_headers={"X-Sandbox-Fail": f"{fault};{uuid.uuid4()}"},
                )
            except fw.FaradayError as error:
                texts += [str(error), repr(error), repr(error.args)]
            else:
                texts += [repr(result), str(result)]
    # Let the slow request finish so every endpoint (and its secret) exists.
    expected = 2 + sum(endpoints_after for _, _, endpoints_after in POST_CASES.values())
    deadline = time.monotonic() + 10
    while len(sandbox.endpoints) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sandbox.endpoints) == expected
    secrets = [API_KEY] + [e.secret for e in sandbox.endpoints if isinstance(e.secret, str)]
    assert len(secrets) > 3
    texts.append(caplog.text)
    assert "HTTP Request: POST" in caplog.text  # httpx's own logging was captured too
    for text in texts:
        for secret in secrets:
            assert secret not in text


# -- the whole-call deadline ------------------------------------------------------


def test_total_timeout_stops_a_body_that_trickles_in(sandbox: Sandbox) -> None:
    with fw.Faraday(
        api_key=API_KEY,
        base_url=sandbox.base_url,
        timeout=5,
        total_timeout=0.5,
        retry_policy=FAST_RETRIES,
    ) as client:
        started = time.monotonic()
        with pytest.raises(fw.APITimeoutError, match=r"total timeout of 0\.5s"):
            client.webhooks.create(
                url=HOOK, enabled_events=[EVENT], extra_headers={"X-Sandbox-Fail": "slow-body:3"}
            )
        elapsed = time.monotonic() - started
    assert elapsed < 2.5  # not the 3 s the body takes; each read alone was within timeout=5
    assert len(sandbox.requests) == 1


def test_without_total_timeout_the_trickling_body_is_read_in_full(
    sandbox: Sandbox, client: fw.Faraday
) -> None:
    endpoint = client.webhooks.create(
        url=HOOK, enabled_events=[EVENT], extra_headers={"X-Sandbox-Fail": "slow-body:0.6"}
    )
    assert endpoint.status is fw.WebhookEndpointStatus.ENABLED


def test_total_timeout_ends_retrying_instead_of_sleeping_past_it(sandbox: Sandbox) -> None:
    # Waits come from Retry-After (no jitter), so the outcome does not depend on timing:
    # the 1 s wait fits in the 4 s budget, the 30 s wait does not, and max_retries allows 10.
    sandbox.fail_next("503:1", "503:30", *["503:0"] * 8)
    patient = fw.RetryPolicy(max_retries=10)
    with fw.Faraday(
        api_key=API_KEY, base_url=sandbox.base_url, total_timeout=4, retry_policy=patient
    ) as client:
        started = time.monotonic()
        with pytest.raises(fw.UnexpectedResponseError) as caught:
            client.webhooks.create(url=HOOK, enabled_events=[EVENT])
        elapsed = time.monotonic() - started
    assert caught.value.status_code == 503  # the server's answer, not a timeout of our making
    assert len(sandbox.requests) == 2
    assert elapsed < 4  # it gave up at once instead of sleeping the 30 s


@pytest.mark.anyio
async def test_async_total_timeout(sandbox: Sandbox) -> None:
    async with fw.AsyncFaraday(
        api_key=API_KEY, base_url=sandbox.base_url, total_timeout=0.5
    ) as client:
        with pytest.raises(fw.APITimeoutError, match="total timeout"):
            await client.webhooks.create(
                url=HOOK, enabled_events=[EVENT], extra_headers={"X-Sandbox-Fail": "slow-body:3"}
            )


@pytest.mark.parametrize("value", [0, -1, "1", True])
def test_total_timeout_must_be_positive(value: Any) -> None:
    with pytest.raises(fw.ConfigurationError, match="total_timeout"):
        fw.Faraday(api_key=API_KEY, total_timeout=value)


def test_connect_timeout_is_retried_then_raised_as_a_timeout() -> None:
    # A listening socket whose backlog is full drops new SYNs: connect() hangs, on loopback.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            time.sleep(0.1)
            policy = fw.RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.01)
            timeout = httpx.Timeout(5.0, connect=0.3)
            with fw.Faraday(
                api_key=API_KEY,
                base_url=f"http://127.0.0.1:{port}/v1",
                timeout=timeout,
                retry_policy=policy,
            ) as client:
                started = time.monotonic()
                with pytest.raises(fw.APITimeoutError, match="connect timeout"):
                    client.webhooks.create(url=HOOK, enabled_events=[EVENT])
                elapsed = time.monotonic() - started
        finally:
            for filler in fillers:
                filler.close()
    assert 0.55 <= elapsed < 3  # two connect attempts of 0.3 s: the retry happened, nothing hung


# -- every exception can be provoked in the sandbox ------------------------------------

CODE_FAULTS = {
    "BAD_REQUEST": (fw.BadRequestError, 400),
    "VALIDATION_FAILED": (fw.ValidationFailedError, 400),
    "CONFLICT": (fw.ConflictError, 400),
    "MISSING_API_KEY": (fw.MissingAPIKeyError, 401),
    "MALFORMED_API_KEY": (fw.MalformedAPIKeyError, 401),
    "EXPIRED_API_KEY": (fw.ExpiredAPIKeyError, 401),
    "INVALID_AUTHORIZATION": (fw.InvalidAuthorizationError, 401),
    "FORBIDDEN": (fw.ForbiddenError, 403),
    "MAX_RESOURCES_REACHED": (fw.MaxResourcesReachedError, 403),
    "NOT_FOUND": (fw.NotFoundError, 404),
    "INTERNAL_SERVER_ERROR": (fw.InternalServerError, 500),
    "A_CODE_FROM_TOMORROW": (fw.APIError, 400),
}


@pytest.mark.parametrize("code", sorted(CODE_FAULTS))
def test_a_code_fault_raises_that_codes_exception_at_its_documented_status(
    either_client: fw.Faraday, code: str
) -> None:
    expected, status = CODE_FAULTS[code]
    # Three times: a GET is retried after a 500, and must see the fault on each attempt.
    fault = ",".join([f"code={code}"] * 3) + f";{uuid.uuid4()}"
    with pytest.raises(expected) as caught:
        either_client.webhooks.list(extra_headers={"X-Sandbox-Fail": fault})
    assert type(caught.value) is expected
    assert (caught.value.code, caught.value.status_code) == (code, status)
    if code == "VALIDATION_FAILED":
        (problem,) = caught.value.validation_errors
        assert problem.path == "body/url"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("403", fw.ForbiddenError), ("404", fw.NotFoundError), ("401", fw.InvalidAuthorizationError)],
)
def test_a_status_fault_answers_with_that_statuss_code(
    client: fw.Faraday, fault: str, expected: type[fw.APIError]
) -> None:
    with pytest.raises(expected):
        client.webhooks.list(extra_headers={"X-Sandbox-Fail": f"{fault};{uuid.uuid4()}"})
