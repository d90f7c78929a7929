"""Changing a refund work order: verification (R-11, K-4), a change of amount, cancellation.
One transaction each, the refund row locked; see workflow.py for the status flow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tortoise.transactions import in_transaction

from services.customers.models import Customer
from services.errors import ErrorCode, InvalidInput
from services.refunds import clock, idempotency, limits, policy, workflow
from services.refunds.common import (
    complaint_for,
    due_from,
    event,
    locked,
    require_handler,
    require_handling,
)
from services.refunds.decisions import RefundRequest, customer_facts, reprice
from services.refunds.models import Refund, RefundStatus
from services.refunds.policy import ChargeCategory, Flow, Liability
from services.refunds.service import by_id
from services.staff.models import Staff

Start = policy.DeadlineStart


@dataclass(frozen=True)
class Verification:
    """R-11 verification: cause, measures, refund yes/no, and the liability and amounts found."""

    cause: str
    measures: str
    refund_due: bool
    liability: Liability
    charge_category: ChargeCategory | None = None
    charged_fen: int | None = None
    should_have_charged_fen: int | None = None


async def verify_refund(*, actor: Staff, refund_id: int, outcome: Verification) -> Refund:
    """R-11 verification. Verify first: decides refund or not (K-4 for special customers) and
    moves on; refund first (后查证): records the outcome after the fact."""
    require_handler(actor)
    if not outcome.cause.strip():
        raise InvalidInput("Say what caused it.", code=ErrorCode.REQUIRED, field="cause")
    at = clock.now()
    async with in_transaction():
        refund = await locked(refund_id)
        before = refund.status
        record = {
            "verified_by": actor,
            "verified_at": at,
            "verification_cause": outcome.cause.strip(),
            "verification_measures": outcome.measures.strip(),
        }
        if refund.flow is Flow.REFUND_FIRST and refund.status not in (
            RefundStatus.CANCELLED,
            RefundStatus.REJECTED,
        ):
            if refund.verified_at is not None:
                workflow.check("verify", refund.status, band=refund.band)
            refund.update_from_dict(record)
            await refund.save()
            await event(refund, actor, "verified_after_refund", reason=outcome.cause).save()
            return refund
        workflow.check("verify", refund.status, band=refund.band)
        refund.update_from_dict(record)
        await _decide_after_verification(refund, outcome, at)
        await refund.save()
        await event(
            refund,
            actor,
            "verified",
            before=before,
            reason=refund.closed_reason or outcome.cause.strip(),
            data={"refund_fen": refund.refund_fen, "band": refund.band},
        ).save()
    return refund


async def _decide_after_verification(refund: Refund, outcome: Verification, at: datetime) -> None:
    customer = await Customer.get(id=refund.customer_id)
    facts = await customer_facts(customer, at=at, exclude_refund_id=refund.id)
    special = refund.special_customer or facts.special
    goodwill = policy.goodwill_allowed(special=special, verified_liability=outcome.liability)
    refund.liability = outcome.liability
    refund.charge_category = outcome.charge_category or refund.charge_category
    if not outcome.refund_due or not goodwill.allowed:
        why = outcome.cause.strip() if outcome.refund_due is False else goodwill.reasons[0]
        _close(refund, RefundStatus.DECLINED, why, at)
        return
    request = _request_of(refund)
    request = replace(
        request,
        charged_fen=refund.charged_fen if outcome.charged_fen is None else outcome.charged_fen,
        should_have_charged_fen=refund.should_have_charged_fen
        if outcome.should_have_charged_fen is None
        else outcome.should_have_charged_fen,
    )
    amount, band = reprice(request, bands=await limits.bands(), first_refund=refund.first_refund)
    _apply_amount(refund, request, amount, band)
    if band is None:
        _close(refund, RefundStatus.DECLINED, amount.reasons[-1], at)
        return
    refund.status = workflow.after_decision(band.band)
    refund.reasons = [*refund.reasons, *goodwill.reasons, *amount.reasons, *band.reasons]
    rule = policy.refund_deadlines(flow=refund.flow, vip=refund.vip, method=refund.method)
    refund.agree_due_at = await due_from(rule, Start.VERIFIED, at=at)


def _request_of(refund: Refund) -> RefundRequest:
    return RefundRequest(
        liability=refund.liability,
        charge_category=refund.charge_category,
        charged_fen=refund.charged_fen,
        should_have_charged_fen=refund.should_have_charged_fen,
        method=refund.method,
        cash_exception_reason=refund.cash_exception_reason,
        cause_unknown_on_spot=refund.cause_unknown_on_spot,
    )


def _apply_amount(
    refund: Refund,
    request: RefundRequest,
    amount: policy.AmountDecision,
    band: policy.BandDecision | None,
) -> None:
    refund.charged_fen = request.charged_fen
    refund.should_have_charged_fen = request.should_have_charged_fen
    refund.overcharge_fen = amount.overcharge_fen
    refund.refund_fen = amount.refund_fen
    refund.multiple = amount.multiple
    if band is not None:
        refund.band = band.band


def _close(refund: Refund, status: RefundStatus, reason: str, at: datetime) -> None:
    refund.status = status
    refund.closed_reason = reason
    refund.closed_at = at


async def change_amount(
    *,
    actor: Staff,
    refund_id: int,
    charged_fen: int,
    should_have_charged_fen: int,
    reason: str,
    idempotency_key: str | None = None,
) -> Refund:
    """Change the amounts; any approval or confirmation given for the old amount lapses."""
    return await idempotency.once(
        scope="change_refund_amount",
        key=idempotency_key,
        actor_id=actor.id,
        request={
            "refund_id": refund_id,
            "charged_fen": charged_fen,
            "should_have_charged_fen": should_have_charged_fen,
            "reason": reason,
        },
        run=lambda: _change_amount(actor, refund_id, charged_fen, should_have_charged_fen, reason),
        result_id=lambda refund: refund.id,
        replay=by_id,
    )


async def _change_amount(
    actor: Staff, refund_id: int, charged_fen: int, should_have_charged_fen: int, reason: str
) -> Refund:
    require_handler(actor)
    if not reason.strip():
        raise InvalidInput("Say why the amount changes.", code=ErrorCode.REQUIRED, field="reason")
    async with in_transaction():
        refund = await locked(refund_id)
        workflow.check("change_amount", refund.status, band=refund.band)
        require_handling(actor, await complaint_for(refund.complaint_id))
        before, old_fen, old_band = refund.status, refund.refund_fen, refund.band
        request = replace(
            _request_of(refund),
            charged_fen=charged_fen,
            should_have_charged_fen=should_have_charged_fen,
        )
        amount, band = reprice(
            request, bands=await limits.bands(), first_refund=refund.first_refund
        )
        if band is None:
            raise InvalidInput(amount.reasons[-1], field="shouldHaveChargedFen")
        _apply_amount(refund, request, amount, band)
        if before is not RefundStatus.VERIFYING:
            refund.approval_round += 1
            refund.approved_by = None  # type: ignore[assignment]
            refund.approved_at = None
            refund.confirmed_at = None
            refund.execute_due_at = None
            refund.status = workflow.after_decision(band.band)
        refund.reasons = [*refund.reasons, *amount.reasons, *band.reasons]
        await refund.save()
        await event(
            refund,
            actor,
            "amount_changed",
            before=before,
            reason=reason.strip(),
            data={"from_fen": old_fen, "to_fen": refund.refund_fen, "from_band": old_band},
        ).save()
    return refund


async def cancel_refund(*, actor: Staff, refund_id: int, reason: str) -> Refund:
    """Withdraw a refund before it is executed; the reason is required."""
    require_handler(actor)
    if not reason.strip():
        raise InvalidInput("Say why it is cancelled.", code=ErrorCode.REQUIRED, field="reason")
    at = clock.now()
    async with in_transaction():
        refund = await locked(refund_id)
        workflow.check("cancel", refund.status, band=refund.band)
        require_handling(actor, await complaint_for(refund.complaint_id))
        before = refund.status
        _close(refund, RefundStatus.CANCELLED, reason.strip(), at)
        await refund.save()
        await event(refund, actor, "cancelled", before=before, reason=reason.strip()).save()
    return refund
