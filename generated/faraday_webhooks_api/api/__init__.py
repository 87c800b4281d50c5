"""Contains methods for accessing the API"""

from .webhooks import (
    create_webhook_endpoint,
    delete_webhook_endpoint,
    get_webhook_endpoint,
    get_webhook_endpoints,
    update_webhook_endpoint,
)

OPERATIONS = {
    module.OPERATION_ID: module
    for module in (
        get_webhook_endpoints,
        create_webhook_endpoint,
        get_webhook_endpoint,
        delete_webhook_endpoint,
        update_webhook_endpoint,
    )
}
