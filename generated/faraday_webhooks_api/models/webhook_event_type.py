from enum import StrEnum


class WebhookEventType(StrEnum):
    ENRICHMENT_JOB_FAILED = "enrichment_job.failed"
    ENRICHMENT_JOB_SKIPPED = "enrichment_job.skipped"
    ENRICHMENT_JOB_SUCCEEDED = "enrichment_job.succeeded"
    RESOURCE_ERRORED = "resource.errored"
    RESOURCE_READY_WITH_UPDATE = "resource.ready_with_update"

    def __str__(self) -> str:
        return str(self.value)
