"""Staff and departments."""

from __future__ import annotations

import strawberry

from graphql_schema.context import now_or_later
from graphql_schema.display import once_per_row
from graphql_schema.enums import Role, Track
from graphql_schema.ids import Node, global_id
from services.staff.models import Department as DepartmentRow
from services.staff.models import Staff as StaffRow


@strawberry.type(description="An organisational unit that complaints are routed to.")
class Department(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    code: str = strawberry.field(description="Short code, e.g. NET for the network department.")
    name: str = strawberry.field(description="Name to show.")

    @classmethod
    def from_row(cls, row: DepartmentRow) -> Department:
        return cls(id=global_id("Department", row.id), pk=row.id, code=row.code, name=row.name)


def _or_none(row: DepartmentRow | None) -> Department | None:
    """A department row as a Department, made once per display row of a request (a page
    names the same few departments for each of its complaints' owners)."""
    return once_per_row(row, "_department", Department.from_row)


@strawberry.type(description="A member of staff: handler, lead, approver, auditor or admin.")
class StaffMember(Node):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    username: str = strawberry.field(description="Login name.")
    display_name: str = strawberry.field(description="Name to show.")
    roles: list[Role] = strawberry.field(description="Roles, read from the database per request.")
    track: Track = strawberry.field(description="Organisation track (branch or service centre).")
    is_department_head: bool = strawberry.field(
        description="Heads receive escalations of yellow and red warnings (C-5)."
    )
    department_id: strawberry.Private[int | None]

    @strawberry.field(description="The department this person works in, if any.")
    def department(self, info: strawberry.Info) -> Department | None:
        if self.department_id is None:
            return None
        # at once when a page preloaded it (graphql_schema/complaints/preload.py)
        return now_or_later(info.context.loaders.department_by_id, self.department_id, _or_none)

    @classmethod
    def from_row(cls, row: StaffRow) -> StaffMember:
        return cls(
            id=global_id("StaffMember", row.id),
            pk=row.id,
            username=row.username,
            display_name=row.display_name,
            roles=[Role(r) for r in row.roles],
            track=Track(row.track),
            is_department_head=row.is_department_head,
            department_id=row.department_id,
        )
