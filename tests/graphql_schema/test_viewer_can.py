"""`viewerCan` on complaints and refunds agrees with what the mutations then do: both read the
permission table and the life-cycle tables (C-2, C-6, R-11, R-12)."""

from __future__ import annotations

from graphql_schema.ids import global_id
from services.refunds.models import RefundStatus
from services.staff.models import Role
from tests import factories as f

REFUND_CAN = """query($id: ID!) { refund(id: $id) { status band viewerCan {
  verify changeAmount cancel approve reject confirmAmount execute } } }"""
APPROVE = """mutation($id: ID!) { approveRefund(id: $id) { __typename
  ... on Error { code } } }"""


async def test_r12_refund_viewer_can_shows_approve_only_to_an_approver_whose_band_covers_it(gql):
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler, request=f.goodwill_request(40000))
    assert refund.status == RefundStatus.AWAITING_APPROVAL and refund.band >= 2
    lead, deputy = await f.approver(1), await f.approver(4)

    async def can(who) -> dict[str, bool]:
        data = await gql.data(REFUND_CAN, {"id": global_id("Refund", refund.id)}, as_=who)
        return data["refund"]["viewerCan"]

    mine = await can(handler)
    assert (mine["approve"], mine["cancel"], mine["changeAmount"], mine["execute"]) == (
        False,
        True,
        True,
        False,
    )
    assert (await can(lead))["approve"] is False
    theirs = await can(deputy)
    assert (theirs["approve"], theirs["reject"], theirs["confirmAmount"]) == (True, True, False)

    refused = await gql.data(APPROVE, {"id": global_id("Refund", refund.id)}, as_=lead)
    done = await gql.data(APPROVE, {"id": global_id("Refund", refund.id)}, as_=deputy)
    assert refused["approveRefund"]["code"] == "PERMISSION_DENIED"
    assert done["approveRefund"]["__typename"] == "RefundResult"
    after = await can(handler)  # approved: waits for the customer's confirmation
    assert (after["confirmAmount"], after["approve"], after["execute"]) == (True, False, False)
    assert (await can(deputy))["approve"] is False


# viewerCan field -> the use case function the matrix test calls (its arguments from there)
STEPS = {
    "acknowledge": "services.complaints.service.acknowledge",
    "startInvestigation": "services.complaints.service.start_investigation",
    "proposePlan": "services.complaints.service.propose_plan",
    "startResolution": "services.complaints.service.start_resolution",
    "resolve": "services.complaints.service.resolve",
    "reopen": "services.complaints.service.reopen",
    "archive": "services.complaints.service.archive",
    "assign": "services.complaints.service.assign",
    "pauseClock": "services.complaints.timekeeping.pause_clock",
    "resumeClock": "services.complaints.timekeeping.resume_clock",
    "recordPromise": "services.complaints.timekeeping.record_promise",
    "recordResultTold": "services.complaints.timekeeping.record_result_told",
}
COMPLAINT_CAN = (
    "query($id: ID!) { complaint(id: $id) { status viewerCan { " + " ".join(STEPS) + " } } }"
)


# inputs that pass every input check, so a refusal can only be the guard's or the state's
WHOLE: dict[str, dict[str, object]] = {
    "resolve": {"cause": "原因", "solution": "办法", "prevention": "措施"},
    "assign": {"reason": "交接"},
}


class _Rollback(Exception):
    pass


async def ran(function, kwargs) -> bool:
    """Run a use case in a transaction rolled back afterwards: False when the permission table
    or the life cycle refused it, True when it got past both (done, or a later refusal)."""
    from tortoise.transactions import in_transaction

    from services.errors import DomainError, IllegalTransition, PermissionDenied

    outcome = True
    try:
        async with in_transaction():
            try:
                await function(**kwargs)
            except (PermissionDenied, IllegalTransition):
                outcome = False
            except DomainError:
                pass
            raise _Rollback
    except _Rollback:
        return outcome


async def test_c6_complaint_viewer_can_agrees_with_every_step_at_every_status(gql):
    """Walk a complaint from RECEIVED to RESOLVED; at each status, for each actor, a step the
    buttons offer runs past its guard and state check, and one they do not is refused."""
    from services.complaints import service as complaints
    from services.permissions import registry
    from tests.services import test_permission_matrix as matrix

    w = await matrix.world()  # the complaint is acknowledged by its owner there
    functions = registry.use_cases()
    walk = [
        None,
        ("start_investigation", {}),
        ("propose_plan", {"plan": "方案"}),
        ("start_resolution", {}),
        ("resolve", {"cause": "原因", "solution": "办法", "prevention": "措施"}),
    ]
    mismatches, statuses, offered = [], [], 0
    for step in walk:
        if step is not None:
            name, more = step
            await getattr(complaints, name)(
                actor=w.staff["owner"], complaint_id=w.complaint.id, **more
            )
        for who in ("owner", "lead", "other_handler", "auditor"):
            actor = w.staff[who]
            data = await gql.data(
                COMPLAINT_CAN, {"id": global_id("Complaint", w.complaint.id)}, as_=actor
            )
            status = data["complaint"]["status"]
            statuses.append(status)
            for field, path in STEPS.items():
                _, function = functions[path]
                kwargs = {"actor": actor, **matrix.CALLS[path](w), **WHOLE.get(field, {})}
                went = await ran(function, kwargs)
                offered += went
                if went != data["complaint"]["viewerCan"][field]:
                    outcome = "ran" if went else "was refused"
                    mismatches.append(f"{status} {who} {field}: the step {outcome}")
    assert mismatches == []
    assert "RESOLVED" in statuses and 0 < offered < len(statuses) * len(STEPS)


