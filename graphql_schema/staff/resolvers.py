"""Logging in, and who am I."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import strawberry

from graphql_schema.errors import AuthenticationError, error_type
from graphql_schema.permissions import IsAuthenticated
from graphql_schema.staff.types import StaffMember
from services.config import settings
from services.errors import Unauthenticated
from services.staff import service


@strawberry.type(description="Logged in: send `Authorization: Bearer <token>` with every request.")
class LoginSuccess:
    token: str = strawberry.field(description="Bearer token; signed, expires at `expiresAt`.")
    expires_at: datetime = strawberry.field(description="When the token stops working.")
    staff: StaffMember = strawberry.field(description="Who you are logged in as.")


LoginPayload = Annotated[
    LoginSuccess | AuthenticationError,
    strawberry.union("LoginPayload", description="A token, or why logging in failed."),
]


@strawberry.type
class StaffQueries:
    @strawberry.field(
        description="The logged-in member of staff.", permission_classes=[IsAuthenticated]
    )
    def me(self, info: strawberry.Info) -> StaffMember:
        return StaffMember.from_row(info.context.staff)


@strawberry.type
class StaffMutations:
    @strawberry.mutation(description="Log in with username and password; the only anonymous call.")
    async def login(self, username: str, password: str) -> LoginPayload:
        try:
            staff = await service.authenticate(username=username, password=password)
        except Unauthenticated as exc:
            return error_type(exc)  # type: ignore[return-value]
        return LoginSuccess(
            token=service.issue_token(staff),
            expires_at=datetime.now(UTC) + timedelta(seconds=settings.token_ttl_seconds),
            staff=StaffMember.from_row(staff),
        )
