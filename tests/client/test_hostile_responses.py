"""Hostile and odd answers and input on the request path: nothing foreign escapes, nothing
grows without bound, no secret leaks (threads, forks and event loops: test_concurrency.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import gzip
import http.server
import json
import multiprocessing
import pickle
import threading
import time
import tracemalloc
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import anyio
import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks._retries import retry_after_seconds
from faraday_webhooks.testing import Sandbox, WebhookReceiver
from faraday_webhooks_api.models import WebhookEndpointPost
from helpers import (
    API_KEY,
    EVENT,
    FAST_RETRIES,
    QuietHTTPServer,
    Recorder,
    endpoint_body,
    error_body,
    json_response,
    resource_message,
    scripted_server,
    serving,
)
from hypothesis import given, settings
from hypothesis import strategies as st

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE = resource_message()


# -- what a response can hold: bombs, encodings, echoed keys, masking, Retry-After, error text ----


def test_a_gzip_bomb_is_refused_before_a_byte_is_inflated(
    sandbox: Sandbox, client: fw.Faraday
) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(fw.UnexpectedResponseError, match="Content-Encoding 'gzip"):
            client.webhooks.list(extra_headers={"X-Sandbox-Fail": "gzip-bomb:256"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The body decodes to 256 MiB; the client asked for identity and reads none of it (the
    # sandbox serving it runs in this process too, and is counted).
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_the_client_asks_for_identity_and_reads_an_identity_body() -> None:
    recorder = Recorder(json_response(200, []))
    with recorder.client() as client:
        client.webhooks.list()
    assert recorder.requests[0].headers["accept-encoding"] == "identity"
    body = json.dumps([endpoint_body()]).encode()
    with scripted_server(200, body, content_encoding="identity") as url:
        (endpoint,) = fw.Faraday(api_key=API_KEY, base_url=url + "/v1").webhooks.list()
    assert str(endpoint.id) == endpoint_body()["id"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, gzip", "br"])
def test_an_encoded_body_is_refused_unread_as_an_unexpected_response(encoding: str) -> None:
    # httpx inflates each read of an encoded body without bound (64 KiB of gzip can be
    # 64 MiB), so the client asks for identity and refuses anything else before reading.
    body = json.dumps([endpoint_body()]).encode()
    encoded = {"gzip": gzip.compress(body), "deflate": zlib.compress(body)}.get(encoding, body)
    with (
        scripted_server(200, encoded, content_encoding=encoding) as url,
        fw.Faraday(api_key=API_KEY, base_url=url + "/v1") as client,
        pytest.raises(fw.UnexpectedResponseError, match=f"Content-Encoding {encoding!r}"),
    ):
        client.webhooks.list()


def test_a_body_past_the_cap_is_refused_having_read_no_further() -> None:
    body = b"[" + b" " * (9 * 1024 * 1024) + b"]"
    with scripted_server(200, body) as url:
        tracemalloc.start()
        try:
            with pytest.raises(fw.UnexpectedResponseError, match="larger than 8388608 bytes"):
                fw.Faraday(api_key=API_KEY, base_url=url + "/v1").webhooks.list()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


# Every byte a Latin-1 header may carry beyond ASCII, as a proxy or CDN might add one.
HIGH_BYTES = bytes(range(0x80, 0x100)).decode("latin-1")


def test_a_response_header_with_bytes_0x80_to_0xff_reaches_the_user_as_httpx_read_it() -> None:
    body = json.dumps(endpoint_body()).encode()
    with (
        scripted_server(201, body, x_added_by_proxy=HIGH_BYTES) as url,
        fw.Faraday(api_key=API_KEY, base_url=url + "/v1") as client,
    ):
        endpoint = client.webhooks.create(url="https://example.com/h", enabled_events=[EVENT])
        assert str(endpoint.id) == endpoint_body()["id"]
    with (
        scripted_server(418, body, x_added_by_proxy=HIGH_BYTES) as url,
        fw.Faraday(api_key=API_KEY, base_url=url + "/v1") as client,
        pytest.raises(fw.UnexpectedResponseError) as caught,
    ):
        client.webhooks.list()
    assert caught.value.response is not None
    assert caught.value.response.headers["x-added-by-proxy"] == HIGH_BYTES


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_a_retry_after_of_high_bytes_ends_in_a_faraday_error(client_kind: str) -> None:
    body = json.dumps(error_body("INTERNAL_SERVER_ERROR")).encode()
    policy = fw.RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.02)
    with scripted_server(429, body, retry_after="\u00b2" + HIGH_BYTES) as url:
        if client_kind == "sync":
            with pytest.raises(fw.UnexpectedResponseError, match="HTTP 429"):
                fw.Faraday(
                    api_key=API_KEY, base_url=url + "/v1", retry_policy=policy
                ).webhooks.list()
        else:

            async def call() -> None:
                async with fw.AsyncFaraday(
                    api_key=API_KEY, base_url=url + "/v1", retry_policy=policy
                ) as client:
                    await client.webhooks.list()

            with pytest.raises(fw.UnexpectedResponseError, match="HTTP 429"):
                asyncio.run(call())


def _echoing_errors() -> list[httpx.Response]:
    problem = {
        "context": {"errorType": "x"},
        "message": f"key {API_KEY} is bad",
        "path": "header",
        "suggestion": f"do not send {API_KEY}",
    }
    return [
        json_response(401, error_body("INVALID_AUTHORIZATION", note=f"Bearer {API_KEY} refused")),
        json_response(400, error_body("VALIDATION_FAILED", validationErrors=[problem])),
        json_response(400, error_body("SOMETHING_NEW", note=f"unknown {API_KEY}")),
        httpx.Response(502, text="x" * 290 + API_KEY + "y" * 50),  # straddles the 300-char cut
        httpx.Response(500, text=f"{API_KEY} whsec_c2VjcmV0c2VjcmV0"),
    ]


@pytest.mark.parametrize("answer", _echoing_errors())
def test_an_echoed_key_never_reaches_str_repr_or_fields(answer: httpx.Response) -> None:
    with (
        Recorder(answer).client(max_retries=0) as client,
        pytest.raises(fw.APIRequestError) as caught,
    ):
        client.webhooks.list()
    error = caught.value
    texts = [str(error), repr(error), *(str(v) for v in vars(error).values())]
    if isinstance(error, fw.APIError):
        texts += [repr(p) for p in error.validation_errors]
    for text in texts:
        for start in range(0, len(API_KEY) - 7):
            assert API_KEY[start : start + 8] not in text
        assert "c2VjcmV0c2VjcmV0" not in text


def test_a_json_escaped_slash_does_not_defeat_masking() -> None:
    key = "sk_live/with/slashes"
    secret = "whsec_qr/Tw+abc/def=="
    escaped = json.dumps({"note": f"{key} {secret}"}).replace("/", "\\/")
    with (
        Recorder(httpx.Response(502, content=escaped.encode())).client(
            api_key=key, max_retries=0
        ) as client,
        pytest.raises(fw.UnexpectedResponseError) as caught,
    ):
        client.webhooks.list()
    text = str(caught.value)
    for part in ("with\\\\/slashes", "with/slashes", "qr\\\\/Tw", "abc\\\\/def", "abc/def"):
        assert part not in text, text


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "1e999",
        "-5",
        "nan",
        "Mon, 01 Jan 99999 00:00:00 GMT",
        "Mon, 01 Jan 2024 99:00:00 +9999",
        "Sun, 99 Jan 2024 00:00:00 GMT",
        "9" * 400,
        "",
        "\x00",
    ],
)
def test_retry_after_garbage_is_ignored_or_capped(value: str) -> None:
    raw = value.encode("latin-1")  # as a server may send it: httpx decodes received bytes
    wait = retry_after_seconds(httpx.Headers({b"Retry-After": raw, b"retry-after-ms": raw}))
    assert wait is None or wait >= 0
    answer = httpx.Response(503, headers={b"Retry-After": value.encode("latin-1")})
    assert FAST_RETRIES.delay(0, answer) <= 0.2


@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet=st.characters(max_codepoint=255), max_size=60))
def test_retry_after_is_total(value: str) -> None:
    raw = value.encode("latin-1")
    wait = retry_after_seconds(httpx.Headers({b"Retry-After": raw, b"Retry-After-Ms": raw}))
    assert wait is None or wait >= 0


def test_a_huge_note_makes_a_bounded_message() -> None:
    answer = json_response(400, error_body("BAD_REQUEST", note="n" * 5_000_000))
    with Recorder(answer).client() as client, pytest.raises(fw.BadRequestError) as caught:
        client.webhooks.list()
    assert len(str(caught.value)) < 5_000
    assert len(caught.value.note) == 5_000_000  # the field keeps what was sent


def test_naive_date_times_are_read_as_utc() -> None:
    body = endpoint_body(created_at="2024-09-26T14:27:05", updated_at="2024-09-26T16:27:05+02:00")
    with Recorder(json_response(200, body)).client() as client:
        endpoint = client.webhooks.retrieve(body["id"])
    assert endpoint.created_at == datetime.datetime(2024, 9, 26, 14, 27, 5, tzinfo=datetime.UTC)
    assert endpoint.created_at == endpoint.updated_at


# -- one connection, one answer per request ------------------------------------------------


def _answer(endpoint_id: str) -> bytes:
    body = json.dumps(endpoint_body(id=endpoint_id)).encode()
    head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


STRAY_ID = "99999999-9999-4999-8999-999999999999"


@contextlib.contextmanager
def server_with_one_answer_too_many(separately: bool) -> Iterator[str]:
    """Answers each GET with the endpoint it names, on one kept-alive connection; after the
    first answer it sends an answer nobody asked for: in the same write, or a moment later."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            first = not getattr(self, "answered", False)
            self.answered = True
            answer = _answer(self.path.rsplit("/", 1)[-1])
            if first and not separately:
                answer += _answer(STRAY_ID)
            self.wfile.write(answer)
            if first and separately:
                time.sleep(0.05)
                self.wfile.write(_answer(STRAY_ID))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield url + "/v1"


