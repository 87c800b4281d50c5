"""Resource namespaces: ``client.webhooks``."""

from .webhooks import AsyncWebhooks, Webhooks

__all__ = ["AsyncWebhooks", "Webhooks"]
