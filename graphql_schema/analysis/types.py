"""The monthly analysis (C-11) and rectifications (A-3) as the front ends read them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from services.analysis import kpis
from services.analysis import models as m
from services.analysis.definitions import KPI

strawberry.enum(
    m.CauseGroup,
    name="RootCauseGroup",
    description="The family of a root cause: NETWORK, BILLING_SYSTEM, PARTNER_SP, STAFF, "
    "PROCESS, PRODUCT_RULE, CUSTOMER_SIDE, OTHER.",
)
strawberry.enum(
    m.RectificationStatus,
    name="RectificationStatus",
    description="A-3: OPEN → PLANNED (plan, owner, due date) → CHECKED (result verified) → "
    "CLOSED. A failed check leaves it PLANNED.",
)
strawberry.enum(
    m.OpenedBy,
    name="RectificationOpenedBy",
    description="REPEATS: 3 or more complaints of one root cause on one matter in a month; "
    "AUDITOR: an auditor flagged it.",
)
strawberry.enum(
    m.ProblemKind,
    name="ProblemKind",
    description="ROOT_CAUSE: a root cause on one matter; AUDIT_FINDING: an audit finding code.",
)


@strawberry.type(description="An entry of the root-cause taxonomy (admin-maintained, C-11).")
class RootCause:
    code: str = strawberry.field(description="Stable code, given as `rootCause` on resolving.")
    name: str = strawberry.field(description="Its name, to show.")
    group: m.CauseGroup = strawberry.field(description="Its family.")
    department_code: str = strawberry.field(
        description="The department that owns fixing it; empty: the complaint's department."
    )
    active: bool = strawberry.field(description="False once retired: no longer recordable.")

    @classmethod
    def from_row(cls, row: m.RootCause, department_code: str = "") -> RootCause:
        return cls(
            code=row.code,
            name=row.name,
            group=m.CauseGroup(row.group),
            department_code=department_code,
            active=row.active,
        )


@strawberry.type(description="A share: `numerator` of `denominator`.")
class Rate:
    numerator: int = strawberry.field(description="What is counted.")
    denominator: int = strawberry.field(description="Out of how many.")
    rate: float | None = strawberry.field(
        description="numerator / denominator, 4 decimals; null when the denominator is 0."
    )

    @classmethod
    def of(cls, r: kpis.Rate) -> Rate:
        return cls(numerator=r.numerator, denominator=r.denominator, rate=r.rate)


@strawberry.type(description="One line of a distribution, with its two comparisons.")
class Share:
    key: str = strawberry.field(description="The category or channel, as its enum value.")
    count: int = strawberry.field(description="Complaints in the month.")
    last_month: int = strawberry.field(description="Complaints in the month before.")
    last_year: int = strawberry.field(description="Complaints in the same month a year earlier.")

    @classmethod
    def of(cls, s: kpis.Share) -> Share:
        return cls(key=s.key.upper(), count=s.count, last_month=s.last_month, last_year=s.last_year)


@strawberry.type(description="How often one root cause was recorded in the month.")
class RootCauseCount:
    code: str = strawberry.field(description="The cause's code.")
    name: str = strawberry.field(description="The cause's name.")
    group: str = strawberry.field(description="Its family, as RootCauseGroup's value.")
    count: int = strawberry.field(description="Root causes of this code recorded in the month.")


@strawberry.type(description="On-time closure of one deadline kind in the month (C-7, C-9).")
class DeadlineKindKpi:
    kind: str = strawberry.field(description="The DeadlineKind, as its enum value.")
    on_time: int = strawberry.field(description="Limits due in the month met in time.")
    late: int = strawberry.field(description="Met late, breached, or pending past due.")
    met: Rate = strawberry.field(description="onTime of onTime + late.")


@strawberry.type(description="Refunds requested in the month, by outcome; amounts in fen.")
class RefundOutcomes:
    requested: int = strawberry.field(description="Refunds requested.")
    requested_fen: int = strawberry.field(description="Their amounts, fen.")
    paid: int = strawberry.field(description="Executed (paid).")
    paid_fen: int = strawberry.field(description="What was paid, fen.")
    refused: int = strawberry.field(description="Rejected by an approver or declined.")
    refused_fen: int = strawberry.field(description="What they asked, fen.")
    cancelled: int = strawberry.field(description="Withdrawn before execution.")
    open: int = strawberry.field(description="Not yet paid, refused or cancelled.")


@strawberry.type(description="Refunds requested in the month in one R-12 approval band.")
class RefundBandKpi:
    band: int = strawberry.field(description="Approval band, 0-4 (R-12).")
    requested: int = strawberry.field(description="Refunds requested in this band.")
    paid: int = strawberry.field(description="Of them, executed.")
    paid_fen: int = strawberry.field(description="What was paid, fen.")


@strawberry.type(description="Refunds requested in the month decided by one clause (R-7 … R-9).")
class RefundRuleKpi:
    clause: str = strawberry.field(description="The clause that decided the flow, e.g. R-7(c).")
    requested: int = strawberry.field(description="Refunds requested under it.")
    paid: int = strawberry.field(description="Of them, executed.")
    paid_fen: int = strawberry.field(description="What was paid, fen.")


@strawberry.type(description=f"One department's month. {KPI['departments']}")
class DepartmentKpi:
    department_id: strawberry.ID | None = strawberry.field(
        description="The department; null for complaints without one."
    )
    code: str = strawberry.field(description="Department code.")
    name: str = strawberry.field(description="Department name.")
    complaints: int = strawberry.field(description="Complaints received in the month.")
    on_time: Rate = strawberry.field(description="Deadlines due in the month met in time.")
    root_causes_fixed: Rate = strawberry.field(
        description="Root causes it owns recorded in the month, fixed (rectification closed)."
    )


@strawberry.type(description="A rectification of a problem (A-3).")
class Rectification:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    problem: str = strawberry.field(description="The problem: root cause and matter, or finding.")
    opened_by: str = strawberry.field(description="RectificationOpenedBy's value.")
    status: str = strawberry.field(description="RectificationStatus's value.")
    owner: str = strawberry.field(description="Who owns it (display name); empty until planned.")
    department: str = strawberry.field(description="The department that owns the cause.")
    due_on: date = strawberry.field(description="When it is due (operator's calendar date).")
    opened_at: datetime = strawberry.field(description="When it was opened.")
    closed_at: datetime | None = strawberry.field(description="When it was closed.")
    overdue: bool = strawberry.field(description="Not closed and past its due date.")

    @classmethod
    def of(cls, r: kpis.RectificationLine) -> Rectification:
        return cls(
            id=strawberry.ID(str(r.id)),
            problem=r.problem,
            opened_by=r.opened_by.upper(),
            status=r.status.upper(),
            owner=r.owner,
            department=r.department,
            due_on=r.due_on,
            opened_at=r.opened_at,
            closed_at=r.closed_at,
            overdue=r.overdue,
        )


@strawberry.type(description="C-11: the month's analysis; each field's description defines it.")
class MonthlyAnalysis:
    month: str = strawberry.field(description="The month, YYYY-MM.")
    region: str | None = strawberry.field(description="The province or city it is narrowed to.")
    department_id: strawberry.ID | None = strawberry.field(
        description="The department it is narrowed to."
    )
    complaints: int = strawberry.field(description=KPI["complaints"])
    complaints_last_month: int = strawberry.field(description="Complaints in the month before.")
    complaints_last_year: int = strawberry.field(description="Complaints a year earlier.")
    by_category: list[Share] = strawberry.field(description=KPI["by_category"])
    by_channel: list[Share] = strawberry.field(description=KPI["by_channel"])
    top_root_causes: list[RootCauseCount] = strawberry.field(description=KPI["root_causes"])
    root_causes_recorded: int = strawberry.field(description="Root causes recorded in the month.")
    resolution: Rate = strawberry.field(description=KPI["resolution"])
    satisfaction: Rate = strawberry.field(description=KPI["satisfaction"])
    on_time: list[DeadlineKindKpi] = strawberry.field(description=KPI["on_time"])
    on_time_total: Rate = strawberry.field(description="Every deadline kind together.")
    repeat: Rate = strawberry.field(description=KPI["repeat"])
    batch: Rate = strawberry.field(description=KPI["batch"])
    refunds: RefundOutcomes = strawberry.field(description=KPI["refunds"])
    refunds_by_band: list[RefundBandKpi] = strawberry.field(description="Refunds by R-12 band.")
    refunds_by_rule: list[RefundRuleKpi] = strawberry.field(description="Refunds by clause.")
    departments: list[DepartmentKpi] = strawberry.field(description=KPI["departments"])
    rectifications: list[Rectification] = strawberry.field(description=KPI["rectifications"])
    computed_at: datetime | None = strawberry.field(
        description="When the worker rolled these figures up (at most 15 minutes ago); null "
        "when they were computed for this request."
    )

    @classmethod
    def of(cls, a: kpis.MonthlyAnalysis) -> MonthlyAnalysis:
        return cls(
            month=f"{a.month:%Y-%m}",
            region=a.region or None,
            department_id=strawberry.ID(str(a.department_id)) if a.department_id else None,
            complaints=a.complaints,
            complaints_last_month=a.complaints_last_month,
            complaints_last_year=a.complaints_last_year,
            by_category=[Share.of(s) for s in a.by_category],
            by_channel=[Share.of(s) for s in a.by_channel],
            top_root_causes=[
                RootCauseCount(code=c.code, name=c.name, group=c.group.upper(), count=c.count)
                for c in a.root_causes
            ],
            root_causes_recorded=a.root_causes_recorded,
            resolution=Rate.of(a.resolution),
            satisfaction=Rate.of(a.satisfaction),
            on_time=[
                DeadlineKindKpi(
                    kind=k.kind.upper(), on_time=k.on_time, late=k.late, met=Rate.of(k.met)
                )
                for k in a.on_time
            ],
            on_time_total=Rate.of(a.on_time_total),
            repeat=Rate.of(a.repeat),
            batch=Rate.of(a.batch),
            refunds=RefundOutcomes(**vars(a.refunds)),
            refunds_by_band=[RefundBandKpi(**vars(b)) for b in a.refunds_by_band],
            refunds_by_rule=[RefundRuleKpi(**vars(r)) for r in a.refunds_by_rule],
            departments=[
                DepartmentKpi(
                    department_id=strawberry.ID(str(d.department_id)) if d.department_id else None,
                    code=d.code,
                    name=d.name,
                    complaints=d.complaints,
                    on_time=Rate.of(d.on_time),
                    root_causes_fixed=Rate.of(d.causes_fixed),
                )
                for d in a.departments
            ],
            rectifications=[Rectification.of(r) for r in a.rectifications],
            computed_at=a.computed_at,
        )
