"""The endpoint model users receive: the generated one, with its secret masked in ``repr``."""

from __future__ import annotations

from typing import Any

from faraday_webhooks_api.models import WebhookEndpoint as GeneratedWebhookEndpoint

from ._redact import redact


class WebhookEndpoint(GeneratedWebhookEndpoint):
    """The generated ``WebhookEndpoint`` whose ``repr`` masks ``secret``.

    ``endpoint.secret`` still holds the full ``whsec_`` value: store it, never log it.

    Example:

    ```python
    endpoint = client.webhooks.create(url=url, enabled_events=events)
    assert endpoint.secret.startswith("whsec_") and "whsec_***" in repr(endpoint)
    ```
    """

    __slots__ = ()

    def __repr__(self) -> str:
        # The generated repr lists every field, new ones included; mask what it shows.
        secrets = [self.secret] if self.secret else []
        return redact(super().__repr__(), secrets)

    __str__ = __repr__


# Generated model -> the class users receive instead (a subclass: every field, a safe repr).
PUBLIC_MODELS: dict[type[Any], type[Any]] = {GeneratedWebhookEndpoint: WebhookEndpoint}
