"""The customer's confirmation of the amount (R-11) and execution (R-6, R-13, R-14, K-3).

Execution is one transaction that locks the refund and writes, together: the credit (a
ledger entry, unique per refund: the last line of defence against paying twice), the SMS
notice as an outbox row (unique key "refund:{id}:executed", exactly one per refund, R-14),
and the customer's risk profile (K-3: the refund that makes a customer special sees it).
"""

from __future__ import annotations

from datetime import date

from tortoise.transactions import in_transaction

from services import events
from services.customers.models import Customer
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import (
    clock,
    enforcement,
    idempotency,
    policy,
    risk_profiles,
    workflow,
)
from services.refunds.common import complaint_for, due_from, event, locked, require_handling
from services.refunds.events import RefundExecuted
from services.refunds.models import LedgerEntry, LedgerKind, Refund, RefundStatus
from services.refunds.service import by_id
from services.staff.models import Staff

Start = policy.DeadlineStart
_LEDGER_KIND = {
    policy.RefundMethod.ACCOUNT_CREDIT: LedgerKind.ACCOUNT_CREDIT,
    policy.RefundMethod.BILL_ADJUSTMENT: LedgerKind.BILL_ADJUSTMENT,
    policy.RefundMethod.CASH: LedgerKind.CASH,
}


@guarded(UseCase.CONFIRM_REFUND_AMOUNT)
async def confirm_amount(*, actor: Staff, refund_id: int, note: str = "") -> Refund:
    """AWAITING_CONFIRMATION → CONFIRMED: the customer agreed the amount; R-13's clock starts."""
    at = clock.now()
    async with in_transaction():
        refund = await locked(refund_id)
        workflow.check("confirm", refund.status, band=refund.band)
        require_handling(actor, await complaint_for(refund.complaint_id))
        before = refund.status
        rule = policy.refund_deadlines(flow=refund.flow, vip=refund.vip, method=refund.method)
        refund.status = RefundStatus.CONFIRMED
        refund.confirmed_at = at
        refund.confirmation_note = note.strip()
        refund.execute_due_at = await due_from(
            rule, Start.AMOUNT_CONFIRMED, Start.ADJUSTMENT_AGREED, at=at
        )
        await refund.save()
        await event(refund, actor, "amount_confirmed", before=before, reason=note.strip()).save()
        running = await enforcement.track(refund, at=at)
    await enforcement.schedule(running)
    return refund


@guarded(UseCase.EXECUTE_REFUND)
async def execute(*, actor: Staff, refund_id: int, idempotency_key: str | None = None) -> Refund:
    """CONFIRMED → EXECUTED: credit the customer, queue the SMS, update the risk profile."""
    return await idempotency.once(
        scope="execute_refund",
        key=idempotency_key,
        actor_id=actor.id,
        request={"refund_id": refund_id},
        run=lambda: _execute(actor, refund_id),
        result_id=lambda refund: refund.id,
        replay=by_id,
    )


async def _execute(actor: Staff, refund_id: int) -> Refund:
    at = clock.now()
    today = clock.local_date(at)
    async with in_transaction():
        refund = await locked(refund_id)
        workflow.check("execute", refund.status, band=refund.band)
        require_handling(actor, await complaint_for(refund.complaint_id))
        customer = await Customer.get(id=refund.customer_id)
        before = refund.status
        refund.status = RefundStatus.EXECUTED
        refund.executed_at = at
        refund.executed_by = actor
        await refund.save()
        entry = await LedgerEntry.create(
            customer=customer,
            kind=_LEDGER_KIND[refund.method],
            amount_fen=refund.refund_fen,
            applies_on=_applies_on(refund.method, today),
            refund=refund,
            note=f"refund {refund.id}: {refund.matter}",
        )
        told = await events.publish(RefundExecuted(refund=refund, customer=customer, at=at))
        profile = await risk_profiles.refresh(customer, at=at, refund_id=refund.id)
        await event(
            refund,
            actor,
            "executed",
            before=before,
            data={
                "ledger_entry_id": entry.id,
                "notice_id": told.records.get("notice_id"),
                "special_customer": profile.special,
            },
        ).save()
        await enforcement.track(refund, at=at)
    await events.after_commit(told)
    return refund


def _applies_on(method: policy.RefundMethod, today: date) -> date:
    """R-13: a bill adjustment (调账) lands on next month's bill; credit and cash today."""
    if method is policy.RefundMethod.BILL_ADJUSTMENT:
        return clock.next_month_start(today)
    return today
