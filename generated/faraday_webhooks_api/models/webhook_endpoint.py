from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_endpoint_status import WebhookEndpointStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpoint")


@_attrs_define
class WebhookEndpoint:
    """
    Attributes:
        created_at (datetime.datetime): When this webhook endpoint was created.
        enabled_events (list[str]): The event types to enable for this endpoint.
        id (UUID):  Example: 2c1881c4-a0c0-424d-89e1-b481f3cb118c.
        status (WebhookEndpointStatus): The status of the webhook. It can be either enabled or disabled.
        updated_at (datetime.datetime): When this webhook endpoint was last updated.
        url (str): The URL of the webhook endpoint. Example: https://hooks.slack.com/services/....
        secret (str | Unset): Symmetric signing key - base64 encoded random bytes prefixed with `whsec_` Example:
            whsec_....
    """

    created_at: datetime.datetime
    enabled_events: list[str]
    id: UUID
    status: WebhookEndpointStatus
    updated_at: datetime.datetime
    url: str
    secret: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        enabled_events = self.enabled_events

        id = str(self.id)

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        url = self.url

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "enabled_events": enabled_events,
                "id": id,
                "status": status,
                "updated_at": updated_at,
                "url": url,
            }
        )
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=datetime.UTC)

        enabled_events = cast(list[str], d.pop("enabled_events"))

        if type(enabled_events) is not list or not all(
            map((str,).__contains__, map(type, enabled_events))
        ):
            raise TypeError(
                "WebhookEndpoint.enabled_events: expected list[str], got "
                + type(enabled_events).__name__
            )

        id = UUID(d.pop("id"))

        status = WebhookEndpointStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        if updated_at.tzinfo is None:
            updated_at = updated_at.replace(tzinfo=datetime.UTC)

        url = d.pop("url")
        if url.__class__ is not str:
            raise TypeError(
                "WebhookEndpoint.url: expected str, got " + type(url).__name__
            )

        secret = d.pop("secret", UNSET)
        if secret is not None and secret.__class__ is not str:
            raise TypeError(
                "WebhookEndpoint.secret: expected str | None, got "
                + type(secret).__name__
            )

        webhook_endpoint = cls(
            created_at=created_at,
            enabled_events=enabled_events,
            id=id,
            status=status,
            updated_at=updated_at,
            url=url,
            secret=secret,
        )

        webhook_endpoint.additional_properties = d
        return webhook_endpoint

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
