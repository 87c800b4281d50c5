"""A local Faraday API for tests and demos: real HTTP on loopback, driven by openapi.yaml.

One module a part: ``_api.py`` is the fake API (state and routes, no sockets),
``faults.py`` the fault grammar and what each fault does, ``_handler.py`` the
HTTP handler between socket, faults and API, and this module the sandbox's
lifecycle and ``trigger``, which sends signed deliveries to subscribed endpoints.

Example:

```python
from faraday_webhooks import Faraday
from faraday_webhooks.testing import Sandbox

with Sandbox(api_keys=["sk_test"]) as sandbox:
    client = Faraday(api_key="sk_test", base_url=sandbox.base_url)
    endpoint = client.webhooks.create(url=receiver_url, enabled_events=["resource.errored"])
    deliveries = sandbox.trigger("resource.errored")
```

Faults (header ``X-Sandbox-Fail`` or ``Sandbox.fail_next``) make the next
authenticated request(s) misbehave on purpose; ``faults.py`` lists them.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from .._models import WebhookEndpoint
from .._validation import check_number, is_loopback_host
from ._api import API_PREFIX, FakeAPI, Reply, error_reply, json_reply, now_iso
from ._deliveries import SVIX_RETRY_SCHEDULE, Deliverer, Delivery, DeliveryAttempt, check_schedule
from ._handler import Parts, RecordedRequest, RequestLog, SandboxServer
from ._server import check_key_list, check_port
from ._spec import require_sandbox_extra
from .faults import FAULT_HEADER, FaultPlan

__all__ = [
    "DEFAULT_API_KEY",
    "FAULT_HEADER",
    "SVIX_RETRY_SCHEDULE",
    "Delivery",
    "DeliveryAttempt",
    "RecordedRequest",
    "Sandbox",
]

DEFAULT_API_KEY = "sk_sandbox_local"


def _enrichment_job_data(
    event_type: str, account_id: str, enrichment_id: str | None
) -> dict[str, Any]:
    """The data of Faraday's ``WebhookMessageForEnrichmentJob`` (no resource id or kind)."""
    status = event_type.removeprefix("enrichment_job.")
    data: dict[str, Any] = {
        "account_id": account_id,
        "enrichment_id": enrichment_id or str(uuid.uuid4()),
        "enrichment_job_id": str(uuid.uuid4()),
        "invocation": "manual",
        "status": status,
    }
    if status == "skipped":
        data["skip_note"] = "Nothing changed since the last run"
    if status == "failed":
        data["status_error"] = "The dataset could not be read"
    return data


def _checked_event_types(event_types: Any) -> tuple[str, ...]:
    """The kinds a test adds to ``WebhookEventType``: a list of non-empty strings."""
    if isinstance(event_types, str | bytes) or not isinstance(event_types, Iterable):
        kind = type(event_types).__name__
        raise TypeError(f"event_types takes a list, not a {kind}: event_types=['project.ready']")
    checked = tuple(event_types)
    if not all(isinstance(kind, str) and kind for kind in checked):
        raise TypeError("each of event_types must be a non-empty str")
    return checked


