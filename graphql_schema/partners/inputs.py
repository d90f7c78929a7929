"""Partner inputs: a dispute submission and the dispute list's filter."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graphql_schema.partners.types import DisputeReason, DisputeStatus
from services.partners import disputes
from services.partners.models import DisputeReason as ReasonValue
from services.partners.models import DisputeStage


@strawberry.input(description="One disputed charge from the customer's bill.")
class ChargeLineInput:
    period: str = strawberry.field(description="The billing month, YYYY-MM (not in the future).")
    amount_fen: int = strawberry.field(description="The amount charged, in fen (1 yuan = 100).")


@strawberry.input(description="A customer's dispute of charges for one of your services.")
class SubmitRefundDisputeInput:
    msisdn: str = strawberry.field(description="The customer's number, 11 digits: 13800138000.")
    service_code: str = strawberry.field(description="Your service the charges are for.")
    charge_lines: list[ChargeLineInput] = strawberry.field(
        description="The disputed charges: 1 to 24 lines."
    )
    reason: DisputeReason = strawberry.field(description="Why the customer disputes them.")
    description: str = strawberry.field(
        default="", description="What happened, in up to 2000 characters."
    )
    evidence: list[str] = strawberry.field(
        default_factory=list,
        description="Up to 10 references to your evidence (ticket ids, URLs), 500 characters each.",
    )

    def to_submission(self) -> disputes.Submission:
        return disputes.Submission(
            msisdn=self.msisdn,
            service_code=self.service_code,
            charge_lines=tuple(
                disputes.ChargeLine(period=line.period, amount_fen=line.amount_fen)
                for line in self.charge_lines
            ),
            reason=ReasonValue(self.reason.value),
            description=self.description,
            evidence=tuple(self.evidence),
        )


@strawberry.input(description="Narrow your dispute list; every given criterion must hold.")
class DisputeFilterInput:
    status: list[DisputeStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    service_code: str | None = strawberry.field(default=None, description="For this service.")
    msisdn: str | None = strawberry.field(default=None, description="Of this customer's number.")
    created_from: datetime | None = strawberry.field(
        default=None, description="Submitted at or after this instant."
    )
    created_to: datetime | None = strawberry.field(
        default=None, description="Submitted before this instant."
    )

    def to_filter(self) -> disputes.DisputeFilter:
        return disputes.DisputeFilter(
            stages=tuple(DisputeStage(s.value) for s in self.status or ()),
            service_code=self.service_code or "",
            msisdn=self.msisdn or "",
            created_from=self.created_from,
            created_to=self.created_to,
        )
