"""Test helpers: a local Faraday sandbox, a verifying webhook receiver, a pytest fixture.

Importing this package loads nothing heavy; the sandbox needs the ``sandbox``
extra (``pip install 'faraday-webhooks[sandbox]'``) only when it serves.

Example:

```python
from faraday_webhooks.testing import Sandbox, WebhookReceiver
```
"""

from .receiver import ReceivedDelivery, WebhookReceiver
from .sandbox import (
    DEFAULT_API_KEY,
    FAULT_HEADER,
    SVIX_RETRY_SCHEDULE,
    Delivery,
    DeliveryAttempt,
    RecordedRequest,
    Sandbox,
)

__all__ = [
    "DEFAULT_API_KEY",
    "FAULT_HEADER",
    "SVIX_RETRY_SCHEDULE",
    "Delivery",
    "DeliveryAttempt",
    "ReceivedDelivery",
    "RecordedRequest",
    "Sandbox",
    "WebhookReceiver",
]