# viewerCan field -> (the step, its arguments beyond actor and complaint_id)
CLOCK_STEPS: dict[str, tuple[str, dict[str, object]]] = {
    "extendPlanDeadline": (
        "extend_plan_deadline",
        {"reason": "情况复杂", "customer_told_via": "sms"},
    ),
    "keepPromise": ("keep_promise", {"key": "promise:1"}),
    "recordPromise": ("record_promise", {"promise": "48小时内答复"}),
    "recordRevisit": ("record_revisit", {"satisfied": True}),
    "pauseClock": ("pause_clock", {"reason": "等客户材料"}),
    "resumeClock": ("resume_clock", {}),
}
CLOCK_CAN = "query($id: ID!) { complaint(id: $id) { viewerCan { " + " ".join(CLOCK_STEPS) + " } } }"


async def test_c7_complaint_viewer_can_agrees_with_the_clock_steps_in_every_situation(gql):
    """C-7, C-9: one plan extension before it passes, a pending promise to keep, the revisit
    window, the clock paused or running. For each situation and each flag: true when the step
    then gets past the life cycle, false when the life cycle refuses it (both ask
    lifecycle.refusal)."""
    from datetime import timedelta

    from services import clock
    from services.complaints import service as complaints
    from services.complaints import timekeeping
    from services.complaints.models import ContactPreference, Deadline, DeadlineKind

    owner = await f.staff(Role.HANDLER)
    one = await f.complaint(owner)
    late = await f.complaint(owner)
    for c in (one, late):
        await complaints.acknowledge(actor=owner, complaint_id=c.id)
    functions = {
        "extend_plan_deadline": timekeeping.extend_plan_deadline,
        "keep_promise": timekeeping.keep_promise,
        "record_promise": timekeeping.record_promise,
        "record_revisit": complaints.record_revisit,
        "pause_clock": timekeeping.pause_clock,
        "resume_clock": timekeeping.resume_clock,
    }

    async def compare(situation: str, complaint_id: int) -> dict[str, bool]:
        data = await gql.data(CLOCK_CAN, {"id": global_id("Complaint", complaint_id)}, as_=owner)
        can = data["complaint"]["viewerCan"]
        for field, (name, more) in CLOCK_STEPS.items():
            kwargs = {"actor": owner, "complaint_id": complaint_id, **more}
            if name == "extend_plan_deadline":
                kwargs["customer_told_via"] = ContactPreference.SMS
            if name == "record_promise":
                kwargs["due_at"] = clock.now() + timedelta(days=2)
            went = await ran(functions[name], kwargs)
            if went != can[field]:
                outcome = "ran" if went else "was refused"
                mismatches.append(
                    f"{situation} {field}: viewerCan {can[field]}, the step {outcome}"
                )
        return can

    mismatches: list[str] = []
    seen = {}
    seen["acknowledged"] = await compare("acknowledged", one.id)
    await timekeeping.extend_plan_deadline(
        actor=owner, complaint_id=one.id, reason="复杂", customer_told_via=ContactPreference.SMS
    )
    seen["extended once"] = await compare("extended once", one.id)
    await timekeeping.record_promise(
        actor=owner, complaint_id=one.id, promise="明天答复", due_at=clock.now() + timedelta(days=1)
    )
    seen["promise pending"] = await compare("promise pending", one.id)
    await timekeeping.keep_promise(actor=owner, complaint_id=one.id, key="promise:1")
    seen["promise kept"] = await compare("promise kept", one.id)
    await timekeeping.pause_clock(actor=owner, complaint_id=one.id, reason="等客户材料")
    seen["paused"] = await compare("paused", one.id)
    await timekeeping.resume_clock(actor=owner, complaint_id=one.id)
    await complaints.start_investigation(actor=owner, complaint_id=one.id)
    await complaints.propose_plan(actor=owner, complaint_id=one.id, plan="方案")
    seen["plan proposed"] = await compare("plan proposed", one.id)
    await complaints.start_resolution(actor=owner, complaint_id=one.id)
    await complaints.resolve(
        actor=owner, complaint_id=one.id, cause="原因", solution="办法", prevention="措施"
    )
    seen["resolved"] = await compare("resolved", one.id)
    await f.open_revisit_window(one.id)
    seen["revisit window open"] = await compare("revisit window open", one.id)
    await Deadline.filter(complaint_id=late.id, kind=DeadlineKind.INITIAL_PLAN).update(
        due_at=clock.now() - timedelta(minutes=1)
    )
    seen["plan deadline passed"] = await compare("plan deadline passed", late.id)

    assert mismatches == []
    # what each situation offers, as a handler would see the buttons
    offered = {k: {field for field, v in can.items() if v} for k, can in seen.items()}
    assert offered == {
        "acknowledged": {"extendPlanDeadline", "recordPromise", "pauseClock"},
        "extended once": {"recordPromise", "pauseClock"},
        "promise pending": {"keepPromise", "recordPromise", "pauseClock"},
        "promise kept": {"recordPromise", "pauseClock"},
        "paused": {"recordPromise", "resumeClock"},
        "plan proposed": {"recordPromise", "pauseClock"},
        "resolved": {"recordPromise", "pauseClock"},
        "revisit window open": {"recordRevisit", "recordPromise", "pauseClock"},
        "plan deadline passed": {"recordPromise", "pauseClock"},
    }
