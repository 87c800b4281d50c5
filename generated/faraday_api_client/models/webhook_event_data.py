from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookEventData")


@_attrs_define
class WebhookEventData:
    """Which resource the event is about.

    Attributes:
        account_id (UUID):
        resource_id (UUID):
        resource_type (str): The kind of resource, for example atlases, cohorts, connections, datasets, persona_sets,
            recommenders, scopes, streams, targets, traits. A plain string so new kinds never break a receiver. Example:
            cohorts.
    """

    account_id: UUID
    resource_id: UUID
    resource_type: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        resource_id = str(self.resource_id)

        resource_type = self.resource_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "resource_id": resource_id,
                "resource_type": resource_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        resource_id = UUID(d.pop("resource_id"))

        resource_type = d.pop("resource_type")

        webhook_event_data = cls(
            account_id=account_id,
            resource_id=resource_id,
            resource_type=resource_type,
        )

        webhook_event_data.additional_properties = d
        return webhook_event_data

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
