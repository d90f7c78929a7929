"""Partner refund disputes (R-2): a complaint and a partner refund, by the same rules as any.

`submit` takes the partner's customer's dispute of charges for one of the partner's own
services, takes a complaint for it under the partner's intake account and a refund work order
on it through `services.refunds.service.create_refund`: R-7(a) makes a Monternet service
refund first, R-9 makes a special customer (K-1) verify first, R-8 the rest unless R-7(b)-(d)
hold. The submission writes the dispute only (a dozen statements: what the partner is told
is made from it); the complaint and the refund are taken right after the commit by the
worker's `open_dispute` job, and its sweep (`open_waiting`) opens one whose job was lost.
Every query filters by the partner in the query itself: another partner's dispute is
indistinguishable from one that does not exist.

What the partner learns reveals nothing about the customer (C-12): the answer and every later
read are made from the dispute (its stage, the rule of its service, the amount the rules give
for the charges submitted), never from the refund's steps, so a special customer's dispute
(verified first, R-9) reads exactly as anyone's until its outcome. A number that is no
customer's is accepted the same way; it opens nothing and is refused by the worker
(`refuse_unmatched`) at a moment drawn within the time people take to refuse a dispute,
through the dispute's status and a webhook event like any other refusal. Nor does the time
an outcome takes: the partner sees it no earlier than the dispute's release time, set at
submission (services.partners.release); the reads here and the status filter show the stage
as the partner sees it then.

Idempotency: every submission carries a key, scoped to the partner
(services.refunds.idempotency with scope `partner:<id>:dispute`): the same key and input
answer with the first dispute, another input with IDEMPOTENCY_MISMATCH, and concurrent
duplicates make one dispute (the unique (scope, key) index decides).
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import string
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from services import scheduling
from services.complaints import service as complaints
from services.complaints.models import Category, Channel, Complaint
from services.customers.models import Customer
from services.errors import DomainError, ErrorCode, InvalidInput, NotFound, Problem
from services.partners import limits, release, webhooks
from services.partners.models import (
    DisputeReason,
    DisputeStage,
    Partner,
    PartnerDispute,
    PartnerService,
)
from services.phones import normalize_msisdn
from services.refunds import clock, idempotency, policy
from services.refunds import service as refunds
from services.refunds.decisions import RefundRequest
from services.refunds.models import IdempotencyKey, Refund
from services.refunds.policy import BusinessType, ChargeCategory, Flow, Liability, yuan
from services.staff.models import Staff

log = logging.getLogger(__name__)
OPEN_DISPUTE_JOB = "open_dispute"
# the sweep opens a customer's dispute whose job was lost once it is this old
OPEN_AFTER = timedelta(seconds=30)
MAX_LINES = 24
MAX_LINE_FEN = 10_000_000  # 100,000 yuan: a line above this is a typo, not a charge
MAX_DESCRIPTION = 2000
MAX_EVIDENCE = 10
MAX_EVIDENCE_LENGTH = 500
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PUBLIC_ALPHABET = string.ascii_lowercase + string.digits
# when a dispute of a number that is no customer's is refused: a moment drawn in the span in
# which an approver or a verifier refuses a real one (hours, up to R-13's 3 working days)
UNMATCHED_REFUSAL_AFTER = (timedelta(hours=4), timedelta(hours=72))
_draw = random.SystemRandom()

CATEGORY = {
    DisputeReason.UNKNOWING_SUBSCRIPTION: ChargeCategory.UNKNOWING_SUBSCRIPTION,
    DisputeReason.SERVICE_UNUSABLE: ChargeCategory.SERVICE_UNUSABLE,
    DisputeReason.BILLING_ERROR: ChargeCategory.INFORMATION_FEE_ERROR,
}
LABEL = {
    DisputeReason.UNKNOWING_SUBSCRIPTION: "不知情定制",
    DisputeReason.SERVICE_UNUSABLE: "业务无法使用",
    DisputeReason.BILLING_ERROR: "信息费误计",
}


@dataclass(frozen=True)
class ChargeLine:
    """One disputed charge: the billing month (YYYY-MM) and the amount in fen."""

    period: str
    amount_fen: int


@dataclass(frozen=True)
class Submission:
    msisdn: str
    service_code: str
    charge_lines: tuple[ChargeLine, ...]
    reason: DisputeReason
    description: str = ""
    evidence: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Decision:
    """What a partner may know of the refund rules' decision: the flow and why, in words that
    name no customer fact (R-7(c)/(d) tenure and credit, R-9 special customer: C-12)."""

    flow: Flow
    reason: str


@dataclass(frozen=True)
class Page:
    rows: list[PartnerDispute]
    has_next: bool


@dataclass(frozen=True)
class DisputeFilter:
    stages: tuple[DisputeStage, ...] = ()
    service_code: str = ""
    msisdn: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None


def decision(service: PartnerService) -> Decision:
    """The rule for disputes of this service: the same for every customer (R-7(a) for a
    Monternet service). Whether a customer is verified first all the same (R-9, K-1) is the
    operator's to know (C-12)."""
    if service.monternet:
        return Decision(
            Flow.REFUND_FIRST,
            "Refund first (先退费、后查证): a Monternet (梦网) service charge is refunded first "
            "and verified later (R-7(a)), unless the operator's rules require verifying first.",
        )
    return Decision(
        Flow.VERIFY_FIRST,
        "Verify first (先查证、后退费): the operator verifies the charge before any refund, "
        "unless its rules allow refunding first.",
    )


