"""Contains some shared types for properties"""

from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from types import NoneType
from typing import IO, Any, BinaryIO, Generic, TypeAlias, TypeVar
from uuid import UUID, SafeUUID

from attrs import define

# An optional field that was not sent is None (see generator-templates/types.py.jinja).
Unset: TypeAlias = NoneType  # type: ignore[nonetype-type]
UNSET: Unset = None

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


# UUID keeps its value in two slots, which UUID.__init__ writes with object.__setattr__
# (the class is immutable); parse_uuid writes them the same way (psycopg does likewise).
_new_object = object.__new__
_set_uuid_int: Any = getattr(UUID.__dict__.get("int"), "__set__", None)
_set_uuid_is_safe: Any = getattr(UUID.__dict__.get("is_safe"), "__set__", None)
# What UUID(value) records as is_safe; read once, as enum member lookups cost.
_SAFETY_UNKNOWN = SafeUUID.unknown


def parse_uuid(value: Any) -> UUID:
    """``UUID(value)``: the same result, or the same exception, for any value.

    Every generated ``from_dict`` reads its UUID fields through this. For a string
    it does what ``UUID.__init__`` does with one (drop the hyphens, check 32 digits
    remain, ``int(..., 16)``) without the generic keyword handling that makes that
    call cost nearly twice as much. A string with ``urn:uuid:`` or braces fails
    ``int()`` here and goes to ``UUID`` itself, as does any other value.

    Example::

        >>> parse_uuid("2C1881C4-A0C0-424D-89E1-B481F3CB118C")
        UUID('2c1881c4-a0c0-424d-89e1-b481f3cb118c')
    """
    if value.__class__ is str:
        digits = value.replace("-", "")
        if len(digits) == 32:
            try:
                number = int(digits, 16)
            except ValueError:
                pass  # UUID(value) raises its own error below
            else:
                made: UUID = _new_object(UUID)
                _set_uuid_int(made, number)
                _set_uuid_is_safe(made, _SAFETY_UNKNOWN)
                return made
    return UUID(value)


def _fast_path_builds_what_uuid_builds() -> bool:
    """Checked once at import: on a Python whose UUID is built otherwise (a C class, say),
    parse_uuid is UUID itself."""
    sample = "2c1881c4-a0c0-424d-89e1-b481f3cb118c"
    try:
        made, expected = parse_uuid(sample), UUID(sample)
    except Exception:  # noqa: BLE001 - any failure means: do not use the fast path
        return False
    return (made, made.is_safe, hash(made), str(made)) == (
        expected,
        expected.is_safe,
        hash(expected),
        str(expected),
    )


if (
    not _fast_path_builds_what_uuid_builds()
):  # pragma: no cover - CPython's UUID has the slots
    parse_uuid = UUID  # type: ignore[assignment]


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


__all__ = [
    "UNSET",
    "File",
    "FileTypes",
    "RequestFiles",
    "Response",
    "Unset",
    "parse_uuid",
]
