"""When to retry a request, and how long to wait first (``RetryPolicy``): pure decisions,
applied to one call's attempts by ``_base_client.RetryTracker``.

The rule that matters: a retry must never create a second webhook endpoint.
A request that is not idempotent (POST) is retried only when the server surely
did not act on it: no connection was made, the request was not fully written,
or the server answered 429 / 503 (it refused the work). Idempotent requests
(GET, PATCH, DELETE) may also be retried after read timeouts, dropped
connections and 500 / 502 / 504.
"""

from __future__ import annotations

import email.utils
import random
import time

import attrs
import httpx

from ._validation import check_number
from .errors import APIConnectionError, APITimeoutError, ConfigurationError, request_label

# Nothing reached the server's application: always safe to send again.
_NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
)
# The request may have been acted on; only idempotent requests are sent again.
_MAYBE_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ReadTimeout,
    httpx.ReadError,
    httpx.RemoteProtocolError,
)
_REFUSED_STATUSES = frozenset({429, 503})
_MAYBE_ACTED_STATUSES = frozenset({500, 502, 504})


@attrs.frozen
class RetryPolicy:
    """Retry limits and backoff; ``delay`` is exponential with jitter, ``Retry-After`` wins.

    Example:

    ```pycon
    >>> RetryPolicy(max_retries=0).should_retry_status(503, attempt=0, idempotent=False)
    False

    ```
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    # A server asking for longer than this is waited on for this long, no more.
    max_retry_after: float = 60.0

    def __attrs_post_init__(self) -> None:
        # Checked here, not at the first retry: a bad policy is a mistake in the caller's code.
        check_number(
            self.max_retries, name="max_retries", whole=True, maximum=100, error=ConfigurationError
        )
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            check_number(getattr(self, name), name=name, error=ConfigurationError)

    def should_retry_error(
        self, error: httpx.TransportError, *, attempt: int, idempotent: bool
    ) -> bool:
        """Whether a transport error on attempt ``attempt`` (0-based) is worth another try."""
        maybe_sent = idempotent and isinstance(error, _MAYBE_SENT_ERRORS)
        return attempt < self.max_retries and (isinstance(error, _NOT_SENT_ERRORS) or maybe_sent)

    def should_retry_status(self, status_code: int, *, attempt: int, idempotent: bool) -> bool:
        """Whether an HTTP status on attempt ``attempt`` (0-based) is worth another try."""
        maybe_acted = idempotent and status_code in _MAYBE_ACTED_STATUSES
        return attempt < self.max_retries and (status_code in _REFUSED_STATUSES or maybe_acted)

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before retry number ``attempt + 1``."""
        if response is not None:
            requested = retry_after_seconds(response.headers)
            if requested is not None:
                return min(requested, self.max_retry_after)
        backoff: float = min(self.initial_delay * (2.0**attempt), self.max_delay)
        # Jitter spreads out clients that failed together.
        return backoff * (0.5 + random.random() / 2)


def retry_after_seconds(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """The wait a response asks for in ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP-date).

    Example:

    ```pycon
    >>> retry_after_seconds(httpx.Headers({"Retry-After": "2"}))
    2.0
    >>> retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None
    True

    ```
    """
    # Total: any header value gives a wait or None, never an exception (a server's
    # garbage must not crash a retry decision).
    milliseconds = headers.get("retry-after-ms", "").strip()
    if milliseconds.isascii() and milliseconds.replace(".", "", 1).isdigit():
        return float(milliseconds[:20]) / 1000
    header = headers.get("retry-after")
    if header is None:
        return None
    header = header.strip()
    if header.isascii() and header.isdigit():
        return float(header[:20])
    try:
        moment = email.utils.parsedate_to_datetime(header[:200])
        current = time.time() if now is None else now
        return max(0.0, moment.timestamp() - current)
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None


def connection_error(error: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Wrap an httpx transport error; the message names the kind, never the headers."""
    where = request_label(request)
    if isinstance(error, httpx.TimeoutException):
        kind = type(error).__name__.replace("Timeout", " timeout").lower().strip()
        return APITimeoutError(f"{where}: {kind} ran out before Faraday answered", request=request)
    detail = str(error)[:200] or type(error).__name__
    return APIConnectionError(f"{where}: no answer from Faraday ({detail})", request=request)
