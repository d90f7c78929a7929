"""The customer's confirmation of the amount (R-11) and execution (R-6, R-13, R-14, K-3).

Execution is one transaction that locks the refund and writes, together: the credit (a
ledger entry, unique per refund: the last line of defence against paying twice), the SMS
notice as an outbox row (unique key "refund:{id}:executed", exactly one per refund, R-14),
and the customer's risk profile (K-3: the refund that makes a customer special sees it).
"""

from __future__ import annotations

from datetime import date

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from services import events
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import (
    clock,
    enforcement,
    idempotency,
    limit_rows,
    policy,
    risk_profiles,
    workflow,
    writes,
)
from services.refunds.common import due_from, event, locked_for, locked_for_execution
from services.refunds.deadline_models import RefundDeadline
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


@guarded(UseCase.CONFIRM_REFUND_AMOUNT, checked_inside=True)
async def confirm_amount(*, actor: Staff, refund_id: int, note: str = "") -> Refund:
    """AWAITING_CONFIRMATION → CONFIRMED: the customer agreed the amount; R-13's clock starts."""
    at = clock.now()
    async with in_transaction():
        refund = await locked_for(UseCase.CONFIRM_REFUND_AMOUNT, refund_id, actor)
        workflow.check("confirm", refund.status, band=refund.band)
        before = refund.status
        limits = limit_rows.inputs(refund)
        rule = policy.refund_deadlines(flow=refund.flow, vip=refund.vip, method=refund.method)
        refund.status = RefundStatus.CONFIRMED
        refund.confirmed_at = at
        refund.confirmation_note = note.strip()
        refund.execute_due_at = await due_from(
            rule, Start.AMOUNT_CONFIRMED, Start.ADJUSTMENT_AGREED, at=at
        )
        history = event(refund, actor, "amount_confirmed", before=before, reason=note.strip())
        done = await limit_rows.reconciled(refund, before=limits)
        await writes.write(
            updated=[
                (refund, ("status", "confirmed_at", "confirmation_note", "execute_due_at")),
                *((row, ("state", "met_at")) for row in done.changed),
            ],
            created=[[history], done.created],
            unless_present=done.unless_present,
        )
        await enforcement.after_write(refund, done)
    await enforcement.schedule(done.fresh)
    return refund


@guarded(UseCase.EXECUTE_REFUND, checked_inside=True)
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
        refund, customer, ledger_id = await locked_for_execution(
            UseCase.EXECUTE_REFUND, refund_id, actor
        )
        workflow.check("execute", refund.status, band=refund.band)
        before = refund.status
        refund.status = RefundStatus.EXECUTED
        refund.executed_at = at
        refund.executed_by_id = actor.id
        entry = LedgerEntry(
            id=ledger_id,
            customer_id=customer.id,
            kind=_LEDGER_KIND[refund.method],
            amount_fen=refund.refund_fen,
            applies_on=_applies_on(refund.method, today),
            refund_id=refund.id,
            note=f"refund {refund.id}: {refund.matter}",
        )
        told = await events.publish(RefundExecuted(refund=refund, customer=customer, at=at))
        row = await risk_profiles.locked(customer, at=at)
        facts, deadline_rows = await _read_after_locks(
            refund, since=risk_profiles.window_since(row, today)
        )
        profile = await risk_profiles.decide(
            row, customer, at=at, refund_id=refund.id, executing=_fact(refund, today), facts=facts
        )
        history = event(
            refund,
            actor,
            "executed",
            before=before,
            data={
                "ledger_entry_id": entry.id,
                "notice_id": told.records.get("notice_id"),
                "special_customer": profile.special,
            },
        )
        done = limit_rows.reconcile(refund, deadline_rows)
        await writes.write(
            updated=[
                (refund, ("status", "executed_at", "executed_by_id")),
                (row, (*risk_profiles.STORED, "last_refund_id")),
                *((deadline, ("state", "met_at")) for deadline in done.changed),
            ],
            created=[[entry], [history], done.created],
        )
        await enforcement.after_write(refund, done)
    await events.after_commit(told)
    return refund


_AFTER_LOCKS_SQL = ""


async def _read_after_locks(
    refund: Refund, *, since: date
) -> tuple[list[policy.RefundFact], list[RefundDeadline]]:
    """What the execution decides from once it holds the refund's and the K-1 profile's
    locks, in one statement (whose snapshot is taken after both): the customer's executed
    refunds from `since` (risk_profiles.decide) and the refund's deadline rows
    (enforcement.reconcile; every writer of those rows holds the refund's lock)."""
    global _AFTER_LOCKS_SQL
    if not _AFTER_LOCKS_SQL:
        limit = ", ".join(f'd."{c}"' for c in limit_rows.ROW_COLUMNS)
        _AFTER_LOCKS_SQL = (
            'SELECT (SELECT array_agg(ROW(f."executed_at", f."refund_fen", f."liability", '
            'f."border_roaming") ORDER BY f."executed_at") FROM "refunds" f '
            'WHERE f."customer_id" = $1 AND f."executed_at" IS NOT NULL '
            'AND f."executed_at" >= $2) AS "facts", '
            f'(SELECT array_agg(ROW({limit}) ORDER BY d."id") FROM "refund_deadlines" d '
            'WHERE d."refund_id" = $3) AS "limits"'
        )
    [row] = await get_connection("default").execute_query_dict(
        _AFTER_LOCKS_SQL, [refund.customer_id, clock.local_midnight(since), refund.id]
    )
    facts = [risk_profiles.fact_of(*columns) for columns in row["facts"] or ()]
    return facts, [limit_rows.row_of(columns) for columns in row["limits"] or ()]


def _fact(refund: Refund, today: date) -> policy.RefundFact:
    """The refund being executed as K-1 counts it (its `executed_at` is written with the
    profile)."""
    return policy.RefundFact(
        executed_on=today,
        amount_fen=refund.refund_fen,
        liability=policy.Liability(refund.liability),
        border_roaming=refund.border_roaming,
    )


def _applies_on(method: policy.RefundMethod, today: date) -> date:
    """R-13: a bill adjustment (调账) lands on next month's bill; credit and cash today."""
    if method is policy.RefundMethod.BILL_ADJUSTMENT:
        return clock.next_month_start(today)
    return today
