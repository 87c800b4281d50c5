"""faraday-webhooks: register Faraday webhook endpoints and trust what they deliver.

Example:

```python
from faraday_webhooks import Faraday, verify_webhook

with Faraday() as client:  # FARADAY_API_KEY from the environment
    endpoint = client.webhooks.create(
        url="https://example.com/hooks", enabled_events=["resource.ready_with_update"]
    )

event = verify_webhook(raw_body, request_headers, endpoint.secret)
```
"""

from faraday_webhooks_api.models import (
    ResourceType,
    WebhookEndpointStatus,
    WebhookEventType,
    WebhookMessageForResourceData,
)
from faraday_webhooks_api.models import ValidationError as ValidationProblem

from . import errors
from ._base_client import NOT_GIVEN
from ._client import AsyncFaraday, Faraday
from ._models import WebhookEndpoint
from ._retries import RetryPolicy
from ._version import __version__
from .errors import *  # noqa: F403 - the exception tree, as errors.__all__ names it
from .events import EnrichmentJobEvent, ResourceEvent, WebhookEvent
from .verify import WebhookVerifier, sign_webhook, verify_webhook, verify_webhook_signature

# Older names, kept: a resource event's data model, and the validation problem model
# (a model, not an exception: ``ValidationFailedError.validation_errors`` holds them).
WebhookEventData = WebhookMessageForResourceData
ValidationError = ValidationProblem

__all__ = [
    "NOT_GIVEN",
    "AsyncFaraday",
    "EnrichmentJobEvent",
    "Faraday",
    "ResourceEvent",
    "ResourceType",
    "RetryPolicy",
    "ValidationError",
    "ValidationProblem",
    "WebhookEndpoint",
    "WebhookEndpointStatus",
    "WebhookEvent",
    "WebhookEventData",
    "WebhookEventType",
    "WebhookMessageForResourceData",
    "WebhookVerifier",
    "__version__",
    "sign_webhook",
    "verify_webhook",
    "verify_webhook_signature",
]
__all__ += errors.__all__
