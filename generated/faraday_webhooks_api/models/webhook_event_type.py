from enum import StrEnum


class WebhookEventType(StrEnum):
    RESOURCE_ERRORED = "resource.errored"
    RESOURCE_READY_WITH_UPDATE = "resource.ready_with_update"

    def __str__(self) -> str:
        return str(self.value)