ASKED = [str(uuid.uuid4()) for _ in range(4)]


# A stray answer sent in the same write as the one before it is a documented limit
# (docs/reliability.md): httpcore leaves it in h11's buffer for the next request. One
# that arrives while the connection idles is caught by httpcore itself: a pooled
# connection that has become readable is closed instead of reused.


def test_a_stray_answer_on_an_idle_connection_is_never_taken_as_the_next_answer() -> None:
    separately = True
    with (
        server_with_one_answer_too_many(separately) as url,
        fw.Faraday(api_key=API_KEY, base_url=url, max_retries=0) as client,
    ):
        answered = []
        for endpoint_id in ASKED:
            answered.append(str(client.webhooks.retrieve(endpoint_id).id))
            time.sleep(0.1)  # the later stray answer arrives while the connection idles
    assert answered == ASKED


@pytest.mark.anyio
async def test_a_stray_answer_on_an_idle_connection_is_never_taken_as_the_next_answer_async() -> (
    None
):
    with server_with_one_answer_too_many(separately=True) as url:
        async with fw.AsyncFaraday(api_key=API_KEY, base_url=url, max_retries=0) as client:
            answered = []
            for endpoint_id in ASKED:
                answered.append(str((await client.webhooks.retrieve(endpoint_id)).id))
                await anyio.sleep(0.1)
    assert answered == ASKED


