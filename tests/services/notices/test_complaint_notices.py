"""C-7 and C-9: the complaint events that tell the customer write their notice with them."""

from __future__ import annotations

from datetime import UTC, timedelta

from services import clock as domain_clock
from services.complaints import service as complaints
from services.complaints import timekeeping
from services.complaints.models import ContactPreference, Deadline, DeadlineKind
from services.notices.models import Notice, NoticeStatus
from services.staff.models import Role
from tests import factories as f
from tests.services.notices.conftest import DAYTIME, NIGHT


async def at(monkeypatch, when):
    monkeypatch.setattr(domain_clock, "now", lambda: when.astimezone(UTC))


async def resolved(handler, complaint):
    for step in (complaints.acknowledge, complaints.start_investigation):
        await step(actor=handler, complaint_id=complaint.id)
    await complaints.propose_plan(actor=handler, complaint_id=complaint.id, plan="核查计费记录")
    await complaints.start_resolution(actor=handler, complaint_id=complaint.id)
    return await complaints.resolve(
        actor=handler,
        complaint_id=complaint.id,
        cause="计费系统重复出账",
        solution="已退还多扣的30元",
        prevention="已修复出账程序并增加核对",
    )


async def test_c7_acknowledging_tells_the_customer_the_investigation_started(monkeypatch):
    await at(monkeypatch, DAYTIME)
    handler = await f.staff(Role.HANDLER)
    cust = await f.customer()
    complaint = await f.complaint(handler, cust)

    await complaints.acknowledge(actor=handler, complaint_id=complaint.id)

    notice = await Notice.get(key=f"complaint:{complaint.id}:acknowledged")
    plan = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.INITIAL_PLAN)
    local = plan.due_at.astimezone(DAYTIME.tzinfo)
    assert notice.body == (
        f"尊敬的客户,您反映的本月话费多扣了 30 元问题我们已受理(受理编号{complaint.id}),"
        f"现已开始调查处理,将于{local.month}月{local.day}日{local:%H:%M}前向您反馈初步处理方案。"
        "【中国移动】"
    )
    assert (notice.msisdn, notice.complaint_id, notice.template) == (
        cust.msisdn,
        complaint.id,
        "complaint_acknowledged",
    )


async def test_c7_the_plan_extension_told_by_sms_writes_the_notice(monkeypatch):
    await at(monkeypatch, DAYTIME)
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    await timekeeping.extend_plan_deadline(
        actor=handler,
        complaint_id=complaint.id,
        reason="需跨省核查",
        customer_told_via=ContactPreference.SMS,
    )

    notice = await Notice.get(key=f"complaint:{complaint.id}:plan_extended")
    assert "情况较为复杂" in notice.body and not notice.urgent
    assert notice.next_attempt_at == DAYTIME


async def test_c7_a_plan_extension_told_by_phone_sends_no_sms(monkeypatch):
    await at(monkeypatch, DAYTIME)
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    await timekeeping.extend_plan_deadline(
        actor=handler,
        complaint_id=complaint.id,
        reason="需跨省核查",
        customer_told_via=ContactPreference.PHONE,
    )

    assert await Notice.filter(complaint_id=complaint.id, template="plan_extended").count() == 0


async def test_c7_an_extension_before_a_deadline_inside_quiet_hours_goes_at_once(monkeypatch):
    await at(monkeypatch, NIGHT)
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await Deadline.filter(complaint_id=complaint.id, kind=DeadlineKind.INITIAL_PLAN).update(
        due_at=NIGHT + timedelta(hours=1)  # 23:30: the morning would be too late (C-7)
    )

    await timekeeping.extend_plan_deadline(
        actor=handler,
        complaint_id=complaint.id,
        reason="需跨省核查",
        customer_told_via=ContactPreference.SMS,
    )

    notice = await Notice.get(key=f"complaint:{complaint.id}:plan_extended")
    assert notice.urgent and notice.next_attempt_at == NIGHT


async def test_c7_result_feedback_by_sms_states_cause_solution_and_prevention(monkeypatch):
    await at(monkeypatch, DAYTIME)
    handler = await f.staff(Role.HANDLER)
    complaint = await resolved(handler, await f.complaint(handler))

    await timekeeping.record_result_told(
        actor=handler, complaint_id=complaint.id, via=ContactPreference.SMS
    )
    await timekeeping.record_result_told(
        actor=handler, complaint_id=complaint.id, via=ContactPreference.SMS
    )

    [notice] = await Notice.filter(complaint_id=complaint.id, template="result_feedback")
    assert notice.key == f"complaint:{complaint.id}:result:0"
    assert (
        "原因:计费系统重复出账;处理结果:已退还多扣的30元;改进措施:已修复出账程序并增加核对。"
        in notice.body
    )


async def test_c7_resolving_queues_the_revisit_invitation_for_when_the_window_opens(monkeypatch):
    await at(monkeypatch, DAYTIME)
    handler = await f.staff(Role.HANDLER)
    complaint = await resolved(handler, await f.complaint(handler))

    notice = await Notice.get(key=f"complaint:{complaint.id}:revisit:0")
    opens = await Deadline.get(complaint_id=complaint.id, kind=DeadlineKind.REVISIT_OPENS)
    assert notice.next_attempt_at == opens.due_at > DAYTIME

    await complaints.reopen(actor=handler, complaint_id=complaint.id, reason="客户不认可原因")

    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.CANCELLED


async def test_c9_a_promise_is_confirmed_to_the_customer_in_writing(monkeypatch):
    await at(monkeypatch, DAYTIME)
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)

    promise = await timekeeping.record_promise(
        actor=handler,
        complaint_id=complaint.id,
        promise="48小时内答复并赠送5GB流量包",
        due_at=DAYTIME + timedelta(hours=48),
    )

    notice = await Notice.get(key=f"complaint:{complaint.id}:{promise.key}")
    assert notice.body == (
        f"尊敬的客户,关于您反映的本月话费多扣了 30 元问题(受理编号{complaint.id}),我们向您承诺:"
        "48小时内答复并赠送5GB流量包,将于3月7日10:00前兑现。【中国移动】"
    )
