from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookEndpointPost")


@_attrs_define
class WebhookEndpointPost:
    """The definition of the new webhook endpoint

    Attributes:
        enabled_events (list[str]): The event types to enable for this endpoint.
        url (str): The URL of the webhook endpoint. Example: https://hooks.slack.com/services/....
    """

    enabled_events: list[str]
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enabled_events = self.enabled_events

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
        enabled_events = cast(list[str], d.pop("enabled_events"))

        if type(enabled_events) is not list or not all(
            map((str,).__contains__, map(type, enabled_events))
        ):
            raise TypeError(
                "WebhookEndpointPost.enabled_events: expected list[str], got "
                + type(enabled_events).__name__
            )

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
