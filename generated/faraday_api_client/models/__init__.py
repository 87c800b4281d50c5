"""Contains all the data models used in inputs/outputs"""

from .error import Error
from .error_error import ErrorError
from .validation_error import ValidationError
from .validation_error_context import ValidationErrorContext
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_merge_patch import WebhookEndpointMergePatch
from .webhook_endpoint_post import WebhookEndpointPost
from .webhook_endpoint_status import WebhookEndpointStatus
from .webhook_event import WebhookEvent
from .webhook_event_data import WebhookEventData

__all__ = (
    "Error",
    "ErrorError",
    "ValidationError",
    "ValidationErrorContext",
    "WebhookEndpoint",
    "WebhookEndpointMergePatch",
    "WebhookEndpointPost",
    "WebhookEndpointStatus",
    "WebhookEvent",
    "WebhookEventData",
)
