"""Demo data for `make run`: every customer tier, every staff role, complaints in every state."""

from __future__ import annotations

from datetime import date, timedelta

from tortoise.transactions import in_transaction

from services.complaints import service as complaints
from services.complaints.models import Category, Channel, Deadline, DeadlineKind, Status
from services.customers.models import CreditStanding, Customer, Tier
from services.staff.models import Department, Role, Staff, Track
from services.staff.service import hash_password

DEMO_PASSWORD = "tousu-demo"

STAFF = [
    # username, name, roles, track, department code, head of department
    ("handler", "王小明 (受理员)", [Role.HANDLER], Track.BRANCH, "CS", False),
    ("handler2", "李娜 (受理员)", [Role.HANDLER], Track.SERVICE_CENTRE, "CS", False),
    ("lead", "赵强 (班组长)", [Role.TEAM_LEAD], Track.SERVICE_CENTRE, "CS", False),
    ("supervisor", "孙丽 (投诉主管)", [Role.SUPERVISOR], Track.SERVICE_CENTRE, "CS", True),
    ("manager", "周伟 (部门经理)", [Role.MANAGER], Track.BRANCH, "NET", True),
    ("deputy", "吴刚 (副总经理)", [Role.DEPUTY_GM], Track.BRANCH, "MKT", True),
    ("auditor", "郑敏 (稽核)", [Role.AUDITOR], Track.SERVICE_CENTRE, None, False),
    ("admin", "管理员", [Role.ADMIN], Track.SERVICE_CENTRE, None, False),
]

CUSTOMERS = [
    ("13800138000", "张伟", Tier.ORDINARY, False),
    ("13900139000", "王芳", Tier.MID_HIGH_END, False),
    ("13700137000", "刘洋", Tier.GOLD_AND_ABOVE, False),
    ("13600136000", "陈静", Tier.GROUP_CONTACT, False),
    ("13500135000", "杨磊", Tier.GOVERNMENT_CONTACT, False),
    ("15800158000", "黄敏", Tier.ORDINARY, True),
]


async def load_once() -> bool:
    """Load the demo set unless staff already exist; True if it loaded."""
    if await Staff.exists():
        return False
    async with in_transaction():
        departments = {
            code: await Department.create(code=code, name=name)
            for code, name in (("CS", "客户服务中心"), ("NET", "网络部"), ("MKT", "市场部"))
        }
        password_hash = hash_password(DEMO_PASSWORD)
        for username, name, roles, track, dept, head in STAFF:
            await Staff.create(
                username=username,
                display_name=name,
                password_hash=password_hash,
                roles=[r.value for r in roles],
                track=track,
                department=departments[dept] if dept else None,
                is_department_head=head,
            )
        for msisdn, name, tier, sensitive in CUSTOMERS:
            await Customer.create(
                msisdn=msisdn,
                name=name,
                tier=tier,
                province="广东",
                city="广州",
                joined_on=date(2018, 5, 1),
                credit_standing=CreditStanding.GOOD,
                sensitive=sensitive,
                sensitive_reason="多次媒体投诉" if sensitive else "",
            )
    await _complaints_in_every_state()
    return True


async def _revisit_now(handler: Staff, complaint_id: int) -> None:
    """Demo only: pretend the 3 working days before a revisit (C-7) have passed."""
    await Deadline.filter(complaint_id=complaint_id, kind=DeadlineKind.REVISIT_OPENS).update(
        due_at=complaints.now() - timedelta(minutes=1)
    )
    await complaints.record_revisit(actor=handler, complaint_id=complaint_id, satisfied=True)


async def _complaints_in_every_state() -> None:
    handler = await Staff.get(username="handler")
    steps = [
        lambda cid: complaints.acknowledge(actor=handler, complaint_id=cid),
        lambda cid: complaints.start_investigation(actor=handler, complaint_id=cid),
        lambda cid: complaints.propose_plan(
            actor=handler, complaint_id=cid, plan="核实后退还多收费用"
        ),
        lambda cid: complaints.start_resolution(actor=handler, complaint_id=cid),
        lambda cid: complaints.resolve(
            actor=handler,
            complaint_id=cid,
            cause="计费系统重复出账",
            solution="退还多收的 30 元",
            prevention="已修复出账规则",
        ),
        lambda cid: _revisit_now(handler, cid),
        lambda cid: complaints.archive(actor=handler, complaint_id=cid),
    ]
    customers = [c[0] for c in CUSTOMERS]
    categories = list(Category)
    channels = list(Channel)
    for index, status in enumerate(Status):
        complaint = await complaints.create_complaint(
            actor=handler,
            intake=complaints.Intake(
                msisdn=customers[index % len(customers)],
                contact_name="客户本人",
                channel=channels[index % len(channels)],
                category=categories[index % len(categories)],
                summary=f"演示投诉 {index + 1}: 本月话费异常",
                customer_request="查明原因并退费",
                service_code="VOICE-BASIC",
            ),
        )
        for step in steps[:index]:
            await step(complaint.id)
        await complaint.refresh_from_db()
        assert complaint.status == status
