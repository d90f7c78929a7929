"""What the refund mutations and the policy preview take."""

from __future__ import annotations

from datetime import date

import strawberry

from graphql_schema.refunds.enums import (
    BusinessType,
    ChargeCategory,
    CompensationKind,
    FeeWaiver,
    GiftGround,
    Liability,
    Multiple,
    OutageCause,
    RefundMethod,
    Transport,
)
from services.refunds import changes, service
from services.refunds.compensation_service import CompensationInput
from services.refunds.decisions import CustomerFacts, RefundRequest
from services.refunds.policy import CustomerTier


@strawberry.input(description="What the rules need to decide a refund (R-2..R-9, R-12).")
class RefundRulesInput:
    liability: Liability = strawberry.field(description="R-3: who is liable.")
    charge_category: ChargeCategory = strawberry.field(description="What the refund is for.")
    charged_fen: int = strawberry.field(description="What was charged, in fen.")
    should_have_charged_fen: int = strawberry.field(description="What was due, in fen.")
    method: RefundMethod = strawberry.field(
        default=RefundMethod.ACCOUNT_CREDIT, description="R-6: how the money goes back."
    )
    business_type: BusinessType | None = strawberry.field(
        default=None, description="R-2; needed when the category does not tell."
    )
    multiple: Multiple | None = strawberry.field(
        default=None, description="R-6: refused when it differs from what R-4 decides."
    )
    cash_exception_reason: str | None = strawberry.field(
        default=None, description="R-6: the documented exception that allows cash."
    )
    is_monternet_or_own_vas: bool = strawberry.field(
        default=False, description="R-7(a): a Monternet or own value-added-service charge."
    )
    settled_on_spot: bool = strawberry.field(
        default=False, description="R-7(a): the front desk settled or explained it on the spot."
    )
    cause_unexplained_and_disputed: bool = strawberry.field(
        default=False, description="R-7(b): no cause found and the customer disputes hard."
    )
    cause_unknown_on_spot: bool = strawberry.field(
        default=False, description="R-12 band 0: the cause could not be found on the spot."
    )

    def to_request(self) -> RefundRequest:
        return RefundRequest(
            liability=self.liability,
            charge_category=self.charge_category,
            charged_fen=self.charged_fen,
            should_have_charged_fen=self.should_have_charged_fen,
            method=self.method,
            business_type=self.business_type,
            multiple=self.multiple,
            cash_exception_reason=self.cash_exception_reason or "",
            is_monternet_or_own_vas=self.is_monternet_or_own_vas,
            settled_on_spot=self.settled_on_spot,
            cause_unexplained_and_disputed=self.cause_unexplained_and_disputed,
            cause_unknown_on_spot=self.cause_unknown_on_spot,
        )


@strawberry.input(description="A refund work order (R-11) on a complaint.")
class CreateRefundInput(RefundRulesInput):
    complaint_id: strawberry.ID = strawberry.field(description="The complaint (R-1).")
    matter: str = strawberry.field(description="The matter, as the SMS will name it (R-14).")
    cause: str | None = strawberry.field(default=None, description="The cause as known now.")
    border_roaming: bool = strawberry.field(
        default=False, description="A border-roaming refund (not counted by K-1)."
    )
    sp_code: str | None = strawberry.field(
        default=None, description="Partner (SP) code; required for partner refunds (R-2)."
    )
    service_code: str | None = strawberry.field(default=None, description="Service concerned.")

    def to_order(self) -> service.WorkOrder:
        return service.WorkOrder(
            matter=self.matter,
            cause=self.cause or "",
            border_roaming=self.border_roaming,
            sp_code=self.sp_code or "",
            service_code=self.service_code or "",
        )


@strawberry.input(description="A billed charge picked for a quick refund.")
class ChargeLineInput:
    description: str = strawberry.field(description="The charge as billed.")
    charged_fen: int = strawberry.field(description="The amount charged, in fen (1 or more).")
    service_code: str | None = strawberry.field(default=None, description="Service code.")
    sp_code: str | None = strawberry.field(default=None, description="Partner (SP) code.")
    billed_on: date | None = strawberry.field(default=None, description="When it was billed.")

    def to_line(self) -> service.ChargeLine:
        return service.ChargeLine(
            description=self.description,
            charged_fen=self.charged_fen,
            service_code=self.service_code or "",
            sp_code=self.sp_code or "",
            billed_on=self.billed_on,
        )


@strawberry.input(
    description="R-11 quick refund: the disputed charges of a Monternet or own value-added "
    "service (R-7(a)); any other charge is refused with QUICK_REFUND_NOT_ALLOWED."
)
class QuickRefundInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint (R-1).")
    matter: str = strawberry.field(description="The matter, as the SMS will name it (R-14).")
    lines: list[ChargeLineInput] = strawberry.field(description="The picked billed charges.")
    charge_category: ChargeCategory = strawberry.field(
        default=ChargeCategory.UNKNOWING_SUBSCRIPTION, description="What the charges are."
    )
    liability: Liability = strawberry.field(
        default=Liability.NOT_LIABLE, description="As known on the spot; verified later."
    )
    should_have_charged_fen: int = strawberry.field(
        default=0,
        description="What should have been charged for the picked lines, in fen (R-5); 0 when "
        "nothing was due, e.g. a service subscribed without knowing.",
    )
    sp_code: str | None = strawberry.field(
        default=None, description="Partner (SP) code; taken from the lines if not given."
    )
    method: RefundMethod = strawberry.field(
        default=RefundMethod.ACCOUNT_CREDIT, description="R-6: how the money goes back."
    )


