"""Expected failures as GraphQL types: members of each payload union, with a `code`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from graphql_schema.messages import translate
from services.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from services.staff.models import Staff

strawberry.enum(
    ErrorCode,
    name="ErrorCode",
    description=(
        "Why a request was refused. Stable: switch on it, show `message` to people. "
        "INVALID_INPUT / INVALID_MSISDN / REQUIRED: fix the named field; NOT_FOUND: the id or "
        "number does not exist; ILLEGAL_TRANSITION: the complaint or refund is not in a state that "
        "allows the step; CONFLICT: someone else changed it first, reload; UNAUTHENTICATED: log "
        "in; PERMISSION_DENIED: your roles do not allow it; INVALID_CREDENTIALS: wrong login; "
        "IDEMPOTENCY_MISMATCH: the idempotency key was used before with another input; "
        "RATE_LIMITED: too many requests, retry after the Retry-After header; LIMIT_EXCEEDED: "
        "a daily cap was reached; QUICK_REFUND_NOT_ALLOWED: the quick refund is only for "
        "Monternet and own value-added charges (R-7(a), R-11), take the refund with createRefund."
    ),
)
ErrorCodeEnum = ErrorCode
R = TypeVar("R")


@strawberry.interface(description="Every expected failure: a stable code and a message for people.")
class Error:
    code: ErrorCodeEnum = strawberry.field(description="What went wrong, as a stable code.")
    message: str = strawberry.field(description="What went wrong, in words to show a person.")


@strawberry.type(description="One problem with one input field.")
class FieldProblem:
    field: str = strawberry.field(description="The input field, as named in the schema.")
    code: ErrorCodeEnum = strawberry.field(description="What is wrong with it.")
    message: str = strawberry.field(description="What is wrong with it, in words.")


@strawberry.type(description="The input was refused; `problems` lists every field at fault.")
class InputError(Error):
    field: str | None = strawberry.field(description="The first field at fault, if any.")
    problems: list[FieldProblem] = strawberry.field(description="Every field at fault.")


@strawberry.type(description="The id, number or other reference does not exist (or is not yours).")
class NotFoundError(Error):
    field: str | None = strawberry.field(description="The argument that named the missing thing.")


@strawberry.type(
    description="The complaint's (C-6) or refund's (R-11) current state does not allow this step."
)
class IllegalTransitionError(Error):
    current_status: str = strawberry.field(
        description="The state it is in now, as its enum spells it (`RECEIVED` of "
        "ComplaintStatus, `AWAITING_CONFIRMATION` of RefundStatus)."
    )
    attempted: str = strawberry.field(description="The step that was refused.")


@strawberry.type(description="Your roles do not allow this, or it is not yours to act on.")
class PermissionDeniedError(Error):
    pass


@strawberry.type(description="No valid login: send `Authorization: Bearer <token>` from `login`.")
class AuthenticationError(Error):
    pass


@strawberry.type(description="Someone else changed this at the same time; reload and retry.")
class ConflictError(Error):
    pass


def camel(name: str | None) -> str | None:
    """The rules name fields in Python (`value_fen`); the API names them `valueFen`."""
    if not name or "_" not in name:
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def error_type(exc: DomainError) -> Error:
    """The GraphQL error member for a domain failure, with field names as the API spells them."""
    exc.field = camel(exc.field)
    message = translate(exc.message, exc.code.value)  # Chinese unless asked for English
    for problem in exc.problems:
        problem.field = camel(problem.field) or problem.field
    code = ErrorCodeEnum(exc.code.value)
    if isinstance(exc, NotFound):
        return NotFoundError(code=code, message=message, field=exc.field)
    if isinstance(exc, IllegalTransition):
        return IllegalTransitionError(
            code=code,
            message=message,
            current_status=exc.current.upper(),
            attempted=exc.attempted,
        )
    if isinstance(exc, PermissionDenied):
        return PermissionDeniedError(code=code, message=message)
    if isinstance(exc, Unauthenticated):
        return AuthenticationError(code=code, message=message)
    if isinstance(exc, Conflict):
        return ConflictError(code=code, message=message)
    problems = [
        FieldProblem(
            field=p.field,
            code=ErrorCodeEnum(p.code.value),
            message=translate(p.message, p.code.value),
        )
        for p in exc.problems
    ]
    if not problems and exc.field:
        problems = [FieldProblem(field=exc.field, code=code, message=message)]
    return InputError(code=code, message=message, field=exc.field, problems=problems)


def unauthenticated() -> AuthenticationError:
    message = "Log in first: call `login` and send the token."
    return AuthenticationError(
        code=ErrorCodeEnum.UNAUTHENTICATED, message=translate(message, "UNAUTHENTICATED")
    )


async def run_mutation(
    info: strawberry.Info,
    call: Callable[[Staff], Awaitable[R]],
    result: Callable[[R, Staff], Any],
) -> Any:
    """The shape of every mutation: a login, one use case, its result or its typed refusal."""
    actor: Staff | None = info.context.staff
    if actor is None:
        return unauthenticated()
    try:
        row = await call(actor)
    except DomainError as exc:
        return error_type(exc)
    return result(row, actor)
