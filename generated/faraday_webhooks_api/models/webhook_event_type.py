from enum import StrEnum


class WebhookEventType(StrEnum):
    RESOURCE_ERRORED = "resource.errored"
    RESOURCE_READY_WITH_UPDATE = "resource.ready_with_update"

    def __str__(self) -> str:
        return str(self.value)


def parse_webhook_event_type(value: object) -> WebhookEventType:
    member = _MEMBERS.get(value) if value.__class__ is str else None
    return WebhookEventType(value) if member is None else member


_MEMBERS = {member.value: member for member in WebhookEventType}
