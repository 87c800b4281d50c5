from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_endpoint_status import WebhookEndpointStatus
from ..models.webhook_event_type import WebhookEventType
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpointMergePatch")


@_attrs_define
class WebhookEndpointMergePatch:
    """A JSON merge patch (RFC 7396) of a webhook endpoint: only the fields present are changed.

    Attributes:
        enabled_events (list[str | WebhookEventType] | Unset): The event types to enable for this endpoint.
        status (WebhookEndpointStatus | Unset): The status of the webhook. It can be either enabled or disabled.
        url (str | Unset): The URL of the webhook endpoint. Example: https://hooks.slack.com/services/....
    """

    enabled_events: list[str | WebhookEventType] | Unset = UNSET
    status: WebhookEndpointStatus | Unset = UNSET
    url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enabled_events: list[str] | Unset = UNSET
        if not isinstance(self.enabled_events, Unset):
            enabled_events = []
            for enabled_events_item_data in self.enabled_events:
                enabled_events_item: str
                if isinstance(enabled_events_item_data, WebhookEventType):
                    enabled_events_item = enabled_events_item_data.value
                else:
                    enabled_events_item = enabled_events_item_data
                enabled_events.append(enabled_events_item)

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if enabled_events is not UNSET:
            field_dict["enabled_events"] = enabled_events
        if status is not UNSET:
            field_dict["status"] = status
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        _enabled_events = d.pop("enabled_events", UNSET)
        enabled_events: list[str | WebhookEventType] | Unset = UNSET
        if _enabled_events is not UNSET:
            enabled_events = []
            for enabled_events_item_data in _enabled_events:

                def _parse_enabled_events_item(data: object) -> str | WebhookEventType:
                    try:
                        if not isinstance(data, str):
                            raise TypeError()
                        enabled_events_item_type_0 = WebhookEventType(data)

                        return enabled_events_item_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(str | WebhookEventType, data)

                enabled_events_item = _parse_enabled_events_item(
                    enabled_events_item_data
                )

                enabled_events.append(enabled_events_item)

        _status = d.pop("status", UNSET)
        status: WebhookEndpointStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = WebhookEndpointStatus(_status)

        url = d.pop("url", UNSET)
        if url is not None and url.__class__ is not str:
            raise TypeError(
                "WebhookEndpointMergePatch.url: expected str | None, got "
                + type(url).__name__
            )

        webhook_endpoint_merge_patch = cls(
            enabled_events=enabled_events,
            status=status,
            url=url,
        )

        webhook_endpoint_merge_patch.additional_properties = d
        return webhook_endpoint_merge_patch

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
