"""What a refund request (service.create_refund, quick_refund) is decided from, in one
statement (issue 14: the request's round trips): the complaint's permission facts, its
customer, the customer's facts the rules decide by, and the new refund's id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.connection import get_connection

from services.customers.models import Customer
from services.errors import NotFound
from services.permissions.table import ComplaintFacts
from services.refunds import clock, risk_profiles
from services.refunds.decisions import CustomerFacts, facts_of


@dataclass(frozen=True)
class RequestRead:
    """What a new refund is decided from, read in one statement (`read_for_request`)."""

    complaint: ComplaintFacts
    customer: Customer
    facts: CustomerFacts
    refund_id: int  # taken from the sequence: a gap when the request is then refused


_READ_SQL = ""


async def read_for_request(complaint_id: int, *, at: datetime) -> RequestRead:
    """The complaint's permission facts, its customer, and the customer's facts the rules
    decide by (decisions.customer_facts: the same index ranges of the customer's refunds, and
    the K-1 profile's stored answer), with the new refund's id: one statement."""
    global _READ_SQL
    if not _READ_SQL:
        columns = "".join(
            f', cu."{c}" AS "customer {c}"' for c in Customer._meta.fields_db_projection.values()
        )
        mine = 'FROM "refunds" f WHERE f."customer_id" = cu."id"'
        _READ_SQL = (
            'SELECT c."owner_id" AS "owner", c."first_handler_id" AS "first handler", '
            f'c."department_id" AS "department"{columns}, '
            f'(SELECT count(*) {mine} AND f."executed_at" >= $2) AS "recent", '
            f'EXISTS (SELECT 1 {mine} AND f."executed_at" IS NOT NULL) AS "refunded before", '
            f'EXISTS (SELECT 1 {mine} AND f."created_at" >= $3) AS "disputed this year", '
            'p."special" AS "special", p."leaves_on" AS "leaves on", '
            "nextval(pg_get_serial_sequence('refunds', 'id')) AS \"next refund id\" "
            'FROM "complaints" c JOIN "customers" cu ON cu."id" = c."customer_id" '
            'LEFT JOIN "risk_profiles" p ON p."customer_id" = cu."id" WHERE c."id" = $1'
        )
    today = clock.local_date(at)
    rows = await get_connection("default").execute_query_dict(
        _READ_SQL,
        [
            complaint_id,
            clock.local_midnight(clock.month_start(today, 2)),
            clock.local_midnight(date(today.year, 1, 1)),
        ],
    )
    if not rows:
        raise NotFound("No complaint has this id.", field="complaintId")
    row = rows[0]
    customer = Customer._init_from_db(
        **{k.removeprefix("customer "): v for k, v in row.items() if k.startswith("customer ")}
    )
    return RequestRead(
        complaint=ComplaintFacts(
            owner_id=row["owner"],
            first_handler_id=row["first handler"],
            department_id=row["department"],
        ),
        customer=customer,
        facts=facts_of(
            customer,
            today=today,
            recent=row["recent"],
            refunded_before=row["refunded before"],
            disputed_this_year=row["disputed this year"],
            special=risk_profiles.special_on(
                bool(row["special"]), row["leaves on"], customer, today
            ),
        ),
        refund_id=int(row["next refund id"]),
    )
