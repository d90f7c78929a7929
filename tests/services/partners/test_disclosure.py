"""C-12 for partners: what a partner learns of a dispute reveals nothing about the customer.

A special customer's dispute (R-9: verified first, inside) reads as anyone's until its
outcome; a number that is no customer's is accepted as any other and refused later, through
the dispute's status and a webhook event, as any refusal is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services import clock as domain_clock
from services.complaints.models import Complaint
from services.errors import InvalidInput
from services.partners import disputes, release, webhooks
from services.partners.models import DisputeStage, PartnerDispute, WebhookEvent
from services.refunds import approvals, changes
from services.refunds import clock as rclock
from services.refunds.models import Refund, RefundStatus, RiskProfile
from services.refunds.policy import Flow, Liability
from services.staff.models import Role
from services.thresholds import changes as threshold_changes
from services.thresholds import service as thresholds
from tests import factories as f

BIG = (disputes.ChargeLine("2026-01", 7500), disputes.ChargeLine("2026-02", 7500))


async def special_customer(msisdn: str):
    customer = await f.customer(msisdn)
    today = rclock.local_date(rclock.now())
    await RiskProfile.create(
        customer=customer,
        special=True,
        since=today,
        leaves_on=today + timedelta(days=90),
        computed_on=today,
    )
    return customer


async def opened(dispute: PartnerDispute) -> PartnerDispute:
    """What the worker does right after the submission's commit (`open_dispute`)."""
    await disputes.open_dispute(dispute.id)
    return await PartnerDispute.get(id=dispute.id).select_related("refund", "service")


async def events_of(dispute: PartnerDispute) -> list[tuple[str, str, str]]:
    rows = await WebhookEvent.filter(dispute_id=dispute.id).order_by("id")
    return [(e.type, e.previous_status, e.status) for e in rows]


async def handled_by_a_handler(dispute: PartnerDispute):
    """Given a handler who owns the dispute's complaint (as after an assignment)."""
    handler = await f.staff(Role.HANDLER)
    await Complaint.filter(id=dispute.complaint_id).update(owner_id=handler.id)
    return handler


async def test_r9_a_special_customers_dispute_is_verified_first_inside_and_open_outside():
    partner = await f.partner(monternet=True)
    plain = await f.customer("13800001234")
    special = await special_customer("13811111234")

    a = await disputes.submit(
        partner_id=partner.id, submission=f.submission(plain.msisdn), idempotency_key="a"
    )
    b = await disputes.submit(
        partner_id=partner.id, submission=f.submission(special.msisdn), idempotency_key="b"
    )
    a, b = await opened(a), await opened(b)

    inside = [(r.flow, r.status) for r in (a.refund, b.refund)]
    assert inside[0][0] is Flow.REFUND_FIRST
    assert inside[1] == (Flow.VERIFY_FIRST, RefundStatus.VERIFYING)  # R-9 holds
    assert (a.stage, b.stage) == (DisputeStage.OPEN, DisputeStage.OPEN)
    assert disputes.decision(a.service) == disputes.decision(b.service)
    assert disputes.shown_refund_fen(a) == disputes.shown_refund_fen(b) == 2000


async def test_c12_the_refunds_steps_before_its_outcome_write_no_partner_event():
    partner = await f.partner(monternet=True)
    special = await special_customer("13822221234")
    dispute = await disputes.submit(
        partner_id=partner.id,
        submission=f.submission(special.msisdn, charge_lines=BIG),
        idempotency_key="v",
    )
    dispute = await opened(dispute)
    handler = await handled_by_a_handler(dispute)

    verified = await changes.verify_refund(
        actor=handler,
        refund_id=dispute.refund_id,
        outcome=changes.Verification(
            cause="SP 扣费无订购记录",
            measures="已通知 SP",
            refund_due=True,
            liability=Liability.COMPANY_LIABLE,
        ),
    )

    assert verified.status is RefundStatus.AWAITING_APPROVAL  # a step inside
    await dispute.refresh_from_db()
    assert dispute.stage is DisputeStage.OPEN
    assert await events_of(dispute) == [("dispute.created", "", "open")]


async def test_c12_a_number_that_is_no_customers_is_accepted_then_refused_like_any_refusal():
    partner = await f.partner(monternet=True)
    customer = await f.customer("13833331234")
    taken = await disputes.submit(
        partner_id=partner.id,
        submission=f.submission(customer.msisdn, charge_lines=BIG),
        idempotency_key="c",
    )
    taken = await opened(taken)
    nobody = await disputes.submit(
        partner_id=partner.id,
        submission=f.submission("13899991234", charge_lines=BIG),
        idempotency_key="n",
    )
    accepted = [
        (d.stage, d.claimed_fen, disputes.shown_refund_fen(d), d.refuse_at is None)
        for d in (taken, nobody)
    ]
    # an approver refuses the customer's; the worker refuses the other in its own time
    approver = await f.approver(4)
    await approvals.reject(actor=approver, refund_id=taken.refund_id, reason="SP 已提供订购凭证")
    assert nobody.refuse_at is not None
    low, high = disputes.UNMATCHED_REFUSAL_AFTER
    early = await disputes.refuse_unmatched(at=nobody.created_at + low - timedelta(seconds=1))
    refused = await disputes.refuse_unmatched(at=nobody.refuse_at)

    assert accepted[0][:3] == accepted[1][:3] == (DisputeStage.OPEN, 15000, 15000)
    assert nobody.created_at + low <= nobody.refuse_at <= nobody.created_at + high
    assert (early, refused) == (0, 1)
    for row in (taken, nobody):
        await row.refresh_from_db()
    assert taken.stage is nobody.stage is DisputeStage.REFUSED
    assert (
        await events_of(taken)
        == await events_of(nobody)
        == [
            ("dispute.created", "", "open"),
            ("dispute.status_changed", "open", "refused"),
        ]
    )
    assert (nobody.customer_id, nobody.complaint_id, nobody.refund_id) == (None, None, None)
    assert await Refund.all().count() == 1  # nothing was opened for the number


async def test_c12_a_refused_dispute_of_no_customer_is_refused_once():
    partner = await f.partner(monternet=True)
    nobody = await disputes.submit(
        partner_id=partner.id, submission=f.submission("13899990000"), idempotency_key="n"
    )
    later = nobody.created_at + disputes.UNMATCHED_REFUSAL_AFTER[1]

    counts = [await disputes.refuse_unmatched(at=later) for _ in range(2)]

    assert counts == [1, 0]
    assert await WebhookEvent.filter(dispute_id=nobody.id).count() == 2


class Recorder:
    """A job queue that only remembers which jobs a submission asked for."""

    def __init__(self) -> None:
        self.jobs: list[str] = []

    async def schedule(self, job: str, *, key: str, run_at, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.jobs.append(job)


async def jobs_of(partner, msisdn: str, key: str) -> tuple[list[str], PartnerDispute]:
    from services import scheduling

    recorder = Recorder()
    scheduling.install(recorder)
    try:
        dispute = await disputes.submit(
            partner_id=partner.id, submission=f.submission(msisdn), idempotency_key=key
        )
    finally:
        scheduling.install(None)
    return recorder.jobs, dispute


async def test_c12_a_submission_does_the_same_for_a_customer_a_special_one_and_no_customer():
    """Whoever the number is, a submission answers the same and queues the same jobs (the
    webhook's delivery, the opening), so neither its answer nor the work behind it differs."""
    partner = await f.partner(monternet=True)
    plain = await f.customer("13800001234")
    special = await special_customer("13811111234")

    seen = [
        await jobs_of(partner, msisdn, key)
        for msisdn, key in ((plain.msisdn, "p"), (special.msisdn, "s"), ("13899991234", "n"))
    ]

    jobs = [webhooks.DELIVER_WEBHOOK_JOB, disputes.OPEN_DISPUTE_JOB]
    assert seen[0][0] == seen[1][0] == seen[2][0] == jobs
    answers = [
        (d.stage, d.claimed_fen, disputes.shown_refund_fen(d), disputes.decision(d.service))
        for _, d in seen
    ]
    assert answers[0] == answers[1] == answers[2]
    assert await disputes.open_dispute(seen[2][1].id) is False  # the number's job opens nothing


async def test_c12_a_refusal_the_worker_writes_is_dated_and_due_at_the_release_time():
    """A number that is no customer's is refused inside within hours; its event is written
    then, dated and due at the release time, and the partner's event log lists it from then."""
    partner = await f.partner(monternet=True)
    nobody = await disputes.submit(
        partner_id=partner.id, submission=f.submission("13899990000"), idempotency_key="n"
    )
    assert nobody.refuse_at is not None and nobody.release_at is not None
    await disputes.refuse_unmatched(at=nobody.refuse_at)
    event = await WebhookEvent.get(dispute_id=nobody.id, type=webhooks.STATUS_CHANGED)
    await nobody.refresh_from_db()
    at_refusal = release.shown(nobody, nobody.refuse_at)
    domain_clock.freeze(nobody.refuse_at)
    listed_before = [e.type for e in await webhooks.events_of(partner.id, first=10)]
    domain_clock.freeze(nobody.release_at)
    listed_then = [e.type for e in await webhooks.events_of(partner.id, first=10)]

    assert nobody.stage is DisputeStage.REFUSED  # inside, at once
    assert (event.occurred_at, event.next_attempt_at) == (nobody.release_at, nobody.release_at)
    assert event.created_at == nobody.refuse_at
    assert at_refusal == release.Shown(DisputeStage.OPEN, nobody.created_at)
    assert release.shown(nobody, nobody.release_at) == release.Shown(
        DisputeStage.REFUSED, nobody.release_at
    )
    assert listed_before == [webhooks.CREATED]
    assert listed_then == [webhooks.STATUS_CHANGED, webhooks.CREATED]


async def test_c12_a_dispute_submitted_before_release_times_shows_its_outcome_as_before():
    """`release_at` NULL (submitted before migration 0026): its outcome was shown already."""
    partner = await f.partner(monternet=True)
    old = await disputes.submit(
        partner_id=partner.id, submission=f.submission("13899990000"), idempotency_key="n"
    )
    await PartnerDispute.filter(id=old.id).update(release_at=None)
    await disputes.refuse_unmatched(at=old.refuse_at)
    await old.refresh_from_db()
    event = await WebhookEvent.get(dispute_id=old.id, type=webhooks.STATUS_CHANGED)
    listed = await disputes.disputes_of(
        partner.id, where=disputes.DisputeFilter(stages=(DisputeStage.REFUSED,)), first=5
    )

    assert release.shown(old, old.refuse_at) == release.Shown(DisputeStage.REFUSED, old.refuse_at)
    assert event.occurred_at == event.next_attempt_at == old.refuse_at
    assert [d.id for d in listed.rows] == [old.id]


async def test_c12_the_release_delay_is_a_whole_number_of_working_days_from_1_to_30():
    admin = await f.staff(Role.ADMIN)
    for wrong in (0, 31, 2.5, "6", True):
        with pytest.raises(InvalidInput):
            await threshold_changes.change_thresholds(
                actor=admin, values={release.RELEASE_WORKING_DAYS: wrong}, reason="试"
            )
    await threshold_changes.change_thresholds(
        actor=admin, values={release.RELEASE_WORKING_DAYS: 1}, reason="试"
    )

    assert await thresholds.current(release.RELEASE_WORKING_DAYS) == 1
    assert thresholds.registered()[release.RELEASE_WORKING_DAYS].default == 6


async def test_c12_outcomes_released_at_one_instant_are_listed_and_sent_in_submission_order():
    """Two disputes submitted on one day off share a release time; the first submitted is
    refused last inside. The partner's event log and the relay order them by dispute, so
    neither tells which outcome really came first."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    partner = await f.partner(monternet=True)
    saturday = datetime(2026, 3, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    made = []
    for hour, number in ((0, "13899990001"), (1, "13899990002")):
        domain_clock.freeze(saturday + timedelta(hours=hour))
        made.append(
            await disputes.submit(
                partner_id=partner.id, submission=f.submission(number), idempotency_key=number
            )
        )
    first, second = made
    assert first.release_at == second.release_at is not None
    moments = ((second, saturday + timedelta(hours=5)), (first, saturday + timedelta(hours=9)))
    for dispute, refuse_at in moments:
        await PartnerDispute.filter(id=dispute.id).update(refuse_at=refuse_at)
    for _, refuse_at in moments:
        assert await disputes.refuse_unmatched(at=refuse_at) == 1
    outcomes = {
        e.dispute_id: e.id
        for e in await WebhookEvent.filter(type=webhooks.STATUS_CHANGED, partner_id=partner.id)
    }
    domain_clock.freeze(first.release_at)
    log = [(e.dispute_id, e.type) for e in await webhooks.events_of(partner.id, first=10)]
    due = await webhooks.due(at=first.release_at)

    assert outcomes[first.id] > outcomes[second.id]  # inside, the second was refused first
    assert log == [
        (second.id, webhooks.STATUS_CHANGED),
        (first.id, webhooks.STATUS_CHANGED),
        (second.id, webhooks.CREATED),
        (first.id, webhooks.CREATED),
    ]
    sent_for = [(await WebhookEvent.get(id=batch[-1])).dispute_id for batch in due]
    assert sent_for == [first.id, second.id]
