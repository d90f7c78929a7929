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
    from datetime import timedelta

    from services import clock
    from services.complaints.models import Deadline, DeadlineKind

    await Deadline.filter(complaint_id=complaint_id, kind=DeadlineKind.REVISIT_OPENS).update(
        due_at=clock.now() - timedelta(minutes=1)
    )


# refunds ------------------------------------------------------------------------------------


def refund_request(**overrides: Any) -> Any:
    """A company-liable duplicate-record refund: charged 30.00, due 12.34 (double: 35.32)."""
    from services.refunds.decisions import RefundRequest
    from services.refunds.policy import ChargeCategory, Liability

    values: dict[str, Any] = {
        "liability": Liability.COMPANY_LIABLE,
        "charge_category": ChargeCategory.DUPLICATE_RECORD,
        "charged_fen": 3000,
        "should_have_charged_fen": 1234,
    }
    values.update(overrides)
    return RefundRequest(**values)


def goodwill_request(refund_fen: int, **overrides: Any) -> Any:
    """A not-liable (goodwill) single refund of exactly `refund_fen`."""
    from services.refunds.policy import ChargeCategory, Liability

    values: dict[str, Any] = {
        "liability": Liability.NOT_LIABLE,
        "charge_category": ChargeCategory.GOODWILL,
        "business_type": "self_operated",
        "charged_fen": refund_fen,
        "should_have_charged_fen": 0,
    }
    values.update(overrides)
    return refund_request(**values)


def liable_request(refund_fen: int, **overrides: Any) -> Any:
    """A company-liable single refund (not a billing error) of exactly `refund_fen`."""
    from services.refunds.policy import ChargeCategory, Liability

    values: dict[str, Any] = {
        "liability": Liability.COMPANY_LIABLE,
        "charge_category": ChargeCategory.SERVICE_UNUSABLE,
        "business_type": "self_operated",
        "charged_fen": refund_fen,
        "should_have_charged_fen": 0,
    }
    values.update(overrides)
    return refund_request(**values)


def work_order(**overrides: Any) -> Any:
    from services.refunds.service import WorkOrder

    values: dict[str, Any] = {"matter": "话费重复扣费", "cause": "计费系统重复出账"}
    values.update(overrides)
    return WorkOrder(**values)


async def refund(
    actor: Staff,
    complaint_row: Complaint | None = None,
    request: Any = None,
    *,
    cust: Customer | None = None,
    **order: Any,
) -> Any:
    """A refund work order on a complaint owned by `actor` (refund first: R-7(c) customer)."""
    from services.refunds import service as refunds

    if complaint_row is None:
        cust = cust or await customer(credit_standing="good")
        complaint_row = await complaint(actor, cust)
    return await refunds.create_refund(
        actor=actor,
        complaint_id=complaint_row.id,
        request=request or refund_request(),
        order=work_order(**order),
    )


async def approver(band: int, track: Track = Track.BRANCH) -> Staff:
    """A member of staff whose highest approving role is `band` (R-12)."""
    roles = [Role.HANDLER, Role.TEAM_LEAD, Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM]
    return await staff(roles[band], track=track)


async def confirmed_refund(
    handler: Staff, refund_row: Any, approver_: Staff | None = None, note: str = "客户确认金额"
) -> Any:
    """Walk a refund through verification and approval to the customer's confirmation."""
    from services.refunds import approvals, changes, execution
    from services.refunds.models import RefundStatus

    if refund_row.status == RefundStatus.VERIFYING:
        refund_row = await changes.verify_refund(
            actor=handler,
            refund_id=refund_row.id,
            outcome=changes.Verification(
                cause="核实属实", measures="已整改", refund_due=True, liability=refund_row.liability
            ),
        )
    if refund_row.status == RefundStatus.AWAITING_APPROVAL:
        approver_ = approver_ or await approver(4, track=Track(refund_row.track))
        refund_row = await approvals.approve(actor=approver_, refund_id=refund_row.id)
    return await execution.confirm_amount(actor=handler, refund_id=refund_row.id, note=note)


async def executed_refund(handler: Staff, refund_row: Any, approver_: Staff | None = None) -> Any:
    """Walk a refund through verification, approval and confirmation to execution."""
    from services.refunds import execution

    refund_row = await confirmed_refund(handler, refund_row, approver_)
    return await execution.execute(actor=handler, refund_id=refund_row.id)


# partners -----------------------------------------------------------------------------------


async def partner(
    sp_code: str = "", *, services: tuple[str, ...] = ("MUSIC-VIP",), monternet: bool = True
) -> Any:
    """A partner (SP) with its services registered."""
    from services.partners import service as partners

    n = next(_seq)
    row = await partners.create_partner(sp_code=sp_code or f"9{n:05d}", name=f"合作方{n}")
    for code in services:
        await partners.add_service(
            sp_code=row.sp_code, service_code=code, name=f"{code} 包月", monternet=monternet
        )
    return row


async def partner_key(partner_row: Any, label: str = "") -> str:
    from services.partners import keys

    return (await keys.issue(partner_id=partner_row.id, label=label)).key


def submission(msisdn: str, service_code: str = "MUSIC-VIP", **overrides: Any) -> Any:
    """A partner's dispute: two monthly charges of 10.00 yuan, subscribed without knowing."""
    from services.partners.disputes import ChargeLine, Submission
    from services.partners.models import DisputeReason

    values: dict[str, Any] = {
        "msisdn": msisdn,
        "service_code": service_code,
        "charge_lines": (ChargeLine("2026-01", 1000), ChargeLine("2026-02", 1000)),
        "reason": DisputeReason.UNKNOWING_SUBSCRIPTION,
        "description": "客户称从未定制该业务",
        "evidence": ("ticket:A-1001",),
    }
    values.update(overrides)
    return Submission(**values)
