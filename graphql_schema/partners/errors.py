"""The partner API's refusals: typed members of each mutation's payload, top-level errors with
an `extensions.code` on queries (as the staff API answers an unauthenticated query)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, NoReturn, TypeVar

import strawberry
from graphql import GraphQLError

from graphql_schema.errors import Error, ErrorCodeEnum, error_type
from graphql_schema.partners.context import PartnerContext
from services.errors import DomainError
from services.partners.keys import PartnerKey
from services.partners.limits import LimitExceeded, RateLimited

R = TypeVar("R")


@strawberry.type(description="Too many requests with this API key: wait and retry.")
class RateLimitedError(Error):
    retry_after_seconds: int = strawberry.field(description="Seconds to wait before retrying.")


@strawberry.type(description="Your daily dispute cap is reached: retry after it resets.")
class LimitExceededError(Error):
    limit: int = strawberry.field(description="Disputes you may submit per day.")
    resets_at: datetime = strawberry.field(description="When the cap resets (operator midnight).")


def partner_error(exc: DomainError) -> Any:
    """The payload member for a refusal: the partner API's own, else the shared ones."""
    code = ErrorCodeEnum(exc.code.value)
    if isinstance(exc, RateLimited):
        return RateLimitedError(
            code=code, message=exc.message, retry_after_seconds=exc.retry_after_seconds
        )
    if isinstance(exc, LimitExceeded):
        return LimitExceededError(
            code=code, message=exc.message, limit=exc.limit, resets_at=exc.resets_at
        )
    return error_type(exc)


def refuse(exc: DomainError) -> NoReturn:
    """A query's refusal: a top-level error whose extensions carry the code."""
    extensions: dict[str, Any] = {"code": exc.code.value}
    if isinstance(exc, RateLimited):
        extensions["retryAfterSeconds"] = exc.retry_after_seconds
    if exc.field:
        extensions["field"] = exc.field
    raise GraphQLError(exc.message, extensions=extensions)


async def caller(info: strawberry.Info) -> PartnerKey:
    """The authenticated partner of a query, within the key's rate (one token per request)."""
    context: PartnerContext = info.context
    if context.partner is None:  # pragma: no cover - the view answers 401 first
        raise GraphQLError("Send your API key.", extensions={"code": "UNAUTHENTICATED"})
    refusal = await context.query_token()
    if refusal is not None:
        refuse(refusal)
    return context.partner


async def run_partner_mutation(
    info: strawberry.Info,
    call: Callable[[PartnerKey], Awaitable[R]],
    result: Callable[[R], Any],
) -> Any:
    """Every partner mutation: a token of the rate limit (each mutation field takes one,
    aliases included), one use case, its result or typed refusal."""
    context: PartnerContext = info.context
    refusal = await context.take_token()
    if refusal is not None:
        return partner_error(refusal)
    assert context.partner is not None  # the view answers 401 without a key
    try:
        row = await call(context.partner)
    except DomainError as exc:
        return partner_error(exc)
    return result(row)
