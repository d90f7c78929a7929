"""Logging in, changing one's password, and who am I."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry

from graphql_schema.errors import (
    AuthenticationError,
    Error,
    InputError,
    error_type,
    unauthenticated,
)
from graphql_schema.permissions import IsAuthenticated
from graphql_schema.staff.types import StaffMember
from services.config import settings
from services.errors import DomainError
from services.staff import lifecycle, service
from services.staff.models import Staff
from services.staff.throttle import LoginThrottled


@strawberry.type(description="Logged in: send `Authorization: Bearer <token>` with every request.")
class LoginSuccess:
    token: str = strawberry.field(
        description="Bearer token; signed, expires at `expiresAt`, revoked earlier by a password "
        "change, deactivation or logging out everywhere."
    )
    expires_at: datetime = strawberry.field(description="When the token stops working.")
    staff: StaffMember = strawberry.field(description="Who you are logged in as.")

    @classmethod
    def for_staff(cls, staff: Staff) -> LoginSuccess:
        return cls(
            token=service.issue_token(staff),
            expires_at=datetime.now(UTC) + timedelta(seconds=settings.token_ttl_seconds),
            staff=StaffMember.from_row(staff),
        )


@strawberry.type(
    description="Too many failed logins from this address or for this account (the console's "
    "and the API's together), or more than one `login` in one request: wait and retry."
)
class LoginThrottledError(Error):
    retry_after_seconds: int = strawberry.field(description="Seconds to wait before retrying.")


LoginPayload = Annotated[
    LoginSuccess | AuthenticationError | LoginThrottledError,
    strawberry.union("LoginPayload", description="A token, or why logging in failed."),
]
ChangePasswordPayload = Annotated[
    LoginSuccess | AuthenticationError | LoginThrottledError | InputError,
    strawberry.union(
        "ChangePasswordPayload",
        description="A fresh token (every earlier one is revoked), or why the change was refused.",
    ),
]


def _refusal(info: strawberry.Info, exc: DomainError) -> Any:
    if isinstance(exc, LoginThrottled):
        if info.context.response is not None:
            info.context.response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return LoginThrottledError(
            code=exc.code, message=exc.message, retry_after_seconds=exc.retry_after_seconds
        )
    return error_type(exc)


def _second_password_check(info: strawberry.Info) -> LoginThrottledError | None:
    """`login` and `changePassword` check one password per request between them: aliases
    cannot batch guesses (the throttle counts each all the same)."""
    info.context.logins_tried += 1
    if info.context.logins_tried == 1:
        return None
    return LoginThrottledError(
        code=LoginThrottled.code,
        message="One login per request: this request already tried one.",  # api.one_login
        retry_after_seconds=0,
    )


def _address(info: strawberry.Info) -> str:
    client = info.context.request.client
    return client.host if client else "unknown"


@strawberry.type
class StaffQueries:
    @strawberry.field(
        description="The logged-in member of staff.", permission_classes=[IsAuthenticated]
    )
    def me(self, info: strawberry.Info) -> StaffMember:
        return StaffMember.from_row(info.context.staff)


@strawberry.type
class StaffMutations:
    @strawberry.mutation(
        description="Log in with username and password; the only anonymous call. One per "
        "request; failures are throttled per address and per account (`LoginThrottledError`)."
    )
    async def login(self, info: strawberry.Info, username: str, password: str) -> LoginPayload:
        if (second := _second_password_check(info)) is not None:
            return second  # type: ignore[return-value]
        try:
            staff = await service.log_in(
                username=username, password=password, address=_address(info)
            )
        except DomainError as exc:
            return _refusal(info, exc)  # type: ignore[no-any-return]
        return LoginSuccess.for_staff(staff)

    @strawberry.mutation(
        description="Change your own password (the current one is checked like a login). Every "
        "token and console session of yours ends; use the new token returned."
    )
    async def change_password(
        self, info: strawberry.Info, current_password: str, new_password: str
    ) -> ChangePasswordPayload:
        actor: Staff | None = info.context.staff
        if actor is None:
            return unauthenticated()
        if (second := _second_password_check(info)) is not None:
            return second  # type: ignore[return-value]
        try:
            staff = await lifecycle.change_own_password(
                staff=actor,
                current_password=current_password,
                new_password=new_password,
                address=_address(info),
            )
        except DomainError as exc:
            return _refusal(info, exc)  # type: ignore[no-any-return]
        return LoginSuccess.for_staff(staff)
