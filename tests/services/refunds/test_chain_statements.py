"""Issue 14: what a refund chain costs the database, counted in SQL statements (no timing).

The chain of the HTTP benchmark: a handler's refund on a complaint they took (company liable,
duplicate record: band 1), approved by a team lead, confirmed, executed. A first chain fills
the caches an app keeps (thresholds, the working-day calendar, the notice template); the
second is counted, step by step. BEGIN and COMMIT are not counted (Tortoise does not log
them): approval, confirmation and execution each add those two, the request has none (its
write is one statement).

Before issue 14's refund work: 11, 6 (7 before the joined permission facts), 7 and 16.
"""

from __future__ import annotations

from services.notices.models import Notice
from services.refunds import approvals, execution
from services.refunds.deadline_models import RefundDeadline, RefundDeadlineState
from services.refunds.models import LedgerEntry, RefundEvent, RefundStatus, RiskProfile
from services.staff.models import Role
from tests import factories as f

# the permission facts come with the row read (the complaint, or the refund locked)
MAX_REQUEST = 2  # the complaint, its customer and their facts; the refund, history, limits
MAX_APPROVAL = 2  # the refund locked; the approval, the refund, history
# the refund locked; the refund, history and its new limit (a limit set for the first time
# needs no read of the others: a row of that limit at that time, if any, stays)
MAX_CONFIRMATION = 2
# the refund and its customer locked; the notice; the K-1 profile locked; the customer's
# refunds (K-1) and the refund's limits; the refund, credit, profile, history and limits
MAX_EXECUTION = 5


def _sql(counter) -> list[str]:
    return [q[:200] for q in counter.queries]


async def _chain(counter) -> dict[str, list[str]]:
    own = await f.department(code="HOTLINE")
    handler = await f.staff(Role.HANDLER, dept=own)
    lead = await f.staff(Role.TEAM_LEAD, dept=own)
    counts: dict[str, list[str]] = {}
    for _ in range(2):  # the first fills the caches
        customer = await f.customer(credit_standing="good")
        complaint = await f.complaint(handler, customer)
        counter.queries.clear()
        refund = await f.refund(handler, complaint)
        counts["request"] = _sql(counter)
        counter.queries.clear()
        await approvals.approve(actor=lead, refund_id=refund.id)
        counts["approval"] = _sql(counter)
        counter.queries.clear()
        await execution.confirm_amount(actor=handler, refund_id=refund.id, note="电话确认")
        counts["confirmation"] = _sql(counter)
        counter.queries.clear()
        done = await execution.execute(actor=handler, refund_id=refund.id)
        counts["execution"] = _sql(counter)
    assert done.status == RefundStatus.EXECUTED
    counts["refund"] = [str(done.id)]
    return counts


async def test_r11_a_refund_request_reads_once_and_writes_once(count_queries):
    counts = await _chain(count_queries)

    assert 0 < len(counts["request"]) <= MAX_REQUEST, counts["request"]


async def test_r12_an_approval_locks_the_refund_and_writes_once(count_queries):
    counts = await _chain(count_queries)

    assert 0 < len(counts["approval"]) <= MAX_APPROVAL, counts["approval"]


async def test_r13_a_confirmation_sends_few_sql_statements(count_queries):
    counts = await _chain(count_queries)

    assert 0 < len(counts["confirmation"]) <= MAX_CONFIRMATION, counts["confirmation"]


async def test_r14_an_execution_sends_few_sql_statements_and_writes_everything(count_queries):
    counts = await _chain(count_queries)

    assert 0 < len(counts["execution"]) <= MAX_EXECUTION, counts["execution"]
    refund_id = int(counts["refund"][0])
    entry = await LedgerEntry.get(refund_id=refund_id)
    notice = await Notice.get(key=f"refund:{refund_id}:executed")
    history = await RefundEvent.filter(refund_id=refund_id).order_by("id")
    assert [e.action for e in history] == ["requested", "approved", "amount_confirmed", "executed"]
    assert history[-1].data == {
        "ledger_entry_id": entry.id,
        "notice_id": notice.id,
        "special_customer": False,
    }
    assert (entry.amount_fen, notice.refund_id) == (3532, refund_id)
    profile = await RiskProfile.get(customer_id=entry.customer_id)
    assert profile.last_refund_id == refund_id and not profile.special
    limits = await RefundDeadline.filter(refund_id=refund_id).values_list("kind", "state")
    assert limits == [("execute", RefundDeadlineState.MET)]