def shown_refund_fen(dispute: PartnerDispute, at: datetime | None = None) -> int:
    """What the partner is told is refunded: the rules' amount for the charges submitted, and
    once it is shown refunded (services.partners.release), what was refunded."""
    shown = release.shown(dispute, clock.now() if at is None else at)
    if shown.stage is DisputeStage.REFUNDED and dispute.refund is not None:
        return dispute.refund.refund_fen
    return dispute.quoted_fen


def _validate(sub: Submission, *, at: datetime) -> Submission:
    problems: list[Problem] = []
    msisdn = ""
    try:
        msisdn = normalize_msisdn(sub.msisdn)
    except InvalidInput as exc:
        problems.append(Problem("msisdn", exc.code, exc.message))
    if not sub.service_code.strip():
        problems.append(Problem("serviceCode", ErrorCode.REQUIRED, "serviceCode is required."))
    if not sub.charge_lines:
        problems.append(
            Problem("chargeLines", ErrorCode.REQUIRED, "Name at least one disputed charge.")
        )
    if len(sub.charge_lines) > MAX_LINES:
        problems.append(
            Problem("chargeLines", ErrorCode.INVALID_INPUT, f"At most {MAX_LINES} charge lines.")
        )
    this_month = clock.local_date(at).strftime("%Y-%m")
    for i, line in enumerate(sub.charge_lines):
        if not _PERIOD.match(line.period) or line.period > this_month:
            problems.append(
                Problem(
                    f"chargeLines[{i}].period",
                    ErrorCode.INVALID_INPUT,
                    "period is a billing month YYYY-MM, not in the future.",
                )
            )
        amount = line.amount_fen
        if (
            isinstance(amount, bool)
            or not isinstance(amount, int)
            or not 0 < amount <= MAX_LINE_FEN
        ):
            problems.append(
                Problem(
                    f"chargeLines[{i}].amountFen",
                    ErrorCode.INVALID_INPUT,
                    f"amountFen is a whole number of fen from 1 to {MAX_LINE_FEN}.",
                )
            )
    if len(sub.description) > MAX_DESCRIPTION:
        problems.append(
            Problem(
                "description", ErrorCode.INVALID_INPUT, f"At most {MAX_DESCRIPTION} characters."
            )
        )
    evidence = tuple(e.strip() for e in sub.evidence)
    if len(evidence) > MAX_EVIDENCE or any(not e or len(e) > MAX_EVIDENCE_LENGTH for e in evidence):
        problems.append(
            Problem(
                "evidence",
                ErrorCode.INVALID_INPUT,
                f"At most {MAX_EVIDENCE} references of 1 to {MAX_EVIDENCE_LENGTH} characters.",
            )
        )
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, code=first.code, field=first.field, problems=problems)
    return Submission(
        msisdn=msisdn,
        service_code=sub.service_code.strip(),
        charge_lines=tuple(sub.charge_lines),
        reason=DisputeReason(sub.reason),
        description=sub.description.strip(),
        evidence=evidence,
    )


def _scope(partner_id: int) -> str:
    return f"partner:{partner_id}:dispute"


def _public_id() -> str:
    return "dsp_" + "".join(secrets.choice(_PUBLIC_ALPHABET) for _ in range(20))


async def submit(
    *, partner_id: int, submission: Submission, idempotency_key: str
) -> PartnerDispute:
    """A dispute of the partner's own service's charges; see the module docstring."""
    at = clock.now()
    sub = _validate(submission, at=at)
    if not (idempotency_key or "").strip():
        raise InvalidInput(
            "idempotencyKey is required on every partner mutation.",
            code=ErrorCode.REQUIRED,
            field="idempotencyKey",
        )
    scope, key = _scope(partner_id), idempotency_key.strip()
    request = asdict(sub)

    service = await PartnerService.get_or_none(
        partner_id=partner_id, service_code=sub.service_code
    ).select_related("partner")
    if service is None:
        raise NotFound("None of your services has this service code.", field="serviceCode")
    partner = service.partner
    customer = await Customer.get_or_none(msisdn=sub.msisdn)  # None: accepted all the same
    created: list[PartnerDispute] = []

    async def run() -> PartnerDispute:
        dispute = await _create(partner, service, customer, sub, at=at)
        created.append(dispute)
        return dispute

    async def once() -> PartnerDispute:
        return await idempotency.once(
            scope=scope,
            key=key,
            actor_id=partner_id,
            request=request,
            run=run,
            result_id=lambda d: d.id,
            replay=_by_id,
        )

    if await IdempotencyKey.exists(scope=scope, actor_id=partner_id, key=key):
        return await once()  # the first result (or a mismatch), whatever today's cap says
    day = await limits.reserve_dispute(partner_id, at=at)
    try:
        dispute = await once()
    except BaseException:
        await limits.release_dispute(partner_id, day)
        raise
    if created:  # the same jobs whether or not the number is a customer's (C-12)
        await webhooks.schedule_created(dispute.id)
        await scheduling.schedule(
            OPEN_DISPUTE_JOB, key=f"dispute-open:{dispute.id}", run_at=at, dispute_id=dispute.id
        )
    else:  # a concurrent duplicate made it; this request replayed it
        await limits.release_dispute(partner_id, day)
    return dispute


async def _by_id(dispute_id: int) -> PartnerDispute:
    return await PartnerDispute.get(id=dispute_id).select_related("refund", "service")


def _request(service: PartnerService, sub: Submission) -> RefundRequest:
    """The partner refund a dispute asks for (R-2): goodwill, the charges back."""
    return RefundRequest(
        liability=Liability.NOT_LIABLE,
        charge_category=CATEGORY[sub.reason],
        charged_fen=sum(line.amount_fen for line in sub.charge_lines),
        should_have_charged_fen=0,
        business_type=BusinessType.PARTNER,
        is_monternet_or_own_vas=service.monternet,
        settled_on_spot=False,
        cause_unknown_on_spot=True,
    )


def _quote(request: RefundRequest) -> int:
    """R-4, R-5: the amount the rules give for these charges, whoever the customer is."""
    return policy.refund_amount(
        liability=request.liability,
        charge_category=request.charge_category,
        charged_fen=request.charged_fen,
        should_have_charged_fen=request.should_have_charged_fen,
        requested_method=request.method,
    ).refund_fen


async def _create(
    partner: Partner,
    service: PartnerService,
    customer: Customer | None,
    sub: Submission,
    *,
    at: datetime,
) -> PartnerDispute:
    request = _request(service, sub)
    fields: dict[str, Any] = {
        "public_id": _public_id(),
        "release_at": await release.release_at(at),
        "partner_id": partner.id,
        "service": service,
        "msisdn": sub.msisdn,
        "reason": sub.reason,
        "description": sub.description,
        "evidence": list(sub.evidence),
        "charge_lines": [
            {"period": line.period, "amount_fen": line.amount_fen} for line in sub.charge_lines
        ],
        "claimed_fen": request.charged_fen,
        "quoted_fen": _quote(request),
        "stage": DisputeStage.OPEN,
        "stage_changed_at": at,
        "created_at": at,
    }
    if customer is None:
        low, high = UNMATCHED_REFUSAL_AFTER
        fields["refuse_at"] = at + low + (high - low) * _draw.random()
    else:
        fields["customer"] = customer
    async with in_transaction():
        dispute = await PartnerDispute.create(**fields)
        await webhooks.record_created(dispute, at=at)
    dispute.service = service
    dispute.refund = None
    return dispute


async def open_dispute(dispute_id: int) -> bool:
    """The worker, right after the submission's commit: a customer's dispute gets its
    complaint and refund, decided by the rules like any other (R-2). True when it opened them
    now; a dispute opened already, or refused, is left alone. A refund the rules refuse
    refuses the dispute (REFUSED, a `dispute.status_changed` event), as a refusal reads."""
    async with in_transaction():
        dispute = await PartnerDispute.select_for_update().get_or_none(id=dispute_id)
        if (
            dispute is None
            or dispute.customer_id is None
            or dispute.complaint_id is not None
            or dispute.stage is not DisputeStage.OPEN
        ):
            return False
        service = await PartnerService.get(id=dispute.service_id).select_related("partner")
        customer = await Customer.get(id=dispute.customer_id)
        sub = Submission(
            msisdn=dispute.msisdn,
            service_code=service.service_code,
            charge_lines=tuple(ChargeLine(**line) for line in dispute.charge_lines),
            reason=DisputeReason(dispute.reason),
            description=dispute.description,
            evidence=tuple(dispute.evidence),
        )
        try:
            async with in_transaction():
                complaint, refund = await _open(service.partner, service, customer, sub)
        except DomainError as exc:
            log.warning("dispute %s refused on opening: %s", dispute.id, exc.code)
            at = clock.now()
            dispute.stage, dispute.stage_changed_at = DisputeStage.REFUSED, at
            await dispute.save(update_fields=["stage", "stage_changed_at"])
            await webhooks.record_status_changed(
                dispute, DisputeStage.OPEN, DisputeStage.REFUSED, at=at
            )
            return False
        dispute.complaint, dispute.refund = complaint, refund
        await dispute.save(update_fields=["complaint_id", "refund_id"])
    return True


