from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_error import ErrorError
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.validation_error import ValidationError


T = TypeVar("T", bound="Error")


@_attrs_define
class Error:
    """
    Attributes:
        error (ErrorError): A Faraday error code. Generic HTTP errors: BAD_REQUEST, FORBIDDEN, MAX_RESOURCES_REACHED,
            INTERNAL_SERVER_ERROR, INVALID_AUTHORIZATION, NOT_FOUND. API key errors: MALFORMED_API_KEY, MISSING_API_KEY,
            EXPIRED_API_KEY. Application errors: VALIDATION_FAILED (a parameter or request could not be validated), CONFLICT
            (well-formed, but conflicts with an existing resource). Example: ERROR_TYPE.
        id (UUID): A unique ID for this error. Please include this in bug reports. Example:
            082f9513-901c-4308-8081-902a8fe22d7e.
        note (str): A human-readable description of the error. Example: An error occurred.
        validation_errors (list[ValidationError] | Unset): JSON Schema validation errors, if any.
    """

    error: ErrorError
    id: UUID
    note: str
    validation_errors: list[ValidationError] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error.value

        id = str(self.id)

        note = self.note

        validation_errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.validation_errors, Unset):
            validation_errors = []
            for validation_errors_item_data in self.validation_errors:
                validation_errors_item = validation_errors_item_data.to_dict()
                validation_errors.append(validation_errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "id": id,
                "note": note,
            }
        )
        if validation_errors is not UNSET:
            field_dict["validationErrors"] = validation_errors

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.validation_error import ValidationError

        d = dict(src_dict)
        error = ErrorError(d.pop("error"))

        id = UUID(d.pop("id"))

        note = d.pop("note")
        if note.__class__ is not str:
            raise TypeError("Error.note: expected str, got " + type(note).__name__)

        _validation_errors = d.pop("validationErrors", UNSET)
        validation_errors: list[ValidationError] | Unset = UNSET
        if _validation_errors is not UNSET:
            validation_errors = []
            for validation_errors_item_data in _validation_errors:
                validation_errors_item = ValidationError.from_dict(
                    validation_errors_item_data
                )

                validation_errors.append(validation_errors_item)

        error = cls(
            error=error,
            id=id,
            note=note,
            validation_errors=validation_errors,
        )

        error.additional_properties = d
        return error

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