class Sandbox:
    """A Faraday API on ``127.0.0.1`` for tests; use it as a context manager.

    Needs the ``sandbox`` extra; without it, construction raises ``ImportError`` saying
    so. It listens on loopback only unless ``allow_remote=True`` (its keys are well known).
    As Faraday does, it refuses an event type ``WebhookEventType`` does not name with
    400 VALIDATION_FAILED; ``event_types=[...]`` adds kinds (one Faraday has just added).

    Example:

    ```python
    with Sandbox(api_keys=["sk_test"], max_endpoints=10) as sandbox:
        sandbox.base_url            # http://127.0.0.1:<port>/v1
        sandbox.endpoints           # what has been created, as WebhookEndpoint models
        sandbox.trigger("resource.ready_with_update")
    ```
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        expired_api_keys: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        max_endpoints: int | None = 1000,
        reject_duplicate_urls: bool = False,
        delivery_timeout: float = 15.0,
        retry_schedule: Iterable[float] = SVIX_RETRY_SCHEDULE,
        verbose: bool = False,
        allow_remote: bool = False,
        event_types: Iterable[str] = (),
    ) -> None:
        require_sandbox_extra()  # here, not in a server thread where it would be swallowed
        if not allow_remote and not is_loopback_host(host):
            raise ValueError(
                f"the sandbox listens on loopback only (its API keys are well known), not "
                f"{host!r}; pass allow_remote=True to listen there anyway"
            )
        if max_endpoints is not None:
            check_number(
                max_endpoints, name="max_endpoints", maximum=10**9, whole=True, error=ValueError
            )
        self.host = host
        self.port: int = check_port(port)
        self.delivery_timeout: float = check_number(
            delivery_timeout, name="delivery_timeout", above_minimum=True, error=ValueError
        )
        self.verbose = verbose
        self._api = FakeAPI(
            api_keys=check_key_list(api_keys, name="api_keys"),
            expired_api_keys=check_key_list(expired_api_keys, name="expired_api_keys"),
            max_endpoints=max_endpoints,
            reject_duplicate_urls=reject_duplicate_urls,
            event_types=_checked_event_types(event_types),
        )
        self._deliverer = Deliverer(
            self._api.endpoint,
            schedule=check_schedule(retry_schedule),
            timeout=self.delivery_timeout,
            on_attempt=(lambda attempt: print(attempt.line(), flush=True)) if verbose else None,
        )
        self._faults = FaultPlan()
        self._log = RequestLog()
        self._stopping = threading.Event()
        self._server: SandboxServer | None = None

    def __repr__(self) -> str:
        state = self.base_url if self._server else "stopped"
        return f"Sandbox({state}, endpoints={len(self._api.endpoints())})"

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve in a background thread; returns ``self``."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._deliverer.start()  # retries again after a stop
        parts = Parts(
            self._api, self._faults, self._log, self._stopping, self._sandbox_route, self.verbose
        )
        self._server = SandboxServer((self.host, self.port), parts)
        self.port = self._server.port
        self._server.start_in_background("faraday-sandbox")
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        server, self._server = self._server, None
        self._deliverer.stop()  # pending retries end with the sandbox
        if server is not None:
            self._stopping.set()  # wakes handlers sleeping in an injected timeout
            server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (the ``sandbox`` command)."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()

    # -- what tests look at ------------------------------------------------------------

    @property
    def api_keys(self) -> tuple[str, ...]:
        """The API keys the sandbox accepts."""
        return self._api.api_keys

    @property
    def expired_api_keys(self) -> frozenset[str]:
        """The keys answered ``401 EXPIRED_API_KEY``."""
        return self._api.expired_api_keys

    @property
    def max_endpoints(self) -> int | None:
        """How many endpoints before ``403 MAX_RESOURCES_REACHED`` (``None``: no limit)."""
        return self._api.max_endpoints

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        """Seconds before each retry of a failed delivery (Svix's schedule by default)."""
        return self._deliverer.schedule

    @property
    def reject_duplicate_urls(self) -> bool:
        """Whether a second endpoint with the same url is a ``400 CONFLICT``."""
        return self._api.reject_duplicate_urls

    @property
    def api_key(self) -> str:
        """The first accepted API key: the one to give a client."""
        if not self._api.api_keys:
            raise ValueError("this sandbox accepts no API key")
        return self._api.api_keys[0]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root to give a client: ``http://127.0.0.1:<port>/v1``."""
        return self.url + API_PREFIX

    @property
    def endpoints(self) -> list[WebhookEndpoint]:
        """A snapshot of the endpoints that exist, oldest first."""
        return [WebhookEndpoint.from_dict(item) for item in self._api.endpoints()]

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far (faulted ones included), oldest first."""
        return self._log.snapshot()

    def fail_next(self, *faults: str) -> None:
        """Serve the next ``len(faults)`` authenticated requests with these faults, in order.

        A malformed fault raises ``ValueError`` here, and none of them is queued.
        """
        self._faults.queue(*faults)

    def reset(self) -> None:
        """Forget endpoints, recorded requests and pending faults."""
        self._api.reset()
        self._log.clear()
        self._faults.clear()

    # -- deliveries --------------------------------------------------------------------

    def trigger(
        self,
        event_type: str,
        *,
        resource_type: str = "cohorts",
        resource_id: str | None = None,
        account_id: str | None = None,
        enrichment_id: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> list[Delivery]:
        """Send a signed Faraday event to every enabled endpoint subscribed to ``event_type``.

        ``data`` is shaped as Faraday shapes it for the type: ``resource.*`` events carry
        account, resource id and kind; ``enrichment_job.succeeded|failed|skipped`` carry
        Faraday's enrichment-job data (a type its next release adds). Pass ``data`` to
        send any other shape, as a newer Faraday might.

        Returns one ``Delivery`` per endpoint; failures are reported, never dropped, and
        one endpoint's failure never stops the others. Only loopback URLs are delivered
        to: the sandbox never sends off this machine.

        Example:

        ```python
        sandbox.trigger("enrichment_job.failed", enrichment_id=str(uuid.uuid4()))
        ```
        """
        if not isinstance(event_type, str) or not event_type:
            raise TypeError(f"event_type must be a non-empty str, not {event_type!r}")
        if data is not None and not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping (a JSON object), not {type(data).__name__}")
        account = account_id or str(uuid.uuid4())
        if data is not None:
            event_data = dict(data)
        elif event_type.startswith("enrichment_job."):
            event_data = _enrichment_job_data(event_type, account, enrichment_id)
        else:
            event_data = {
                "account_id": account,
                "resource_id": resource_id or str(uuid.uuid4()),
                "resource_type": resource_type,
            }
        event = {"timestamp": now_iso(), "type": event_type, "data": event_data}
        try:
            # Faraday sends JSON: no NaN or Infinity, nothing json cannot encode.
            body = json.dumps(event, allow_nan=False).encode()
        except (TypeError, ValueError) as problem:
            raise ValueError(f"the event cannot be sent as JSON: {problem}") from None
        return self._deliverer.send(event_type, body, self._api.subscribed(event_type))

    @property
    def deliveries(self) -> list[DeliveryAttempt]:
        """Every delivery attempt so far (the latest 10,000): first attempts, retries and
        redeliveries, each with its message id, endpoint, attempt number and outcome."""
        return list(self._deliverer.attempts)

    def redeliver(self, message_id: str) -> list[Delivery]:
        """Send a message again, with the same id, to the endpoints it went to (as Svix's
        "resend" does); ``KeyError`` if the sandbox sent no such message.

        Example:

        ```python
        (first,) = sandbox.trigger("resource.errored")
        sandbox.redeliver(first.message_id)
        ```
        """
        return self._deliverer.redeliver(message_id)

    def _sandbox_route(self, path: str, body: bytes) -> Reply:
        """``POST /_sandbox/trigger`` and ``POST /_sandbox/redeliver``: what
        ``faraday-webhooks trigger`` (``--redeliver``) calls."""
        if path == "/_sandbox/redeliver":
            return self._redeliver_route(body)
        try:
            request = json.loads(body or b"{}")
            event_type = request["type"]
            if not isinstance(event_type, str) or not event_type:
                raise TypeError
            options = {
                name: str(request[name])
                for name in ("resource_type", "resource_id", "account_id", "enrichment_id")
                if request.get(name) is not None
            }
            data = request.get("data")
            if data is not None and not isinstance(data, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            note = 'Send {"type": "<event type>"} to trigger an event'
            return error_reply(400, "BAD_REQUEST", note)
        try:
            deliveries = self.trigger(event_type, data=data, **options)
        except ValueError as problem:  # data json cannot send (NaN)
            return error_reply(400, "BAD_REQUEST", str(problem))
        return json_reply(
            200, {"type": event_type, "deliveries": [d.to_dict() for d in deliveries]}
        )

    def _redeliver_route(self, body: bytes) -> Reply:
        try:
            message_id = json.loads(body or b"{}")["message_id"]
            if not isinstance(message_id, str):
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            return error_reply(400, "BAD_REQUEST", 'Send {"message_id": "<msg_...>"} to redeliver')
        try:
            deliveries = self.redeliver(message_id)
        except KeyError:
            return error_reply(404, "NOT_FOUND", "The sandbox sent no message with that id")
        event_type = deliveries[0].event_type if deliveries else ""
        return json_reply(
            200, {"type": event_type, "deliveries": [d.to_dict() for d in deliveries]}
        )
