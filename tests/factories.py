"""Small builders for test data: real rows in the real database."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from services.complaints import service as complaints
from services.complaints.models import Category, Channel, Complaint
from services.customers.models import Customer, Tier
from services.staff.models import Department, Role, Staff, Track
from services.staff.service import hash_password

_seq = itertools.count(1)
PASSWORD = "correct horse battery"
_HASH = hash_password(PASSWORD)


async def department(code: str = "", name: str = "") -> Department:
    n = next(_seq)
    return await Department.create(code=code or f"D{n}", name=name or f"Department {n}")


async def staff(
    *roles: Role,
    dept: Department | None = None,
    track: Track = Track.BRANCH,
    username: str = "",
    head: bool = False,
) -> Staff:
    n = next(_seq)
    return await Staff.create(
        username=username or f"user{n}",
        display_name=f"Staff {n}",
        password_hash=_HASH,
        roles=[r.value for r in (roles or (Role.HANDLER,))],
        track=track,
        department=dept,
        is_department_head=head,
    )


async def customer(msisdn: str = "", tier: Tier = Tier.ORDINARY, **kw: Any) -> Customer:
    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"客户{n}",
        "province": "广东",
        "city": "广州",
        "joined_on": date(2020, 1, 1),
    }
    fields.update(kw)
    return await Customer.create(msisdn=msisdn or f"138{n:08d}", tier=tier, **fields)


def intake(msisdn: str, **overrides: Any) -> complaints.Intake:
    values: dict[str, Any] = {
        "msisdn": msisdn,
        "contact_name": "张先生",
        "channel": Channel.HOTLINE,
        "category": Category.BILLING_ERROR,
        "summary": "本月话费多扣了 30 元",
        "customer_request": "退还多扣的费用",
        "service_code": "VOICE-BASIC",
    }
    values.update(overrides)
    return complaints.Intake(**values)


async def complaint(actor: Staff, cust: Customer | None = None, **overrides: Any) -> Complaint:
    cust = cust or await customer()
    return await complaints.create_complaint(actor=actor, intake=intake(cust.msisdn, **overrides))


async def open_revisit_window(complaint_id: int) -> None:
    """Let the 3 working days after the result pass (C-7) without waiting for them."""
    from datetime import UTC, datetime, timedelta

    from services.complaints.models import Deadline, DeadlineKind

    await Deadline.filter(complaint_id=complaint_id, kind=DeadlineKind.REVISIT_OPENS).update(
        due_at=datetime.now(UTC) - timedelta(minutes=1)
    )
