"""Reading executed refunds as the audit's plain values, a batch at a time (a fixed number of
queries per batch, whatever its size), with the approval bands in force when each was decided."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.audit.kinds import ApprovalFact, RefundFacts
from services.notices.models import Notice
from services.notices.service import refund_key
from services.refunds import limits, policy
from services.refunds.models import LedgerEntry, Refund, RefundApproval, RefundEvent
from services.thresholds import service as thresholds
from services.thresholds.models import ThresholdVersion

# the steps at which the rules decide (or decide again) a refund's amount and band
BAND_DECISIONS = frozenset({"requested", "quick_refund", "verified", "amount_changed"})


class BandsHistory:
    """Every version of the approval bands, to ask which were in force at an instant."""

    def __init__(self, versions: Sequence[tuple[datetime, dict[str, Any]]]):
        self._times = [at for at, _ in versions]
        self._values = [value for _, value in versions]
        self._default = thresholds.registered()[limits.BANDS].default

    @classmethod
    async def load(cls) -> BandsHistory:
        rows = (
            await ThresholdVersion.filter(key=limits.BANDS)
            .order_by("version")
            .values_list("created_at", "value")
        )
        return cls([(at, value) for at, value in rows])

    def at(self, instant: datetime) -> policy.ApprovalBands:
        index = bisect_right(self._times, instant)
        value = self._values[index - 1] if index else self._default
        return policy.ApprovalBands(**value)


async def load(refunds: Sequence[Refund]) -> dict[int, tuple[RefundFacts, datetime]]:
    """Each refund's facts and the instant its band was last decided."""
    ids = [r.id for r in refunds]
    approvals: dict[int, list[ApprovalFact]] = defaultdict(list)
    for a in await RefundApproval.filter(refund_id__in=ids).order_by("id"):
        approvals[a.refund_id].append(
            ApprovalFact(
                round=a.round,
                approved=a.decision.value == "approved",
                band=a.band,
                approver_band=a.approver_band,
                approver_id=a.approver_id,
                track=a.track.value,
                amount_fen=a.amount_fen,
            )
        )
    actions: dict[int, list[str]] = defaultdict(list)
    decided: dict[int, datetime] = {}
    for refund_id, action, at in (
        await RefundEvent.filter(refund_id__in=ids)
        .order_by("id")
        .values_list("refund_id", "action", "at")
    ):
        actions[refund_id].append(action)
        if action in BAND_DECISIONS:
            decided[refund_id] = at
    ledger = {e.refund_id: e for e in await LedgerEntry.filter(refund_id__in=ids) if e.refund_id}
    keys = {refund_key(refund_id): refund_id for refund_id in ids}
    notices: dict[int, int] = defaultdict(int)
    for key in await Notice.filter(key__in=list(keys)).values_list("key", flat=True):
        notices[keys[str(key)]] += 1
    result = {}
    for r in refunds:
        assert r.executed_at is not None, "only executed refunds are audited"
        entry = ledger.get(r.id)
        facts = RefundFacts(
            refund_id=r.id,
            liability=policy.Liability(r.liability),
            charge_category=policy.ChargeCategory(r.charge_category),
            charged_fen=r.charged_fen,
            should_have_charged_fen=r.should_have_charged_fen,
            overcharge_fen=r.overcharge_fen,
            refund_fen=r.refund_fen,
            multiple=policy.Multiple(r.multiple),
            method=policy.RefundMethod(r.method),
            cash_exception_reason=r.cash_exception_reason,
            flow=policy.Flow(r.flow),
            flow_clause=r.flow_clause,
            band=r.band,
            special_customer=r.special_customer,
            cause_unknown_on_spot=r.cause_unknown_on_spot,
            first_refund=r.first_refund,
            track=r.track.value,
            requested_by_id=r.requested_by_id,
            approval_round=r.approval_round,
            created_at=r.created_at,
            verified_at=r.verified_at,
            verify_due_at=r.verify_due_at,
            approved_at=r.approved_at,
            confirmed_at=r.confirmed_at,
            executed_at=r.executed_at,
            execute_due_at=r.execute_due_at,
            approvals=tuple(approvals[r.id]),
            actions=tuple(actions[r.id]),
            ledger_fen=entry.amount_fen if entry else None,
            ledger_kind=entry.kind.value if entry else None,
            notices=notices[r.id],
        )
        result[r.id] = (facts, decided.get(r.id, r.created_at))
    return result
