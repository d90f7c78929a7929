"""Expected failures of the domain, each with a stable code the API hands to its callers."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_MSISDN = "INVALID_MSISDN"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_MISMATCH"
    RATE_LIMITED = "RATE_LIMITED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    QUICK_REFUND_NOT_ALLOWED = "QUICK_REFUND_NOT_ALLOWED"


class DomainError(Exception):
    """A failure the caller can act on; never a bug."""

    code: ErrorCode = ErrorCode.INVALID_INPUT

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        field: str | None = None,
        problems: list[Problem] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = problems or []
        if code is not None:
            self.code = code


class Problem:
    """One thing wrong with one input field."""

    __slots__ = ("code", "field", "message")

    def __init__(self, field: str, code: ErrorCode, message: str):
        self.field = field
        self.code = code
        self.message = message


class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class IllegalTransition(DomainError):
    code = ErrorCode.ILLEGAL_TRANSITION

    def __init__(self, message: str, *, current: str, attempted: str):
        super().__init__(message)
        self.current = current
        self.attempted = attempted


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED
