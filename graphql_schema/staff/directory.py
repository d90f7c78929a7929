"""The staff directory and departments: what an "assign to" picker lists."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from graphql_schema.enums import Role, Track
from graphql_schema.ids import parse_optional_id
from graphql_schema.permissions import IsAuthenticated, denied
from graphql_schema.staff.types import Department, StaffMember
from services.errors import NotFound, PermissionDenied
from services.staff import directory


@strawberry.input(description="Narrow the staff directory; every given criterion must hold (AND).")
class StaffFilterInput:
    roles: list[Role] | None = strawberry.field(
        default=None, description="Holding any of these roles."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Working in this department."
    )
    band: int | None = strawberry.field(
        default=None,
        description="R-12: may approve refunds of this band (0-4): their highest approving role "
        "covers it. Add `track` for the approvers of one track.",
    )
    track: Track | None = strawberry.field(default=None, description="On this track.")
    include_inactive: bool | None = strawberry.field(
        default=None, description="true: deactivated accounts too (they are left out otherwise)."
    )


def to_criteria(f: StaffFilterInput | None) -> directory.StaffFilter:
    f = f or StaffFilterInput()
    try:
        department_id = parse_optional_id(f.department_id, field="departmentId", kind="Department")
    except NotFound as exc:
        raise GraphQLError(
            exc.message, extensions={"code": "INVALID_INPUT", "field": "departmentId"}
        ) from None
    return directory.StaffFilter(
        roles=tuple(f.roles or ()),
        department_id=department_id,
        approves_band=f.band,
        track=f.track,
        include_inactive=bool(f.include_inactive),
    )


@strawberry.type
class DirectoryQueries:
    @strawberry.field(
        description="Members of staff matching `filter`, by display name, at most `first` "
        '(1-100): an "assign to" picker lists `staff(filter: {roles: [HANDLER, TEAM_LEAD], '
        "departmentId: …})`; partner intake accounts are never listed.",
        permission_classes=[IsAuthenticated],
    )
    async def staff(
        self, info: strawberry.Info, filter: StaffFilterInput | None = None, first: int = 100
    ) -> list[StaffMember]:
        try:
            rows = await directory.list_staff(
                actor=info.context.staff, criteria=to_criteria(filter), first=first
            )
        except PermissionDenied as exc:
            raise denied(exc) from None
        return [StaffMember.from_row(r) for r in rows]

    @strawberry.field(
        description="Every department, by code.", permission_classes=[IsAuthenticated]
    )
    async def departments(self, info: strawberry.Info) -> list[Department]:
        try:
            rows = await directory.list_departments(actor=info.context.staff)
        except PermissionDenied as exc:
            raise denied(exc) from None
        return [Department.from_row(r) for r in rows]
