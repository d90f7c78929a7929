"""A-1 for every refund: the automatic audit (the worker's 5-minute run) checks each refund
from its request and again until it settles, so stuck, late and never-executed refunds get
their findings, each once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services import clock
from services.audit import service as audit
from services.audit.models import AuditCheck, AuditFinding, CorrectionTask
from services.refunds import execution
from services.refunds.changes import Verification, cancel_refund, verify_refund
from services.refunds.models import Refund, RefundStatus
from services.refunds.policy import Flow, Liability
from services.staff.models import Role, Staff
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")


def local(*a: int) -> datetime:
    return datetime(*a, tzinfo=SH)


async def codes(refund_id: int) -> list[str]:
    return sorted(await AuditFinding.filter(refund_id=refund_id).values_list("code", flat=True))


async def verify_first_refund(handler: Staff) -> Refund:
    customer = await f.customer()  # normal credit: no R-7(c)
    await f.refund(handler, await f.complaint(handler, customer))  # no longer R-7(d)'s first
    refund = await f.refund(
        handler, await f.complaint(handler, customer), f.goodwill_request(25000)
    )
    assert refund.status is RefundStatus.VERIFYING
    return refund


async def test_a1_a_refund_first_refund_never_verified_is_found_after_7_days():
    clock.freeze(local(2026, 3, 2, 10))
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)  # refund first (R-7(c))
    assert refund.flow is Flow.REFUND_FIRST
    await f.executed_refund(handler, refund)
    await audit.check_unchecked()  # the 5-minute run: nothing wrong yet
    assert await codes(refund.id) == []

    clock.freeze(local(2026, 3, 20, 10))  # 18 days later, still never verified
    first = await audit.check_unchecked()
    again = await audit.check_unchecked()

    assert (await Refund.get(id=refund.id)).verified_at is None
    assert await codes(refund.id) == ["not_verified_after"]
    assert (first.new_findings, again.new_findings) == (1, 0)
    finding = await AuditFinding.get(refund_id=refund.id)
    assert (finding.rule, finding.params, finding.responsible_id) == (
        "R-7",
        {"days": 7},
        handler.id,
    )
    assert await CorrectionTask.filter(finding_id=finding.id).count() == 1
    check = await AuditCheck.get(refund_id=refund.id)
    assert check.settled_at == clock.now() and not check.passed


async def test_a1_a_refund_first_refund_verified_in_the_week_settles_without_a_finding():
    clock.freeze(local(2026, 3, 2, 10))
    handler = await f.staff(Role.HANDLER)
    refund = await f.executed_refund(handler, await f.refund(handler))
    await audit.check_unchecked()
    assert (await AuditCheck.get(refund_id=refund.id)).settled_at is None  # still to verify

    clock.freeze(local(2026, 3, 5, 10))
    await verify_refund(
        actor=handler,
        refund_id=refund.id,
        outcome=Verification(
            cause="计费重复", measures="已修复", refund_due=True, liability=Liability.COMPANY_LIABLE
        ),
    )
    await audit.check_unchecked()
    clock.freeze(local(2026, 3, 20, 10))
    later = await audit.check_unchecked()

    assert "not_verified_after" not in await codes(refund.id)
    assert (await AuditCheck.get(refund_id=refund.id)).settled_at == local(2026, 3, 5, 10)
    assert later.checked == 0  # settled: left alone


async def test_a1_a_verify_first_refund_stuck_unverified_is_found_late_once():
    clock.freeze(local(2026, 3, 10, 10))
    handler = await f.staff(Role.HANDLER)
    refund = await verify_first_refund(handler)  # verification due Friday 13 March 10:00
    await audit.check_unchecked()
    assert await codes(refund.id) == []

    clock.freeze(local(2026, 3, 16, 10))  # Monday: not verified yet
    await audit.check_unchecked()
    finding = await AuditFinding.get(refund_id=refund.id, code="verified_late")
    assert (finding.rule, finding.params) == (
        "R-13",
        {"due": local(2026, 3, 13, 10).astimezone(UTC).isoformat(), "at": None},
    )
    await f.executed_refund(handler, await Refund.get(id=refund.id))  # verified late, paid
    await audit.check_unchecked()
    await audit.check_unchecked()

    assert await codes(refund.id) == ["verified_late"]  # found once, before and after execution
    check = await AuditCheck.get(refund_id=refund.id)
    assert check.settled_at is not None  # verify first and executed: nothing more to find


async def test_a1_a_confirmed_refund_never_executed_is_found_late_then_stuck():
    clock.freeze(local(2026, 3, 10, 10))
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(2000, cause_unknown_on_spot=True))
    await execution.confirm_amount(actor=handler, refund_id=refund.id)  # 48 hours to execute

    clock.freeze(local(2026, 3, 12, 11))
    await audit.check_unchecked()
    assert await codes(refund.id) == ["executed_late"]
    clock.freeze(local(2026, 3, 26, 11))  # 16 days after the request
    for _ in range(3):
        await audit.check_unchecked()

    assert await codes(refund.id) == ["executed_late", "not_closed_after"]
    stuck = await AuditFinding.get(refund_id=refund.id, code="not_closed_after")
    assert (stuck.rule, stuck.params) == ("A-1", {"days": 15, "status": "confirmed"})
    assert (await AuditCheck.get(refund_id=refund.id)).settled_at is None  # still watched


async def test_a1_a_cancelled_refund_is_checked_once_more_and_then_left_alone():
    clock.freeze(local(2026, 3, 10, 10))
    handler = await f.staff(Role.HANDLER)
    refund = await verify_first_refund(handler)
    await audit.check_unchecked()
    clock.freeze(local(2026, 3, 17, 10))  # the verification limit passed on Friday
    await cancel_refund(actor=handler, refund_id=refund.id, reason="客户撤回")

    first = await audit.check_unchecked()
    clock.freeze(local(2026, 4, 30, 10))
    later = await audit.check_unchecked()

    assert await codes(refund.id) == ["verified_late"]  # missed before it was cancelled
    assert first.checked >= 1 and later.checked >= 1  # the other refund, still open
    assert refund.id not in await rechecked_now()
    check = await AuditCheck.get(refund_id=refund.id)
    assert check.settled_at == local(2026, 3, 17, 10)


async def rechecked_now() -> set[int]:
    """The refunds whose check was just stored (their checked_at is now)."""
    rows = await AuditCheck.filter(checked_at=clock.now()).values_list("refund_id", flat=True)
    return set(rows)


async def test_a1_a_cancelled_refund_in_time_has_no_finding():
    clock.freeze(local(2026, 3, 10, 10))
    handler = await f.staff(Role.HANDLER)
    refund = await verify_first_refund(handler)
    clock.freeze(local(2026, 3, 11, 10))
    await cancel_refund(actor=handler, refund_id=refund.id, reason="客户撤回")
    clock.freeze(local(2026, 5, 11, 10))

    await audit.check_unchecked()

    assert await codes(refund.id) == []
    assert (await AuditCheck.get(refund_id=refund.id)).passed
