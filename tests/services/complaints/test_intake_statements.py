"""Issue 14: what one intake costs the database, counted in SQL statements (no timing).

The caches an app keeps (thresholds, the working-day calendar, departments by code) are
filled by a first intake; the second is counted. BEGIN and COMMIT are not counted (Tortoise
does not log them)."""

from __future__ import annotations

from services.complaints.models import Category, ComplaintUrgency, Deadline, DeadlineKind
from services.staff.models import Role
from tests import factories as f

# 21 before issue 14 (22 with an important customer), then 7 (8), now 4 either way: the
# customer with the complaint's id and the investigator; every row with the urgency and the
# matter and customer locks (C-3, C-5); the reads after the locks; the rest of the history
MAX_STATEMENTS = 4


def _sql(counter) -> list[str]:
    return [q[:160] for q in counter.queries]


async def test_c2_an_intake_routed_elsewhere_sends_few_sql_statements(count_queries):
    own = await f.department(code="HOTLINE")
    await f.department(code="NET")
    handler = await f.staff(Role.HANDLER, dept=own)
    await f.complaint(handler, category=Category.NETWORK_FAULT)  # the caches filled
    customer = await f.customer()
    count_queries.queries.clear()

    complaint = await f.complaint(handler, customer, category=Category.NETWORK_FAULT)

    statements = _sql(count_queries)
    print(len(statements), *statements, sep="\n")
    assert 0 < len(statements) <= MAX_STATEMENTS, statements
    kinds = await Deadline.filter(complaint_id=complaint.id).values_list("kind", flat=True)
    assert sorted(kinds) == sorted(
        [DeadlineKind.ACKNOWLEDGE, DeadlineKind.INITIAL_PLAN, DeadlineKind.DEPARTMENT_FEEDBACK]
    )


async def test_c3_an_intake_of_an_important_customer_sends_few_sql_statements(count_queries):
    from services.customers.models import Tier

    own = await f.department(code="CS")
    handler = await f.staff(Role.HANDLER, dept=own)
    await f.complaint(handler)
    customer = await f.customer(tier=Tier.GOLD_AND_ABOVE)
    count_queries.queries.clear()

    complaint = await f.complaint(handler, customer)

    statements = _sql(count_queries)
    print(len(statements), *statements, sep="\n")
    assert 0 < len(statements) <= MAX_STATEMENTS, statements
    assert await ComplaintUrgency.filter(complaint_id=complaint.id).count() == 1


async def test_c6_an_intakes_history_keeps_its_order_with_fewer_statements():
    """The rows are written in fewer statements, the history reads as before: created, the
    intake's urgency, the classification (yellow: a second unresolved complaint, C-5), its
    escalation to the department head, then the routing (C-8)."""
    from services.complaints.models import ComplaintEvent
    from services.customers.models import Tier

    own = await f.department(code="HOTLINE")
    network = await f.department(code="NET")
    await f.staff(Role.HANDLER, dept=network)
    handler = await f.staff(Role.HANDLER, dept=own)
    customer = await f.customer(tier=Tier.GOLD_AND_ABOVE)
    await f.complaint(handler, customer)

    complaint = await f.complaint(handler, customer, category=Category.NETWORK_FAULT)

    history = await ComplaintEvent.filter(complaint_id=complaint.id).order_by("id")
    assert [(e.action, e.field) for e in history] == [
        ("created", "status"),
        ("urgency_added", "urgency"),
        ("classified", "warning_colour"),
        ("escalated_to_department_head", "department_head"),
        ("routed", "investigator"),
    ]
    assert complaint.warning_colour == "yellow"


async def test_c7_an_intake_writes_its_next_due_time_with_the_complaint():
    """The queue's next_due_at (migration 0016) is written with the complaint, as the
    deadlines' trigger would set it: the soonest pending deadline that can be missed."""
    from tortoise import Tortoise

    own = await f.department(code="HOTLINE")
    await f.department(code="NET")
    handler = await f.staff(Role.HANDLER, dept=own)

    complaint = await f.complaint(handler, category=Category.NETWORK_FAULT)

    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT c.next_due_at, (SELECT min(d.due_at) FROM complaint_deadlines d"
        " WHERE d.complaint_id = c.id AND d.state = 'pending' AND d.kind <> 'revisit_opens')"
        " AS soonest FROM complaints c WHERE c.id = $1",
        [complaint.id],
    )
    assert rows[0]["next_due_at"] is not None
    assert rows[0]["next_due_at"] == rows[0]["soonest"]
