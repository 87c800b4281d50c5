"""faraday-webhooks: register Faraday webhook endpoints and trust what they deliver.

Example::

    from faraday_webhooks import Faraday, verify_webhook

    with Faraday() as client:  # FARADAY_API_KEY from the environment
        endpoint = client.webhooks.create(
            url="https://example.com/hooks", enabled_events=["resource.ready_with_update"]
        )

    event = verify_webhook(raw_body, request_headers, endpoint.secret)
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from faraday_webhooks_api.models import (
        ResourceType,
        WebhookEndpointStatus,
        WebhookEventType,
        WebhookMessageForResourceData,
    )
    from faraday_webhooks_api.models import ValidationError as ValidationProblem

    from ._call import NOT_GIVEN
    from ._client import AsyncFaraday, Faraday
    from ._models import WebhookEndpoint
    from ._retries import RetryPolicy
    from .errors import (
        APIConnectionError,
        APIError,
        APIRequestError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ClientClosedError,
        ConfigurationError,
        ConflictError,
        ExpiredAPIKeyError,
        FaradayError,
        ForbiddenError,
        InternalServerError,
        InvalidAuthorizationError,
        InvalidRequestError,
        MalformedAPIKeyError,
        MaxResourcesReachedError,
        MissingAPIKeyError,
        NotFoundError,
        SandboxExtraMissing,
        UnexpectedResponseError,
        ValidationFailedError,
        WebhookVerificationError,
    )
    from .events import ResourceEvent, WebhookEvent
    from .verify import WebhookVerifier, sign_webhook, verify_webhook, verify_webhook_signature

    # Older names, kept: a resource event's data model, and the validation problem model
    # (a model, not an exception: ``ValidationFailedError.validation_errors`` holds them).
    WebhookEventData = WebhookMessageForResourceData
    ValidationError = ValidationProblem

# Each public name and the module it lives in. Names load on first use (PEP 562), so
# `import faraday_webhooks` costs nothing until a name is used: a client-only program
# never loads verification, and a Ctrl-C while the command line starts is caught by
# the command itself (its imports happen inside main()).
_MODELS = "faraday_webhooks_api.models"
_HOMES: dict[str, tuple[str, str]] = {
    **{
        name: (_MODELS, name)
        for name in (
            "ResourceType",
            "WebhookEndpointStatus",
            "WebhookEventType",
            "WebhookMessageForResourceData",
        )
    },
    "ValidationProblem": (_MODELS, "ValidationError"),
    "ValidationError": (_MODELS, "ValidationError"),
    "WebhookEventData": (_MODELS, "WebhookMessageForResourceData"),
    "NOT_GIVEN": ("._call", "NOT_GIVEN"),
    "Faraday": ("._client", "Faraday"),
    "AsyncFaraday": ("._client", "AsyncFaraday"),
    "WebhookEndpoint": ("._models", "WebhookEndpoint"),
    "RetryPolicy": ("._retries", "RetryPolicy"),
    "ResourceEvent": (".events", "ResourceEvent"),
    "WebhookEvent": (".events", "WebhookEvent"),
    **{
        name: (".verify", name)
        for name in (
            "WebhookVerifier",
            "sign_webhook",
            "verify_webhook",
            "verify_webhook_signature",
        )
    },
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        if name in __all__:  # an exception class: they all live in errors.py
            home = (".errors", name)
        else:
            raise AttributeError(f"module 'faraday_webhooks' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(home[0], __name__)
    value = getattr(module, home[1])
    # Kept as a module attribute: ``faraday_webhooks.verify_webhook(...)`` in a request
    # handler must not pay for this lookup on every delivery.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIRequestError",
    "APITimeoutError",
    "AsyncFaraday",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ExpiredAPIKeyError",
    "Faraday",
    "FaradayError",
    "ForbiddenError",
    "InternalServerError",
    "InvalidAuthorizationError",
    "InvalidRequestError",
    "MalformedAPIKeyError",
    "MaxResourcesReachedError",
    "MissingAPIKeyError",
    "NotFoundError",
    "ResourceEvent",
    "ResourceType",
    "RetryPolicy",
    "SandboxExtraMissing",
    "UnexpectedResponseError",
    "ValidationError",
    "ValidationFailedError",
    "ValidationProblem",
    "WebhookEndpoint",
    "WebhookEndpointStatus",
    "WebhookEvent",
    "WebhookEventData",
    "WebhookEventType",
    "WebhookMessageForResourceData",
    "WebhookVerificationError",
    "WebhookVerifier",
    "__version__",
    "sign_webhook",
    "verify_webhook",
    "verify_webhook_signature",
]
