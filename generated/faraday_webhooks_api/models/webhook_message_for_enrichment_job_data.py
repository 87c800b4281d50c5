from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_message_for_enrichment_job_data_invocation import (
    WebhookMessageForEnrichmentJobDataInvocation,
)
from ..models.webhook_message_for_enrichment_job_data_status import (
    WebhookMessageForEnrichmentJobDataStatus,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookMessageForEnrichmentJobData")


@_attrs_define
class WebhookMessageForEnrichmentJobData:
    """What happened to one run of an enrichment.

    Attributes:
        account_id (UUID):
        enrichment_id (UUID):
        enrichment_job_id (UUID):
        invocation (WebhookMessageForEnrichmentJobDataInvocation):
        status (WebhookMessageForEnrichmentJobDataStatus):
        scheduled_for (datetime.datetime | Unset):
        skip_note (str | Unset):
        status_error (str | Unset):
    """

    account_id: UUID
    enrichment_id: UUID
    enrichment_job_id: UUID
    invocation: WebhookMessageForEnrichmentJobDataInvocation
    status: WebhookMessageForEnrichmentJobDataStatus
    scheduled_for: datetime.datetime | Unset = UNSET
    skip_note: str | Unset = UNSET
    status_error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        enrichment_id = str(self.enrichment_id)

        enrichment_job_id = str(self.enrichment_job_id)

        invocation = self.invocation.value

        status = self.status.value

        scheduled_for: str | Unset = UNSET
        if not isinstance(self.scheduled_for, Unset):
            scheduled_for = self.scheduled_for.isoformat()

        skip_note = self.skip_note

        status_error = self.status_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "enrichment_id": enrichment_id,
                "enrichment_job_id": enrichment_job_id,
                "invocation": invocation,
                "status": status,
            }
        )
        if scheduled_for is not UNSET:
            field_dict["scheduled_for"] = scheduled_for
        if skip_note is not UNSET:
            field_dict["skip_note"] = skip_note
        if status_error is not UNSET:
            field_dict["status_error"] = status_error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        enrichment_id = UUID(d.pop("enrichment_id"))

        enrichment_job_id = UUID(d.pop("enrichment_job_id"))

        invocation = WebhookMessageForEnrichmentJobDataInvocation(d.pop("invocation"))

        status = WebhookMessageForEnrichmentJobDataStatus(d.pop("status"))

        _scheduled_for = d.pop("scheduled_for", UNSET)
        scheduled_for: datetime.datetime | Unset
        if isinstance(_scheduled_for, Unset):
            scheduled_for = UNSET
        else:
            scheduled_for = datetime.datetime.fromisoformat(_scheduled_for)

        if scheduled_for is not None and scheduled_for.tzinfo is None:
            scheduled_for = scheduled_for.replace(tzinfo=datetime.UTC)

        skip_note = d.pop("skip_note", UNSET)
        if skip_note is not None and skip_note.__class__ is not str:
            raise TypeError(
                "WebhookMessageForEnrichmentJobData.skip_note: expected str | None, got "
                + type(skip_note).__name__
            )

        status_error = d.pop("status_error", UNSET)
        if status_error is not None and status_error.__class__ is not str:
            raise TypeError(
                "WebhookMessageForEnrichmentJobData.status_error: expected str | None, got "
                + type(status_error).__name__
            )

        webhook_message_for_enrichment_job_data = cls(
            account_id=account_id,
            enrichment_id=enrichment_id,
            enrichment_job_id=enrichment_job_id,
            invocation=invocation,
            status=status,
            scheduled_for=scheduled_for,
            skip_note=skip_note,
            status_error=status_error,
        )

        webhook_message_for_enrichment_job_data.additional_properties = d
        return webhook_message_for_enrichment_job_data

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
