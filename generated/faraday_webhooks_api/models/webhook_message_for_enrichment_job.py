from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_event_type import WebhookEventType

if TYPE_CHECKING:
    from ..models.webhook_message_for_enrichment_job_data import (
        WebhookMessageForEnrichmentJobData,
    )


T = TypeVar("T", bound="WebhookMessageForEnrichmentJob")


@_attrs_define
class WebhookMessageForEnrichmentJob:
    """A delivery about an enrichment job (ahead of Faraday's master: its client's `project` branch).

    Attributes:
        data (WebhookMessageForEnrichmentJobData): What happened to one run of an enrichment.
        timestamp (datetime.datetime): When the event happened.
        type_ (WebhookEventType): The event types Faraday's published models name. Faraday adds types over time
            (enrichment_job.succeeded is next), so a receiver must treat a type it does not know as a valid delivery, not an
            error.
    """

    data: WebhookMessageForEnrichmentJobData
    timestamp: datetime.datetime
    type_: WebhookEventType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data.to_dict()

        timestamp = self.timestamp.isoformat()

        type_ = self.type_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "timestamp": timestamp,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.webhook_message_for_enrichment_job_data import (
            WebhookMessageForEnrichmentJobData,
        )

        d = dict(src_dict)
        data = WebhookMessageForEnrichmentJobData.from_dict(d.pop("data"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=datetime.UTC)

        type_ = WebhookEventType(d.pop("type"))

        webhook_message_for_enrichment_job = cls(
            data=data,
            timestamp=timestamp,
            type_=type_,
        )

        webhook_message_for_enrichment_job.additional_properties = d
        return webhook_message_for_enrichment_job

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