# -- the request path: configuration, deadlines, bodies, headers, proxies, cookies -----


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://api.faraday.ai/v1?tenant=1", "query or fragment"),
        ("https://api.faraday.ai/v1#x", "query or fragment"),
        ("https://user:pw@api.faraday.ai/v1", "user info"),
        ("http://[::1/v1", "not a valid URL"),
        ("https://api.faraday.ai:99999/v1", "not a valid URL"),
        ("https://api.faraday.ai:port/v1", "not a valid URL"),
        ("https://api.faraday.ai\x00/v1", "printable"),
        ("https://api.faraday.ai\r\n/v1", "printable"),
        ("https://\u2488.com/v1", "not a valid URL"),
        ("https://" + "a" * 10_000_000 + "/v1", "at most 2048"),
        ("http://api.faraday.ai/v1", "cleartext HTTP"),
        ("ftp://api.faraday.ai/v1", "absolute https URL"),
    ],
)
def test_a_bad_base_url_is_refused_at_construction(url: str, message: str) -> None:
    with pytest.raises(fw.ConfigurationError, match=message) as caught:
        fw.Faraday(api_key=API_KEY, base_url=url)
    assert "pw" not in str(caught.value)


def test_cleartext_http_is_allowed_to_loopback_or_when_asked() -> None:
    for url in ("http://127.0.0.1:1/v1", "http://[::1]:1/v1", "http://localhost:1/v1"):
        with fw.Faraday(api_key=API_KEY, base_url=url) as client:
            assert client.base_url == url
    with pytest.raises(fw.ConfigurationError, match="cleartext"):
        fw.Faraday(api_key=API_KEY, base_url="http://proxy.internal/v1")
    asked = fw.Faraday(
        api_key=API_KEY, base_url="http://proxy.internal/v1", allow_insecure_http=True
    )
    assert asked.base_url == "http://proxy.internal/v1"
    asked.close()


