"""Refund work orders: the request (R-11, incl. the quick refund) and the read-only policy
preview. The rules decide through decisions.py, which composes services.refunds.policy.

Verification, change of amount and cancellation are in changes.py, approval in approvals.py,
confirmation and execution in execution.py, the status flow in workflow.py, compensation in
compensation_service.py, risk profiles in risk_profiles.py. Each use case is one transaction
that locks the refund row; every money-moving one takes an optional idempotency key
(idempotency.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date

from services.customers.models import Customer
from services.errors import ErrorCode, InvalidInput, Problem
from services.permissions.guard import check_facts, guarded
from services.permissions.table import UseCase
from services.refunds import (
    clock,
    enforcement,
    idempotency,
    limit_rows,
    limits,
    policy,
    workflow,
    writes,
)
from services.refunds.common import due_from, event
from services.refunds.decisions import (
    CustomerFacts,
    RefundDecision,
    RefundRequest,
    customer_facts,
    decide,
)
from services.refunds.models import Refund, RefundLine, RefundStatus
from services.refunds.policy import BusinessType, ChargeCategory, Flow, Liability, RefundMethod
from services.refunds.request_reads import read_for_request
from services.staff.models import Staff

Start = policy.DeadlineStart


@dataclass(frozen=True)
class WorkOrder:
    """What a refund work order records beyond the rules' inputs (R-11)."""

    matter: str  # the SMS says 「您反映的{matter}问题」
    cause: str = ""
    border_roaming: bool = False
    sp_code: str = ""  # required for partner (SP) services
    service_code: str = ""


@dataclass(frozen=True)
class ChargeLine:
    """A billed charge picked for a quick refund (R-11)."""

    description: str
    charged_fen: int
    service_code: str = ""
    sp_code: str = ""
    billed_on: date | None = None


async def by_id(refund_id: int) -> Refund:
    return await Refund.get(id=refund_id)


@guarded(UseCase.CREATE_REFUND, checked_inside=True)
async def create_refund(
    *,
    actor: Staff,
    complaint_id: int,
    request: RefundRequest,
    order: WorkOrder,
    idempotency_key: str | None = None,
) -> Refund:
    """Take a refund work order on a complaint; the rules decide flow, amount and band."""
    return await idempotency.once(
        scope="create_refund",
        key=idempotency_key,
        actor_id=actor.id,
        request={"complaint_id": complaint_id, **asdict(request), **asdict(order)},
        run=lambda: _create(UseCase.CREATE_REFUND, actor, complaint_id, request, order, ()),
        result_id=lambda refund: refund.id,
        replay=by_id,
    )


@guarded(UseCase.QUICK_REFUND)
async def quick_refund(
    *,
    actor: Staff,
    complaint_id: int,
    lines: list[ChargeLine],
    matter: str,
    charge_category: ChargeCategory = ChargeCategory.UNKNOWING_SUBSCRIPTION,
    liability: Liability = Liability.NOT_LIABLE,
    should_have_charged_fen: int = 0,
    sp_code: str = "",
    method: RefundMethod = RefundMethod.ACCOUNT_CREDIT,
    idempotency_key: str | None = None,
) -> Refund:
    """R-11 quick refund for R-7(a): the handler picks the disputed charges, the sum is computed.

    Only a Monternet (SP) or own value-added charge the front desk could not settle on the spot
    (anything else is refused: QUICK_REFUND_NOT_ALLOWED, take it with create_refund). The rules
    decide the multiple and amount (R-4, R-5) as for any refund; for a special customer R-9
    still makes it verify first.
    """
    sp_code = sp_code.strip() or next((line.sp_code for line in lines if line.sp_code), "")
    request = RefundRequest(
        liability=liability,
        charge_category=charge_category,
        charged_fen=sum(line.charged_fen for line in lines if _is_fen(line.charged_fen)),
        should_have_charged_fen=should_have_charged_fen,
        method=method,
        business_type=BusinessType.PARTNER if sp_code else BusinessType.SELF_OPERATED,
        is_monternet_or_own_vas=True,  # checked by _check_quick below (R-7(a))
        settled_on_spot=False,  # the quick path is for what the front desk could not settle
        cause_unknown_on_spot=True,
    )
    _check_quick(
        request, lines, names_a_service=bool(sp_code) or any(x.service_code for x in lines)
    )
    order = WorkOrder(matter=matter, sp_code=sp_code, service_code=lines[0].service_code)
    return await idempotency.once(
        scope="quick_refund",
        key=idempotency_key,
        actor_id=actor.id,
        request={
            "complaint_id": complaint_id,
            "lines": [asdict(x) for x in lines],
            **asdict(request),
        }
        | asdict(order),
        run=lambda: _create(
            UseCase.QUICK_REFUND, actor, complaint_id, request, order, tuple(lines)
        ),
        result_id=lambda refund: refund.id,
        replay=by_id,
    )