async def open_waiting(*, at: datetime, limit: int = 100) -> int:
    """The worker's sweep: open every customer's dispute whose job was lost (older than
    OPEN_AFTER and still without its complaint)."""
    waiting = (
        await PartnerDispute.filter(
            customer_id__not_isnull=True,
            complaint_id=None,
            stage=DisputeStage.OPEN,
            created_at__lte=at - OPEN_AFTER,
        )
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    opened = 0
    for dispute_id in waiting:
        opened += await open_dispute(int(dispute_id))  # type: ignore[call-overload]
    return opened


async def _open(
    partner: Partner, service: PartnerService, customer: Customer, sub: Submission
) -> tuple[Complaint, Refund]:
    """A customer's dispute: its complaint and refund (inside the caller's transaction)."""
    request = _request(service, sub)
    staff = await Staff.get(id=partner.intake_staff_id)
    claimed = request.charged_fen
    label = LABEL[sub.reason]
    periods = "、".join(sorted({line.period for line in sub.charge_lines}))
    details = "\n".join(
        [
            f"合作方 {partner.sp_code}（{partner.name}）经接口提交。",
            f"争议费用：{periods}，合计 {yuan(claimed)}。",
            *([f"说明：{sub.description}"] if sub.description else []),
            *(f"凭证：{ref}" for ref in sub.evidence),
        ]
    )
    complaint = await complaints.create_complaint(
        actor=staff,
        intake=complaints.Intake(
            msisdn=customer.msisdn,
            contact_name=customer.name,
            channel=Channel.APP_WEB,
            category=Category.VALUE_ADDED_SERVICE,
            summary=f"{service.name}（{service.service_code}）{label}",
            customer_request=f"退还争议费用 {yuan(claimed)}",
            service_code=service.service_code,
            sp_code=partner.sp_code,
            details=details,
        ),
    )
    refund = await refunds.create_refund(
        actor=staff,
        complaint_id=complaint.id,
        request=request,
        order=refunds.WorkOrder(
            matter=f"{service.name}{label}"[:200],
            sp_code=partner.sp_code,
            service_code=service.service_code,
        ),
    )
    return complaint, refund


async def refuse_unmatched(*, at: datetime, limit: int = 100) -> int:
    """The worker: refuse each due dispute of a number that is no customer's, as a refusal of
    any dispute reads (REFUSED, a `dispute.status_changed` event)."""
    due = (
        await PartnerDispute.filter(stage=DisputeStage.OPEN, refund_id=None, refuse_at__lte=at)
        .order_by("refuse_at")
        .limit(limit)
    )
    refused = 0
    for dispute in due:
        async with in_transaction():
            moved = await PartnerDispute.filter(id=dispute.id, stage=DisputeStage.OPEN).update(
                stage=DisputeStage.REFUSED, stage_changed_at=at
            )
            if moved:
                await webhooks.record_status_changed(
                    dispute, DisputeStage.OPEN, DisputeStage.REFUSED, at=at
                )
                refused += 1
    return refused


# reads: every one filters by the partner -------------------------------------------------


def _of(partner_id: int):  # type: ignore[no-untyped-def]
    return PartnerDispute.filter(partner_id=partner_id).select_related("refund", "service")


async def dispute_of(partner_id: int, public_id: str) -> PartnerDispute | None:
    """The partner's dispute with this id; None for another partner's, as for none at all."""
    return await _of(partner_id).get_or_none(public_id=public_id)


async def disputes_of(
    partner_id: int, *, where: DisputeFilter, first: int, after: str | None = None
) -> Page:
    """The partner's disputes, newest first; `after` is a dispute id from an earlier page."""
    query = _of(partner_id)
    if after:
        anchor = await PartnerDispute.get_or_none(partner_id=partner_id, public_id=after).only("id")
        if anchor is None:
            return Page(rows=[], has_next=False)
        query = query.filter(id__lt=anchor.id)
    if where.stages:  # the stage the partner sees now (services.partners.release)
        query = query.filter(release.stage_is(where.stages, clock.now()))
    if where.service_code.strip():
        query = query.filter(service__service_code=where.service_code.strip())
    if where.msisdn.strip():
        query = query.filter(msisdn=normalize_msisdn(where.msisdn))
    if where.created_from is not None:
        query = query.filter(created_at__gte=where.created_from)
    if where.created_to is not None:
        query = query.filter(created_at__lt=where.created_to)
    rows = await query.order_by("-id").limit(first + 1)
    return Page(rows=rows[:first], has_next=len(rows) > first)
