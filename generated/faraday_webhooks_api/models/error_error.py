from enum import StrEnum


class ErrorError(StrEnum):
    BAD_REQUEST = "BAD_REQUEST"
    CONFLICT = "CONFLICT"
    EXPIRED_API_KEY = "EXPIRED_API_KEY"
    FORBIDDEN = "FORBIDDEN"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_AUTHORIZATION = "INVALID_AUTHORIZATION"
    MALFORMED_API_KEY = "MALFORMED_API_KEY"
    MAX_RESOURCES_REACHED = "MAX_RESOURCES_REACHED"
    MISSING_API_KEY = "MISSING_API_KEY"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION_FAILED = "VALIDATION_FAILED"

    def __str__(self) -> str:
        return str(self.value)


def parse_error_error(value: object) -> ErrorError:
    member = _MEMBERS.get(value) if value.__class__ is str else None
    return ErrorError(value) if member is None else member


_MEMBERS = {member.value: member for member in ErrorError}
