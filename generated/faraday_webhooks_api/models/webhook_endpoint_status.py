from enum import StrEnum


class WebhookEndpointStatus(StrEnum):
    DISABLED = "disabled"
    ENABLED = "enabled"

    def __str__(self) -> str:
        return str(self.value)


def parse_webhook_endpoint_status(value: object) -> WebhookEndpointStatus:
    member = _MEMBERS.get(value) if value.__class__ is str else None
    return WebhookEndpointStatus(value) if member is None else member


_MEMBERS = {member.value: member for member in WebhookEndpointStatus}
