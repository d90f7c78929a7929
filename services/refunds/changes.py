"""Changing a refund work order: verification (R-11, K-4), a change of amount, cancellation.
One transaction each, the refund row locked; see workflow.py for the status flow and
verification.py for what a verification stores and makes due."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from services import events
from services.customers.models import Customer
from services.errors import ErrorCode, InvalidInput
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import (
    clock,
    enforcement,
    idempotency,
    limits,
    policy,
    verification,
    workflow,
)
from services.refunds.common import (
    complaint_for,
    due_from,
    event,
    locked,
    require_handler,
    require_handling,
)
from services.refunds.decisions import RefundRequest, reprice
from services.refunds.events import PaidBeyondDue, RefundStopped
from services.refunds.models import Refund, RefundStatus
from services.refunds.policy import Flow
from services.refunds.service import by_id
from services.refunds.verification import Due, Verification
from services.staff.models import Staff

__all__ = ["Verification", "cancel_refund", "change_amount", "verify_refund"]

Start = policy.DeadlineStart


@guarded(UseCase.VERIFY_REFUND)
async def verify_refund(*, actor: Staff, refund_id: int, outcome: Verification) -> Refund:
    """R-11 verification, stored whole, once per refund. Verify first: decides refund or not
    (K-4 for special customers) and moves on. Refund first (后查证): before execution, nothing
    due stops the refund (DECLINED, the customer told) and another amount re-prices it; after
    execution, what was paid beyond the amount due is opened as a recovery finding (A-1)."""
    require_handler(actor)
    at = clock.now()
    told = None
    async with in_transaction():
        refund = await locked(refund_id)
        verification.check_verifiable(refund)
        require_handling(actor, await complaint_for(refund.complaint_id))
        before, paid_fen, old_band = refund.status, refund.refund_fen, refund.band
        due = await verification.what_is_due(refund, outcome, at=at)
        verification.record(refund, actor, outcome, due, at=at)
        data: dict[str, Any] = {"due_fen": due.fen, "from_fen": paid_fen, "from_band": old_band}
        if refund.flow is Flow.VERIFY_FIRST:
            action = "verified"
            await _decide(refund, due, at)
        elif before is RefundStatus.EXECUTED:
            action = "verified_after_refund"
            data |= (await events.publish(PaidBeyondDue(refund=refund, due_fen=due.fen))).records
        elif due.amount is None or due.band is None:
            action = "stopped_by_verification"
            _take_findings(refund, due)
            _close(refund, RefundStatus.DECLINED, due.why, at)
            customer = await Customer.get(id=refund.customer_id)
            told = await events.publish(RefundStopped(refund=refund, customer=customer, at=at))
            data |= told.records
        else:
            repriced = _follow_verification(refund, due)
            action = "verified" if repriced else "verified_after_refund"
        await refund.save()
        data |= {"to_fen": refund.refund_fen, "band": refund.band}
        await event(refund, actor, action, before=before, reason=due.why, data=data).save()
        running = await enforcement.track(refund, at=at)
    await enforcement.schedule(running)
    await events.after_commit(told)
    return refund


async def _decide(refund: Refund, due: Due, at: datetime) -> None:
    """Verify first: the refund is decided on what verification found."""
    _take_findings(refund, due)
    if due.amount is not None:
        _apply_amount(refund, due.request, due.amount, due.band)
    if due.band is None:
        _close(refund, RefundStatus.DECLINED, due.why, at)
        return
    refund.status = workflow.after_decision(due.band.band)
    refund.reasons = [*refund.reasons, *due.reasons]
    rule = policy.refund_deadlines(flow=refund.flow, vip=refund.vip, method=refund.method)
    refund.agree_due_at = await due_from(rule, Start.VERIFIED, at=at)


def _take_findings(refund: Refund, due: Due) -> None:
    """A refund not paid yet is decided on the liability and category verification found."""
    refund.liability = due.request.liability
    refund.charge_category = due.request.charge_category


def _follow_verification(refund: Refund, due: Due) -> bool:
    """Refund first, not executed yet: it pays what verification found due. Another amount,
    multiple or band is a new approval round (as a change of amount is); True if so."""
    assert due.amount is not None and due.band is not None
    changed = (due.amount.refund_fen, due.amount.multiple, due.band.band) != (
        refund.refund_fen,
        refund.multiple,
        refund.band,
    )
    _take_findings(refund, due)
    _apply_amount(refund, due.request, due.amount, due.band)
    if changed:
        _new_round(refund, due.band)
        refund.reasons = [*refund.reasons, *due.reasons]
    return changed


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


def _new_round(refund: Refund, band: policy.BandDecision) -> None:
    """An approval or confirmation given for the old amount lapses."""
    refund.approval_round += 1
    refund.approved_by = None  # type: ignore[assignment]
    refund.approved_at = None
    refund.confirmed_at = None
    refund.execute_due_at = None
    refund.status = workflow.after_decision(band.band)


def _close(refund: Refund, status: RefundStatus, reason: str, at: datetime) -> None:
    refund.status = status
    refund.closed_reason = reason
    refund.closed_at = at


@guarded(UseCase.CHANGE_REFUND_AMOUNT)
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
            verification.request_of(refund),
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
            _new_round(refund, band)
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
        await enforcement.track(refund, at=clock.now())  # a lapsed confirmation's limit waived
    return refund


@guarded(UseCase.CANCEL_REFUND)
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
        await enforcement.track(refund, at=at)  # its running limits waived
    return refund
