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
    await _refunds_in_every_state()
    await _assist_examples()
    return True


ASSIST_EXAMPLES = (  # what customers say, for the handler assist (S-2): `complaint { assist }`
    (
        Category.VALUE_ADDED_SERVICE,
        "這個彩鈴我從來沒有訂購過，你們偷偷扣費！！！",
        "退钱，叫你们经理出来",
    ),
    (
        Category.NETWORK_FAULT,
        "我们几个邻居一起来的，整栋楼都没信号",
        "今天必须修好，不然我们找记者",
    ),
)


async def _assist_examples() -> None:
    handler = await Staff.get(username="handler")
    for index, (category, summary, request) in enumerate(ASSIST_EXAMPLES):
        await complaints.create_complaint(
            actor=handler,
            intake=complaints.Intake(
                msisdn=CUSTOMERS[index][0],
                contact_name="客户本人",
                channel=Channel.STORE,
                category=category,
                summary=summary,
                customer_request=request,
                service_code="CRBT" if index == 0 else "VOICE-BASIC",
            ),
        )


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
            root_cause="billing_system_error",  # C-11: from the root-cause taxonomy
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


async def _refunds_in_every_state() -> None:
    """Branch-track refunds by `handler` (R-11), approved by `manager`; a special customer."""
    from services.refunds import approvals, changes, clock, execution
    from services.refunds import service as refunds
    from services.refunds.compensation_service import CompensationInput, record_compensation
    from services.refunds.decisions import RefundRequest
    from services.refunds.models import CompensationKind, GiftGround, Refund, RefundStatus
    from services.refunds.policy import BusinessType, ChargeCategory, Liability

    handler = await Staff.get(username="handler")
    manager = await Staff.get(username="manager")

    async def complaint(msisdn: str) -> int:
        row = await complaints.create_complaint(
            actor=handler,
            intake=complaints.Intake(
                msisdn=msisdn,
                contact_name="客户本人",
                channel=Channel.HOTLINE,
                category=Category.BILLING_ERROR,
                summary="本月话费异常,要求退费",
                customer_request="退还多收费用",
                service_code="VOICE-BASIC",
            ),
        )
        return row.id

    async def refund(msisdn: str, fen: int, liable: bool = True, matter: str = "话费") -> int:
        request = RefundRequest(
            liability=Liability.COMPANY_LIABLE if liable else Liability.NOT_LIABLE,
            charge_category=ChargeCategory.SERVICE_UNUSABLE if liable else ChargeCategory.GOODWILL,
            charged_fen=fen,
            should_have_charged_fen=0,
            business_type=BusinessType.SELF_OPERATED,
            cause_unknown_on_spot=fen <= 2000,
        )
        row = await refunds.create_refund(
            actor=handler,
            complaint_id=await complaint(msisdn),
            request=request,
            order=refunds.WorkOrder(matter=matter, cause="计费异常"),
        )
        return row.id

    async def approved(refund_id: int) -> int:
        if (await Refund.get(id=refund_id)).status == RefundStatus.AWAITING_APPROVAL:
            await approvals.approve(actor=manager, refund_id=refund_id, note="同意")
        return refund_id

    async def confirmed(refund_id: int) -> int:
        await execution.confirm_amount(actor=handler, refund_id=refund_id, note="电话确认")
        return refund_id

    async def executed(refund_id: int) -> int:
        await execution.execute(actor=handler, refund_id=refund_id)
        return refund_id

    await refund("13900139000", 1500, matter="来电提醒")  # band 0: awaiting confirmation
    await refund("13800138000", 5000, matter="语音通话")  # awaiting approval
    await confirmed(await approved(await refund("13700137000", 30000, matter="流量")))
    await executed(await confirmed(await approved(await refund("13600136000", 8800))))
    await approvals.reject(
        actor=manager, refund_id=await refund("13500135000", 12000), reason="证据不足"
    )
    await changes.cancel_refund(
        actor=handler, refund_id=await refund("13800138000", 2500), reason="客户撤回"
    )
    for _ in range(3):  # three goodwill refunds in a month: a special customer (K-1)
        await executed(await confirmed(await approved(await refund("15800158000", 900, False))))
    await refund("15800158000", 4000, False, matter="短信")  # verifying
    declined = await refund("15800158000", 3000, False, matter="彩铃")
    await changes.verify_refund(
        actor=handler,
        refund_id=declined,
        outcome=changes.Verification(
            cause="客户本人订购", measures="已解释", refund_due=True, liability=Liability.NOT_LIABLE
        ),
    )  # K-4: declined
    await record_compensation(
        actor=handler,
        complaint_id=await complaint("13900139000"),
        given=CompensationInput(
            kind=CompensationKind.GIFT,
            value_fen=15000,
            description="上门礼品",
            gift_ground=GiftGround.VISIT,
            visited_on=clock.local_date(clock.now()),
        ),
    )
    assert {s.value for s in RefundStatus} == {
        s for s in await Refund.all().distinct().values_list("status", flat=True)
    }
