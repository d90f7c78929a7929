"""Partner refund disputes (R-2): a complaint and a partner refund, by the same rules as any.

`submit` takes the partner's customer's dispute of charges for one of the partner's own
services, takes a complaint for it under the partner's intake account and a refund work order
on it through `services.refunds.service.create_refund`: R-7(a) makes a Monternet service
refund first, R-9 makes a special customer (K-1) verify first, R-8 the rest unless R-7(b)-(d)
hold. Every query filters by the partner in the query itself: another partner's dispute is
indistinguishable from one that does not exist.

Idempotency: every submission carries a key, scoped to the partner
(services.refunds.idempotency with scope `partner:<id>:dispute`): the same key and input
answer with the first dispute, another input with IDEMPOTENCY_MISMATCH, and concurrent
duplicates make one dispute (the unique (scope, key) index decides).
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import asdict, dataclass, field
from datetime import datetime

from tortoise.transactions import in_transaction

from services.complaints import service as complaints
from services.complaints.models import Category, Channel
from services.customers.models import Customer
from services.errors import ErrorCode, InvalidInput, NotFound, Problem
from services.partners import limits, webhooks
from services.partners.models import DisputeReason, Partner, PartnerDispute, PartnerService
from services.phones import normalize_msisdn
from services.refunds import clock, idempotency
from services.refunds import service as refunds
from services.refunds.decisions import RefundRequest
from services.refunds.models import IdempotencyKey, Refund, RefundStatus
from services.refunds.policy import BusinessType, ChargeCategory, Flow, Liability, yuan
from services.staff.models import Staff

MAX_LINES = 24
MAX_LINE_FEN = 10_000_000  # 100,000 yuan: a line above this is a typo, not a charge
MAX_DESCRIPTION = 2000
MAX_EVIDENCE = 10
MAX_EVIDENCE_LENGTH = 500
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PUBLIC_ALPHABET = string.ascii_lowercase + string.digits

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
    statuses: tuple[RefundStatus, ...] = ()
    service_code: str = ""
    msisdn: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None


def decision(refund: Refund) -> Decision:
    if refund.flow is Flow.VERIFY_FIRST:  # alike: R-9 would name a special customer
        return Decision(
            Flow.VERIFY_FIRST,
            "Verify first (先查证、后退费): the operator verifies the charge before any refund.",
        )
    why = (
        "a Monternet (梦网) service charge is refunded first and verified later (R-7(a))"
        if refund.flow_clause == "R-7(a)"
        else "the operator's rules refund this first and verify later (R-7)"
    )
    return Decision(Flow.REFUND_FIRST, f"Refund first (先退费、后查证): {why}.")


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

    partner = await Partner.get(id=partner_id)
    service = await PartnerService.get_or_none(partner_id=partner_id, service_code=sub.service_code)
    if service is None:
        raise NotFound("None of your services has this service code.", field="serviceCode")
    customer = await Customer.get_or_none(msisdn=sub.msisdn)
    if customer is None:
        raise NotFound("No customer has this phone number.", field="msisdn")
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
    if created:
        await webhooks.schedule_created(dispute.id)
    else:  # a concurrent duplicate made it; this request replayed it
        await limits.release_dispute(partner_id, day)
    return dispute


async def _by_id(dispute_id: int) -> PartnerDispute:
    return await PartnerDispute.get(id=dispute_id).select_related("refund", "customer", "service")


async def _create(
    partner: Partner,
    service: PartnerService,
    customer: Customer,
    sub: Submission,
    *,
    at: datetime,
) -> PartnerDispute:
    staff = await Staff.get(id=partner.intake_staff_id)
    claimed = sum(line.amount_fen for line in sub.charge_lines)
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
    async with in_transaction():
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
            request=RefundRequest(
                liability=Liability.NOT_LIABLE,
                charge_category=CATEGORY[sub.reason],
                charged_fen=claimed,
                should_have_charged_fen=0,
                business_type=BusinessType.PARTNER,
                is_monternet_or_own_vas=service.monternet,
                settled_on_spot=False,
                cause_unknown_on_spot=True,
            ),
            order=refunds.WorkOrder(
                matter=f"{service.name}{label}"[:200],
                sp_code=partner.sp_code,
                service_code=service.service_code,
            ),
        )
        dispute = await PartnerDispute.create(
            public_id=_public_id(),
            partner_id=partner.id,
            service=service,
            customer=customer,
            complaint=complaint,
            refund=refund,
            reason=sub.reason,
            description=sub.description,
            evidence=list(sub.evidence),
            charge_lines=[
                {"period": line.period, "amount_fen": line.amount_fen} for line in sub.charge_lines
            ],
            claimed_fen=claimed,
            created_at=at,
        )
        await webhooks.record_created(dispute, status=refund.status, at=at)
    dispute.refund = refund
    dispute.customer = customer
    dispute.service = service
    return dispute


# reads: every one filters by the partner -------------------------------------------------


def _of(partner_id: int):  # type: ignore[no-untyped-def]
    return PartnerDispute.filter(partner_id=partner_id).select_related(
        "refund", "customer", "service"
    )


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
    if where.statuses:
        query = query.filter(refund__status__in=[s.value for s in where.statuses])
    if where.service_code.strip():
        query = query.filter(service__service_code=where.service_code.strip())
    if where.msisdn.strip():
        query = query.filter(customer__msisdn=normalize_msisdn(where.msisdn))
    if where.created_from is not None:
        query = query.filter(created_at__gte=where.created_from)
    if where.created_to is not None:
        query = query.filter(created_at__lt=where.created_to)
    rows = await query.order_by("-id").limit(first + 1)
    return Page(rows=rows[:first], has_next=len(rows) > first)