@pytest.mark.parametrize("timeout", [float("inf"), 1e300, float("nan"), 0, -1, True])
def test_an_impossible_timeout_is_refused(timeout: float) -> None:
    with pytest.raises(fw.ConfigurationError, match="timeout"):
        fw.Faraday(api_key=API_KEY, timeout=timeout)
    with pytest.raises(fw.ConfigurationError, match=r"timeout\.read"):
        fw.Faraday(api_key=API_KEY, timeout=httpx.Timeout(5, read=timeout))
    with pytest.raises(fw.ConfigurationError, match="total_timeout"):
        fw.Faraday(api_key=API_KEY, total_timeout=timeout)
    with (
        Recorder(json_response(200, [])).client() as client,
        pytest.raises(fw.InvalidRequestError, match="timeout"),
    ):
        client.webhooks.list(timeout=timeout)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HTTPS_PROXY", "ftp://proxy.internal"),
        ("ALL_PROXY", "socks5://127.0.0.1:1"),
        ("SSL_CERT_FILE", "/nonexistent/ca.pem"),
    ],
)
def test_a_broken_environment_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    for make in (fw.Faraday, fw.AsyncFaraday):
        with pytest.raises(fw.ConfigurationError, match=variable):
            make(api_key=API_KEY)


def test_a_proxy_that_cannot_be_reached_is_a_connection_error_at_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # httpx reads the proxy variables (trust_env); one it accepts but cannot use fails the
    # call as any unreachable server does: a FaradayError, never another exception.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:1")
    with (
        fw.Faraday(api_key=API_KEY, max_retries=0) as client,
        pytest.raises(fw.APIConnectionError),
    ):
        client.webhooks.list()


