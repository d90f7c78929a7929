"""Reading the monthly analysis (C-11) and the root-cause taxonomy."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from graphql_schema.analysis.types import MonthlyAnalysis, RootCause
from graphql_schema.errors import camel
from graphql_schema.ids import parse_optional_id
from graphql_schema.permissions import IsAuthenticated
from services.analysis import kpis, taxonomy
from services.errors import DomainError
from services.staff.models import Department


def refused(exc: DomainError) -> GraphQLError:
    """A query's typed refusal: one top-level error with its code and the field at fault."""
    extensions: dict[str, str] = {"code": exc.code.value}
    if exc.field:
        extensions["field"] = camel(exc.field) or exc.field
    return GraphQLError(exc.message, extensions=extensions)


@strawberry.type
class AnalysisQueries:
    @strawberry.field(
        description="C-11: the month's analysis, optionally for one region (province or city) or "
        "one department. Leads and managers, auditors and admins. `month` is YYYY-MM; a bad "
        "month answers INVALID_INPUT (field `month`), an unknown department NOT_FOUND.",
        permission_classes=[IsAuthenticated],
    )
    async def monthly_analysis(
        self,
        info: strawberry.Info,
        month: str,
        region: str | None = None,
        department: strawberry.ID | None = None,
    ) -> MonthlyAnalysis:
        try:
            first = kpis.parse_month(month)
            department_id = parse_optional_id(department, field="department")
            result = await kpis.monthly_analysis(
                actor=info.context.staff,
                month=first,
                region=region or "",
                department_id=department_id,
            )
        except DomainError as exc:
            raise refused(exc) from None
        return MonthlyAnalysis.of(result)

    @strawberry.field(
        description="The root-cause taxonomy (C-11): what `rootCause` on resolving may be. "
        "Retired entries only with `includeRetired`.",
        permission_classes=[IsAuthenticated],
    )
    async def root_causes(
        self, info: strawberry.Info, include_retired: bool = False
    ) -> list[RootCause]:
        try:
            rows = await taxonomy.read_root_causes(
                actor=info.context.staff, include_retired=include_retired
            )
        except DomainError as exc:
            raise refused(exc) from None
        codes = {
            d.id: d.code
            for d in await Department.filter(
                id__in=[r.department_id for r in rows if r.department_id]
            )
        }
        return [RootCause.from_row(r, codes.get(r.department_id or 0, "")) for r in rows]
