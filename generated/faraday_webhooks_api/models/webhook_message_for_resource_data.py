from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.resource_type import ResourceType

T = TypeVar("T", bound="WebhookMessageForResourceData")


@_attrs_define
class WebhookMessageForResourceData:
    """The data associated with the event. The structure of this object will depend on the event type.

    Attributes:
        account_id (UUID):
        resource_id (UUID):
        resource_type (ResourceType | str): The kind of resource; one of ResourceType, or a kind added since. Example:
            cohorts.
    """

    account_id: UUID
    resource_id: UUID
    resource_type: ResourceType | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        resource_id = str(self.resource_id)

        resource_type: str
        if isinstance(self.resource_type, ResourceType):
            resource_type = self.resource_type.value
        else:
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

        def _parse_resource_type(data: object) -> ResourceType | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resource_type_type_0 = ResourceType(data)

                return resource_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ResourceType | str, data)

        resource_type = _parse_resource_type(d.pop("resource_type"))

        if not isinstance(resource_type, (ResourceType, str)):
            raise TypeError(
                "WebhookMessageForResourceData.resource_type: expected ResourceType | str, got "
                + type(resource_type).__name__
            )

        webhook_message_for_resource_data = cls(
            account_id=account_id,
            resource_id=resource_id,
            resource_type=resource_type,
        )

        webhook_message_for_resource_data.additional_properties = d
        return webhook_message_for_resource_data

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
