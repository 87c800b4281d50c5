"""The models users receive: the generated ones, with secrets masked in ``repr``."""

from __future__ import annotations

from faraday_api_client.models import WebhookEndpoint as GeneratedWebhookEndpoint
from faraday_api_client.models import WebhookEvent as GeneratedWebhookEvent

from ._redact import redact


class WebhookEndpoint(GeneratedWebhookEndpoint):
    """The generated ``WebhookEndpoint`` whose ``repr`` masks ``secret``.

    ``endpoint.secret`` still holds the full ``whsec_`` value: store it, never log it.

    Example::

        >>> endpoint = client.webhooks.create(url=url, enabled_events=events)  # doctest: +SKIP
        >>> endpoint.secret.startswith("whsec_"), "whsec_***" in repr(endpoint)  # doctest: +SKIP
        (True, True)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        # The generated repr lists every field, new ones included; mask what it shows.
        secrets = [self.secret] if isinstance(self.secret, str) else []
        return redact(super().__repr__(), secrets)

    __str__ = __repr__


class WebhookEvent(GeneratedWebhookEvent):
    """The generated ``WebhookEvent``, with ``type`` readable as ``event.type``.

    The generator names the field ``type_`` (it avoids the builtin's name);
    both spellings work.

    Example::

        >>> event = verify_webhook(body, headers, secret)  # doctest: +SKIP
        >>> event.type, event.data.resource_type             # doctest: +SKIP
        ('resource.ready_with_update', 'cohorts')
    """

    __slots__ = ()

    @property
    def type(self) -> str:
        """The event type, for example ``resource.ready_with_update``."""
        return self.type_
