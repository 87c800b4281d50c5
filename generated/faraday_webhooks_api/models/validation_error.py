from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.validation_error_context import ValidationErrorContext


T = TypeVar("T", bound="ValidationError")


@_attrs_define
class ValidationError:
    """
    Attributes:
        context (ValidationErrorContext): More information about the error.
        message (str): A human-readable error message.
        path (str): The location in the document that failed validation.
        suggestion (str | Unset): A suggestion for fixing this error.
    """

    context: ValidationErrorContext
    message: str
    path: str
    suggestion: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        context = self.context.to_dict()

        message = self.message

        path = self.path

        suggestion = self.suggestion

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "context": context,
                "message": message,
                "path": path,
            }
        )
        if suggestion is not UNSET:
            field_dict["suggestion"] = suggestion

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.validation_error_context import ValidationErrorContext

        d = dict(src_dict)
        context = ValidationErrorContext.from_dict(d.pop("context"))

        message = d.pop("message")
        if message.__class__ is not str:
            raise TypeError(
                "ValidationError.message: expected str, got " + type(message).__name__
            )

        path = d.pop("path")
        if path.__class__ is not str:
            raise TypeError(
                "ValidationError.path: expected str, got " + type(path).__name__
            )

        suggestion = d.pop("suggestion", UNSET)
        if suggestion is not None and suggestion.__class__ is not str:
            raise TypeError(
                "ValidationError.suggestion: expected str | None, got "
                + type(suggestion).__name__
            )

        validation_error = cls(
            context=context,
            message=message,
            path=path,
            suggestion=suggestion,
        )

        validation_error.additional_properties = d
        return validation_error

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