def test_loopback_never_goes_through_a_proxy(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on port 1: a request sent through this "proxy" would fail.
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(variable, "http://127.0.0.1:1")
    with (
        WebhookReceiver(secret=None) as receiver,
        fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client,
    ):
        hooked = client.webhooks.create(url=receiver.url, enabled_events=[EVENT])
        receiver.secret = hooked.secret
        (delivery,) = sandbox.trigger(EVENT)
        assert delivery.ok, delivery.error
        assert receiver.wait_for(1)[0].event is not None


def test_the_client_keeps_no_cookies() -> None:
    seen: list[str | None] = []

    class SetsCookies(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Set-Cookie", f"session{len(seen)}={'x' * 4000}; Path=/")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = QuietHTTPServer(("127.0.0.1", 0), SetsCookies)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        with fw.Faraday(api_key=API_KEY, base_url=base_url) as client:
            for _ in range(10):
                assert client.webhooks.list() == []
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert seen == [None] * 10


@pytest.mark.parametrize("value", ["\ud800", {1, 2}, float("nan")])
def test_a_body_that_cannot_be_json_is_refused_before_sending(value: Any) -> None:
    recorder = Recorder(json_response(201, endpoint_body()))
    body = WebhookEndpointPost(url="https://example.com/h", enabled_events=[EVENT])
    body["note"] = value  # a field openapi.yaml does not name, passed through to_dict
    with recorder.client() as client, pytest.raises(fw.InvalidRequestError, match="JSON"):
        client.call("createWebhookEndpoint", body=body)
    assert recorder.requests == []


@pytest.mark.parametrize("header", ["Content-Length", "transfer-encoding"])
def test_framing_headers_are_refused(header: str) -> None:
    recorder = Recorder(json_response(200, []))
    with recorder.client() as client, pytest.raises(fw.InvalidRequestError, match=header):
        client.webhooks.list(extra_headers={header: "5"})
    assert recorder.requests == []
    with pytest.raises(fw.ConfigurationError, match=header):
        fw.Faraday(api_key=API_KEY, default_headers={header: "chunked"})


def test_no_frame_holds_the_key_in_a_plain_local_when_an_error_leaves() -> None:
    key = "sk_live_" + "s3cr3t" * 4
    client = fw.Faraday(
        api_key=key, http_client=httpx.Client(transport=httpx.MockTransport(Recorder()))
    )
    with pytest.raises(fw.InvalidRequestError) as caught:
        client.webhooks.list(extra_headers={"X-Bad": "line\nbreak"})
    traceback = caught.value.__traceback__
    while traceback is not None:
        ours = "faraday_webhooks" in traceback.tb_frame.f_code.co_filename
        for name, value in traceback.tb_frame.f_locals.items() if ours else ():
            if isinstance(value, str | bytes | dict | list | tuple):
                assert key not in repr(value), f"{traceback.tb_frame.f_code.co_name}: {name}"
        traceback = traceback.tb_next


def test_a_sync_stall_in_the_headers_is_ended_by_the_read_timeout(sandbox: Sandbox) -> None:
    # A sync call's total_timeout is checked between steps; inside httpx's read of the
    # headers, the read timeout (shrunk to what remains of total_timeout) ends a stall.
    # A server trickling header bytes faster than that is not bounded: encode/httpx#1450.
    with fw.Faraday(
        api_key=API_KEY, base_url=sandbox.base_url, timeout=0.5, total_timeout=30, max_retries=0
    ) as client:
        started = time.monotonic()
        with pytest.raises(fw.APITimeoutError, match="read timeout"):
            client.webhooks.list(extra_headers={"X-Sandbox-Fail": "timeout:30"})
        waited = time.monotonic() - started
    assert waited < 10, f"waited {waited:.1f} s for a 0.5 s read timeout (the stall is 30 s)"


@pytest.mark.anyio
async def test_total_timeout_ends_a_header_drip_async(sandbox: Sandbox) -> None:
    async with fw.AsyncFaraday(
        api_key=API_KEY, base_url=sandbox.base_url, total_timeout=1.5
    ) as client:
        started = time.monotonic()
        with pytest.raises(fw.APITimeoutError, match="total timeout"):
            await client.webhooks.list(extra_headers={"X-Sandbox-Fail": "slow-headers:30"})
        waited = time.monotonic() - started
    assert waited < 10, f"waited {waited:.1f} s for a 1.5 s total timeout (the drip takes 30 s)"


def test_async_header_drip_under_asyncio_run(sandbox: Sandbox) -> None:
    # The same bound holds for a program that drives AsyncFaraday with asyncio.run.
    async def call() -> None:
        async with fw.AsyncFaraday(
            api_key=API_KEY, base_url=sandbox.base_url, total_timeout=1.0
        ) as client:
            await client.webhooks.list(extra_headers={"X-Sandbox-Fail": "slow-headers:30"})

    started = time.monotonic()
    with pytest.raises(fw.APITimeoutError):
        asyncio.run(call())
    assert time.monotonic() - started < 10


# -- exceptions travel: pickling, process pools ----------------------------------------


def _examples() -> list[fw.FaradayError]:
    caught: list[fw.FaradayError] = []
    for answer in (
        json_response(
            400,
            error_body(
                "VALIDATION_FAILED",
                validationErrors=[
                    {"context": {"errorType": "format"}, "message": "bad", "path": "body/url"}
                ],
            ),
        ),
        httpx.Response(502, text="<html>"),
    ):
        try:
            with Recorder(answer).client(max_retries=0) as client:
                client.webhooks.list()
        except fw.FaradayError as error:
            caught.append(error)
    try:
        fw.verify_webhook(MESSAGE, {}, SECRET)
    except fw.FaradayError as error:
        caught.append(error)
    caught.append(fw.APIConnectionError("GET x: refused"))
    return caught


@pytest.mark.parametrize("error", _examples(), ids=lambda error: type(error).__name__)
def test_every_exception_pickles_with_its_fields_and_message(error: fw.FaradayError) -> None:
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    kept = {
        name: value for name, value in vars(error).items() if name not in ("response", "request")
    }
    assert {name: vars(copy)[name] for name in kept} == kept


def _raise_not_found() -> None:
    answer = json_response(404, error_body("NOT_FOUND"))
    with Recorder(answer).client() as client:
        client.webhooks.list()


def test_an_error_raised_in_a_process_pool_reaches_the_caller() -> None:
    # spawn: a fork of this multi-threaded test process may deadlock (Python 3.12+ warns).
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        future = pool.submit(_raise_not_found)
        with pytest.raises(fw.NotFoundError) as caught:
            future.result(timeout=60)
    assert caught.value.code == "NOT_FOUND"
    assert caught.value.status_code == 404


@contextlib.contextmanager
def close_delimited_server(version: str) -> Iterator[str]:
    """Answers each request with a body that ends when the connection closes: HTTP/1.0, or
    HTTP/1.1 with ``Connection: close``, and no ``Content-Length``."""
    body = json.dumps([endpoint_body()]).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = version

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield url + "/v1"


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_a_body_that_ends_when_the_connection_closes_is_read_to_its_end(
    version: str, client_kind: str
) -> None:
    # The answer-order guard once spun at 100% CPU here, and froze the event loop.
    started = time.monotonic()
    with close_delimited_server(version) as url:
        if client_kind == "sync":
            with fw.Faraday(api_key=API_KEY, base_url=url, total_timeout=20) as client:
                answers = [client.webhooks.list() for _ in range(3)]
        else:

            async def calls() -> list[list[fw.WebhookEndpoint]]:
                async with fw.AsyncFaraday(api_key=API_KEY, base_url=url, total_timeout=20) as c:
                    return [await c.webhooks.list() for _ in range(3)]

            answers = asyncio.run(calls())
    assert [[str(e.id) for e in answer] for answer in answers] == [[endpoint_body()["id"]]] * 3
    assert time.monotonic() - started < 15
