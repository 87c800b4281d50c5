"""OpenTelemetry traces of API calls and of deliveries, for those who use it.

With the ``otel`` extra (``opentelemetry-api``) and a tracer provider set by the
application, each ``client.call`` (every ``client.webhooks`` method) is a client span and
each delivery a ``Receiver`` handles is a server span. Attribute names follow
OpenTelemetry's HTTP conventions where they exist, ``faraday.*`` otherwise:

    API call     faraday.operation_id, http.request.method, server.address, server.port,
                 http.response.status_code, faraday.retry_count, and on failure
                 error.type, faraday.error.code, faraday.error.id
    delivery     faraday.webhook.message_id, faraday.webhook.event_type,
                 faraday.webhook.outcome, faraday.webhook.dedupe_state, and for a
                 rejected one faraday.webhook.reason

No key, secret or body goes in an attribute, and exceptions are not recorded as events
(their text may quote a body). Without the extra, or with no tracer provider set,
nothing is imported and nothing is paid: ``tracer()`` finds ``opentelemetry.trace``
only if the application imported it, and a provider only if one was set.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from ._version import __version__

__all__ = ["api_call_span", "delivery_span", "tracer"]

# The dedupe state a delivery's outcome implies (ignored and rejected ones claim nothing).
_DEDUPE_STATES = {"handled": "first", "failed": "first", "duplicate": "duplicate", "busy": "busy"}


def tracer() -> Any | None:
    """The package's tracer, or ``None`` when no tracer provider is set (or OpenTelemetry
    was never imported): then the caller traces nothing.

    Example:

    ```python
    if (found := tracer()) is not None:
        with found.start_as_current_span("faraday something"): ...
    ```
    """
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):  # the default: nothing was set
        return None
    return provider.get_tracer("faraday_webhooks", __version__)


@contextlib.contextmanager
def api_call_span(found: Any, module_name: str, attempts: Any) -> Iterator[None]:
    """One API call as a client span; ``attempts`` (``_base_client.Attempts``) says the
    request, the retries made and the last status."""
    from opentelemetry.trace import SpanKind, Status, StatusCode

    operation_id = _operation_id(module_name)
    request = attempts.request
    with found.start_as_current_span(
        f"faraday {operation_id}",
        kind=SpanKind.CLIENT,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        span.set_attribute("faraday.operation_id", operation_id)
        span.set_attribute("http.request.method", request.method)
        span.set_attribute("server.address", request.url.host)
        if request.url.port is not None:
            span.set_attribute("server.port", request.url.port)
        try:
            yield
        except Exception as error:
            span.set_attribute("error.type", type(error).__name__)
            for name, attribute in (
                ("code", "faraday.error.code"),
                ("error_id", "faraday.error.id"),
            ):
                if getattr(error, name, None):
                    span.set_attribute(attribute, str(getattr(error, name)))
            span.set_status(Status(StatusCode.ERROR))
            raise
        finally:
            span.set_attribute("faraday.retry_count", attempts.attempt)
            if attempts.status_code is not None:
                span.set_attribute("http.response.status_code", attempts.status_code)


@contextlib.contextmanager
def delivery_span(found: Any, deduplicating: bool) -> Iterator[Callable[[Any], Any]]:
    """One delivery as a server span; yields what records the ``Outcome`` on it.

    Example:

    ```python
    with delivery_span(found, deduplicating=True) as record:
        return record(receiver_outcome)
    ```
    """
    from opentelemetry.trace import SpanKind, Status, StatusCode

    with found.start_as_current_span(
        "faraday webhook", kind=SpanKind.SERVER, record_exception=False
    ) as span:

        def record(outcome: Any) -> Any:
            _describe(span, outcome, deduplicating)
            if outcome.status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return outcome

        yield record


def _describe(span: Any, outcome: Any, deduplicating: bool) -> None:
    if outcome.message_id is not None and outcome.event is not None:
        span.set_attribute("faraday.webhook.message_id", outcome.message_id)
    if outcome.event is not None:
        span.set_attribute("faraday.webhook.event_type", outcome.event.type)
        span.update_name(f"faraday webhook {outcome.event.type}")
    span.set_attribute("faraday.webhook.outcome", outcome.state)
    span.set_attribute("http.response.status_code", outcome.status)
    if outcome.reason is not None:
        span.set_attribute("faraday.webhook.reason", outcome.reason)
    claimed = _DEDUPE_STATES.get(outcome.state) if deduplicating else None
    span.set_attribute("faraday.webhook.dedupe_state", claimed or "none")


def _operation_id(module_name: str) -> str:
    """The operationId the generator named a module after: get_webhook_endpoint ->
    getWebhookEndpoint."""
    first, *rest = module_name.rsplit(".", 1)[-1].split("_")
    return first + "".join(word.capitalize() for word in rest)
