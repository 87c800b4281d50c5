"""Contains all the data models used in inputs/outputs"""

from .error import Error
from .error_error import ErrorError
from .resource_type import ResourceType
from .validation_error import ValidationError
from .validation_error_context import ValidationErrorContext
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_merge_patch import WebhookEndpointMergePatch
from .webhook_endpoint_post import WebhookEndpointPost
from .webhook_endpoint_status import WebhookEndpointStatus
from .webhook_event_type import WebhookEventType
from .webhook_message_for_enrichment_job import WebhookMessageForEnrichmentJob
from .webhook_message_for_enrichment_job_data import WebhookMessageForEnrichmentJobData
from .webhook_message_for_enrichment_job_data_invocation import (
    WebhookMessageForEnrichmentJobDataInvocation,
)
from .webhook_message_for_enrichment_job_data_status import (
    WebhookMessageForEnrichmentJobDataStatus,
)
from .webhook_message_for_resource import WebhookMessageForResource
from .webhook_message_for_resource_data import WebhookMessageForResourceData

__all__ = (
    "Error",
    "ErrorError",
    "ResourceType",
    "ValidationError",
    "ValidationErrorContext",
    "WebhookEndpoint",
    "WebhookEndpointMergePatch",
    "WebhookEndpointPost",
    "WebhookEndpointStatus",
    "WebhookEventType",
    "WebhookMessageForEnrichmentJob",
    "WebhookMessageForEnrichmentJobData",
    "WebhookMessageForEnrichmentJobDataInvocation",
    "WebhookMessageForEnrichmentJobDataStatus",
    "WebhookMessageForResource",
    "WebhookMessageForResourceData",
)

# Event type -> the model of its delivery body, from openapi.yaml's WebhookMessage mapping.
EVENT_MESSAGE_MODELS: dict[str, type] = {
    "resource.errored": WebhookMessageForResource,
    "resource.ready_with_update": WebhookMessageForResource,
    "enrichment_job.succeeded": WebhookMessageForEnrichmentJob,
    "enrichment_job.failed": WebhookMessageForEnrichmentJob,
    "enrichment_job.skipped": WebhookMessageForEnrichmentJob,
}
# Event type -> the model of its delivery's data, where the message names one by $ref.
EVENT_DATA_MODELS: dict[str, type] = {
    "resource.errored": WebhookMessageForResourceData,
    "resource.ready_with_update": WebhookMessageForResourceData,
    "enrichment_job.succeeded": WebhookMessageForEnrichmentJobData,
    "enrichment_job.failed": WebhookMessageForEnrichmentJobData,
    "enrichment_job.skipped": WebhookMessageForEnrichmentJobData,
}