@strawberry.input(description="What verification found (R-11).")
class VerifyRefundInput:
    cause: str = strawberry.field(description="The cause found.")
    measures: str = strawberry.field(description="What was done about it.")
    refund_due: bool = strawberry.field(description="Whether a refund is due at all.")
    liability: Liability = strawberry.field(description="The liability found (R-3, K-4).")
    charge_category: ChargeCategory | None = strawberry.field(
        default=None, description="The category found, if it differs."
    )
    charged_fen: int | None = strawberry.field(default=None, description="Corrected charge.")
    should_have_charged_fen: int | None = strawberry.field(
        default=None, description="Corrected amount due."
    )

    def to_verification(self) -> changes.Verification:
        return changes.Verification(
            cause=self.cause,
            measures=self.measures,
            refund_due=self.refund_due,
            liability=self.liability,
            charge_category=self.charge_category,
            charged_fen=self.charged_fen,
            should_have_charged_fen=self.should_have_charged_fen,
        )


@strawberry.input(description="R-10 compensation to record on a complaint.")
class RecordCompensationInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint it is recorded on.")
    kind: CompensationKind = strawberry.field(description="Fee waiver, gift or travel fare.")
    value_fen: int = strawberry.field(description="Its value in fen.")
    description: str = strawberry.field(description="What is given.")
    waiver: FeeWaiver | None = strawberry.field(default=None, description="For fee waivers.")
    service_code: str | None = strawberry.field(
        default=None, description="The service whose function fee is waived."
    )
    period_from: date | None = strawberry.field(default=None, description="Waived from.")
    period_to: date | None = strawberry.field(default=None, description="Waived up to.")
    invoice_ref: str | None = strawberry.field(default=None, description="A fare's invoice.")
    transport: Transport | None = strawberry.field(default=None, description="A fare's transport.")
    gift_ground: GiftGround | None = strawberry.field(
        default=None, description="For gifts: a visit, or settled on site (R-10)."
    )
    visited_on: date | None = strawberry.field(
        default=None, description="For a visit gift: the day the handler visited the customer."
    )
    exposed_problem: str | None = strawberry.field(
        default=None,
        description="For a gift settled on site: the real problem the customer's input exposed.",
    )
    outage_cause: OutageCause | None = strawberry.field(
        default=None,
        description="For fee waivers: who made the service unusable (missed-call alert: only "
        "the company).",
    )
    special_reason: str | None = strawberry.field(
        default=None,
        description="Only for a demand beyond the rules: the documented special decision. It "
        "is recorded AWAITING_APPROVAL for an approver of the band above.",
    )

    def to_input(self) -> CompensationInput:
        return CompensationInput(
            kind=self.kind,
            value_fen=self.value_fen,
            description=self.description,
            waiver=self.waiver,
            service_code=self.service_code or "",
            period_from=self.period_from,
            period_to=self.period_to,
            invoice_ref=self.invoice_ref or "",
            transport=self.transport,
            gift_ground=self.gift_ground,
            visited_on=self.visited_on,
            exposed_problem=self.exposed_problem or "",
            outage_cause=self.outage_cause,
            special_reason=self.special_reason or "",
        )


@strawberry.input(
    description="A refund request to preview. Name the customer by `msisdn` to use what the "
    "database knows, or give the customer facts below."
)
class RefundPolicyPreviewInput(RefundRulesInput):
    msisdn: str | None = strawberry.field(default=None, description="The customer's number.")
    vip: bool = strawberry.field(default=False, description="Without msisdn: a VIP customer.")
    tenure_days: int = strawberry.field(default=0, description="Without msisdn: days on network.")
    good_credit: bool = strawberry.field(default=False, description="Without msisdn: good credit.")
    first_fee_dispute_this_year: bool = strawberry.field(
        default=False, description="Without msisdn: R-7(d)'s first dispute this year."
    )
    refunds_last_3_months: int = strawberry.field(
        default=0, description="Without msisdn: refunds in the last three months."
    )
    first_refund: bool = strawberry.field(
        default=False, description="Without msisdn: no refund before (R-12 band 0)."
    )
    special: bool = strawberry.field(
        default=False, description="Without msisdn: a special customer (K-1)."
    )

    def to_facts(self) -> CustomerFacts:
        return CustomerFacts(
            tier=CustomerTier.MID_HIGH_END if self.vip else CustomerTier.ORDINARY,
            vip=self.vip,
            tenure_days=self.tenure_days,
            good_credit=self.good_credit,
            first_fee_dispute_this_year=self.first_fee_dispute_this_year,
            refunds_last_3_months=self.refunds_last_3_months,
            first_refund=self.first_refund,
            special=self.special,
        )
