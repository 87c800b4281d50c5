from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_event_type import WebhookEventType

T = TypeVar("T", bound="WebhookEndpointPost")


@_attrs_define
class WebhookEndpointPost:
    """The definition of the new webhook endpoint

    Attributes:
        enabled_events (list[str | WebhookEventType]): The event types to enable for this endpoint.
        url (str): The URL of the webhook endpoint. Example: https://hooks.slack.com/services/....
    """

    enabled_events: list[str | WebhookEventType]
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enabled_events = []
        for enabled_events_item_data in self.enabled_events:
            enabled_events_item: str
            if isinstance(enabled_events_item_data, WebhookEventType):
                enabled_events_item = enabled_events_item_data.value
            else:
                enabled_events_item = enabled_events_item_data
            enabled_events.append(enabled_events_item)

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "enabled_events": enabled_events,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        enabled_events = []
        _enabled_events = d.pop("enabled_events")
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

            enabled_events_item = _parse_enabled_events_item(enabled_events_item_data)

            enabled_events.append(enabled_events_item)

        url = d.pop("url")
        if url.__class__ is not str:
            raise TypeError(
                "WebhookEndpointPost.url: expected str, got " + type(url).__name__
            )

        webhook_endpoint_post = cls(
            enabled_events=enabled_events,
            url=url,
        )

        webhook_endpoint_post.additional_properties = d
        return webhook_endpoint_post

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
