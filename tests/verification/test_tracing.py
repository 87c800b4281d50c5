"""The [otel] extra: a span per API call and per delivery, read back with the OpenTelemetry
SDK's in-memory exporter; no key, secret or body in any attribute; and nothing imported
or paid without a tracer provider."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
import uuid
import wsgiref.simple_server
from collections.abc import Iterator
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks.dedupe import Deduplicator, MemoryStore
from faraday_webhooks.receiver import Receiver
from faraday_webhooks.testing import Sandbox
from faraday_webhooks.testing.faults import FAULT_HEADER
from helpers import API_KEY, EVENT, QuietWSGIServer, resource_message
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
_EXPORTER = InMemorySpanExporter()


_WATCHED: list[TracerProvider] = []


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """What the process's tracer provider records, emptied first. OpenTelemetry allows one
    provider per process: one an earlier test set (the Operations guide's example) is
    watched too."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if provider not in _WATCHED:
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        _WATCHED.append(provider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def ours(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name.startswith("faraday")]


def assert_nothing_secret(found: list[ReadableSpan], *secrets: str | bytes) -> None:
    for span in found:
        for value in (span.attributes or {}).values():
            for secret in secrets:
                shown = secret.decode() if isinstance(secret, bytes) else secret
                assert shown not in str(value), (span.name, value)
        assert not span.events  # no exception events: their text may quote a body


def test_each_api_call_is_a_client_span_with_http_conventions(
    spans: InMemorySpanExporter,
) -> None:
    with (
        Sandbox(api_keys=[API_KEY]) as sandbox,
        fw.Faraday(api_key=API_KEY, base_url=sandbox.base_url) as client,
    ):
        endpoint = client.webhooks.create(url="https://example.com/h", enabled_events=[EVENT])
        retried = client.webhooks.list(extra_headers={FAULT_HEADER: "503,ok"})
        missing = str(uuid.uuid4())
        with pytest.raises(fw.NotFoundError) as caught:
            client.webhooks.retrieve(missing)
    created, listed, failed = ours(spans)
    assert created.name == "faraday createWebhookEndpoint"
    assert created.kind == trace.SpanKind.CLIENT
    assert dict(created.attributes or {}) == {
        "faraday.operation_id": "createWebhookEndpoint",
        "http.request.method": "POST",
        "server.address": "127.0.0.1",
        "server.port": sandbox.port,
        "faraday.retry_count": 0,
        "http.response.status_code": 201,
    }
    assert retried == [endpoint]
    assert (listed.attributes or {})["faraday.retry_count"] == 1  # the 503, then the answer
    assert (listed.attributes or {})["http.response.status_code"] == 200
    attributes = dict(failed.attributes or {})
    assert attributes["faraday.operation_id"] == "getWebhookEndpoint"
    assert attributes["http.response.status_code"] == 404
    assert attributes["error.type"] == "NotFoundError"
    assert attributes["faraday.error.code"] == "NOT_FOUND"
    assert attributes["faraday.error.id"] == caught.value.error_id
    assert failed.status.status_code == trace.StatusCode.ERROR
    assert_nothing_secret(ours(spans), API_KEY, str(endpoint.secret))


def test_the_async_client_traces_the_same_way(spans: InMemorySpanExporter) -> None:
    async def main(base_url: str) -> None:
        async with fw.AsyncFaraday(api_key=API_KEY, base_url=base_url) as client:
            await client.webhooks.list()

    with Sandbox(api_keys=[API_KEY]) as sandbox:
        asyncio.run(main(sandbox.base_url))
    (listed,) = ours(spans)
    assert (listed.attributes or {})["faraday.operation_id"] == "getWebhookEndpoints"
    assert (listed.attributes or {})["http.response.status_code"] == 200


def test_each_delivery_is_a_server_span_saying_its_outcome(spans: InMemorySpanExporter) -> None:
    receiver = Receiver(SECRET, dedupe=Deduplicator(MemoryStore()))
    receiver.on(EVENT)(lambda event: None)
    body = resource_message(EVENT, "2026-12-05T09:00:00Z")
    headers = fw.sign_webhook(body, SECRET)
    httpd = wsgiref.simple_server.make_server(
        "127.0.0.1", 0, receiver.wsgi(), server_class=QuietWSGIServer
    )
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}/hooks"
        answers = [httpx.post(url, content=body, headers=headers).status_code for _ in range(2)]
        answers.append(httpx.post(url, content=body + b" ", headers=headers).status_code)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
    assert answers == [204, 204, 400]
    handled, duplicate, rejected = ours(spans)
    assert handled.name == f"faraday webhook {EVENT}"
    assert handled.kind == trace.SpanKind.SERVER
    assert dict(handled.attributes or {}) == {
        "faraday.webhook.message_id": headers["svix-id"],
        "faraday.webhook.event_type": EVENT,
        "faraday.webhook.outcome": "handled",
        "http.response.status_code": 204,
        "faraday.webhook.dedupe_state": "first",
    }
    assert (duplicate.attributes or {})["faraday.webhook.dedupe_state"] == "duplicate"
    assert dict(rejected.attributes or {}) == {
        "faraday.webhook.outcome": "rejected",
        "http.response.status_code": 400,
        "faraday.webhook.reason": "no_matching_signature",
        "faraday.webhook.dedupe_state": "none",
    }
    assert_nothing_secret(ours(spans), SECRET, body, headers["svix-signature"])


def test_a_failed_async_delivery_is_an_error_span(spans: InMemorySpanExporter) -> None:
    receiver = Receiver(SECRET)

    @receiver.on_unknown
    async def broken(event: fw.WebhookEvent) -> None:
        raise RuntimeError("the handler's bug, quoting the body")

    body = b'{"type": "project.ready", "timestamp": "2026-12-05T09:00:00Z", "data": {}}'
    outcome = asyncio.run(receiver.handle_async(body, fw.sign_webhook(body, SECRET)))
    assert outcome.status == 500
    (failed,) = ours(spans)
    assert (failed.attributes or {})["faraday.webhook.outcome"] == "failed"
    assert (failed.attributes or {})["faraday.webhook.dedupe_state"] == "none"
    assert failed.status.status_code == trace.StatusCode.ERROR
    assert_nothing_secret([failed], "quoting the body")


@pytest.mark.parametrize("imported", [False, True])
def test_without_a_tracer_provider_nothing_is_imported_or_traced(imported: bool) -> None:
    # A fresh interpreter: this one has a provider set. With OpenTelemetry imported by the
    # application but no provider set, the package still traces nothing.
    script = textwrap.dedent(
        f"""
        import json, sys
        {"import opentelemetry.trace" if imported else ""}
        import faraday_webhooks as fw
        from faraday_webhooks import tracing
        from faraday_webhooks.receiver import Receiver
        from faraday_webhooks.testing import Sandbox

        with Sandbox(api_keys=["k"]) as sandbox:
            with fw.Faraday(api_key="k", base_url=sandbox.base_url) as client:
                client.webhooks.list()
        receiver = Receiver({SECRET!r})
        body = b'{{"type": "x.y", "timestamp": "2026-12-05T09:00:00Z", "data": {{}}}}'
        receiver.handle(body, fw.sign_webhook(body, {SECRET!r}))
        loaded = sorted(name for name in sys.modules if name.startswith("opentelemetry"))
        print(json.dumps({{"tracer": tracing.tracer() is not None, "loaded": loaded}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["tracer"] is False
    if imported:
        assert "opentelemetry.sdk" not in report["loaded"]
    else:
        assert report["loaded"] == []