def _is_fen(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_quick(request: RefundRequest, lines: list[ChargeLine], *, names_a_service: bool) -> None:
    """R-11, R-7(a): the quick path's own conditions; every problem is named at once."""
    allowed = policy.quick_refund_allowed(
        charge_category=request.charge_category, names_a_service=names_a_service
    )
    problems = []
    if not allowed.allowed:
        problems.append(
            Problem("chargeCategory", ErrorCode.QUICK_REFUND_NOT_ALLOWED, allowed.reasons[0])
        )
    if not lines:
        problems.append(Problem("lines", ErrorCode.REQUIRED, "Pick at least one billed charge."))
    problems += [
        Problem(f"lines[{i}].chargedFen", ErrorCode.INVALID_INPUT, "Each charge is 1 fen or more.")
        for i, line in enumerate(lines)
        if not _is_fen(line.charged_fen)
    ]
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, code=first.code, field=first.field, problems=problems)


def _validate_order(order: WorkOrder, business_type: BusinessType) -> WorkOrder:
    problems = []
    if not order.matter.strip():
        problems.append(Problem("matter", ErrorCode.REQUIRED, "matter is required (R-11, R-14)."))
    if business_type is BusinessType.PARTNER and not order.sp_code.strip():
        problems.append(
            Problem("spCode", ErrorCode.REQUIRED, "R-2: a partner refund names the SP code.")
        )
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, code=first.code, field=first.field, problems=problems)
    return replace(
        order,
        matter=order.matter.strip(),
        cause=order.cause.strip(),
        sp_code=order.sp_code.strip(),
        service_code=order.service_code.strip(),
    )


async def _create(
    use: UseCase,
    actor: Staff,
    complaint_id: int,
    request: RefundRequest,
    order: WorkOrder,
    lines: tuple[ChargeLine, ...],
) -> Refund:
    at = clock.now()
    read = await read_for_request(complaint_id, at=at)
    check_facts(use, actor, read.complaint)  # before anything is written
    customer = read.customer
    decision = decide(request, read.facts, bands=await limits.bands())
    order = _validate_order(order, decision.business_type)
    band = _band_or_refuse(decision)
    rule = decision.deadlines
    verify_first = decision.flow.flow is Flow.VERIFY_FIRST
    status = RefundStatus.VERIFYING if verify_first else workflow.after_decision(band.band)
    refund = Refund(
        id=read.refund_id,
        complaint_id=complaint_id,
        customer_id=customer.id,
        requested_by=actor,
        track=actor.track,
        business_type=decision.business_type,
        liability=request.liability,
        charge_category=request.charge_category,
        matter=order.matter,
        cause=order.cause,
        border_roaming=order.border_roaming,
        sp_code=order.sp_code,
        service_code=order.service_code,
        quick=bool(lines),
        charged_fen=request.charged_fen,
        should_have_charged_fen=request.should_have_charged_fen,
        overcharge_fen=decision.amount.overcharge_fen,
        refund_fen=decision.amount.refund_fen,
        multiple=decision.amount.multiple,
        method=decision.amount.method,
        cash_exception_reason=request.cash_exception_reason.strip(),
        flow=decision.flow.flow,
        flow_clause=decision.flow.clause,
        band=band.band,
        special_customer=decision.facts.special,
        vip=decision.facts.vip,
        cause_unknown_on_spot=request.cause_unknown_on_spot,
        first_refund=decision.facts.first_refund,
        reasons=list(decision.reasons),
        status=status,
        verify_due_at=await due_from(rule, Start.REFUND_REQUESTED, at=at) if verify_first else None,
        agree_due_at=None if verify_first else await due_from(rule, Start.REFUND_REQUESTED, at=at),
        created_at=at,
    )
    picked = [
        RefundLine(
            refund_id=refund.id,
            description=line.description.strip(),
            service_code=line.service_code.strip(),
            sp_code=line.sp_code.strip(),
            billed_on=line.billed_on,
            charged_fen=line.charged_fen,
        )
        for line in lines
    ]
    history = event(
        refund,
        actor,
        "quick_refund" if lines else "requested",
        new=True,
        reason="; ".join(decision.reasons),
        data={"flow_clause": decision.flow.clause, "band": band.band},
    )
    limits_set = limit_rows.reconcile(refund, [])  # a new refund has no deadline rows yet
    # one statement, atomic on its own: the refund, its lines, history and running limits
    await writes.write(created=[[refund], picked, [history], limits_set.created])
    await enforcement.schedule(limits_set.fresh)
    return refund


def _band_or_refuse(decision: RefundDecision) -> policy.BandDecision:
    if decision.band is None:
        raise InvalidInput(
            decision.amount.reasons[-1], field="shouldHaveChargedFen"
        )  # nothing was overcharged
    return decision.band


async def preview(
    *, request: RefundRequest, customer: Customer | None, facts: CustomerFacts | None
) -> RefundDecision:
    """What the rules would decide, writing nothing: for the API, the console and audits."""
    if customer is not None:
        facts = await customer_facts(customer)
    if facts is None:
        raise InvalidInput("Name a customer or give the facts.", field="msisdn")
    return decide(request, facts, bands=await limits.bands())
