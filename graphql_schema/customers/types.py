"""Customers, with their phone number masked unless the caller handles them (C-12)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_schema.display import MadeFromRow, made_in_full, member, stored
from graphql_schema.enums import CreditStanding, CustomerStatus, Tier
from graphql_schema.ids import Node, global_id
from graphql_schema.validation import limit_inputs
from services.customers.models import Customer as CustomerRow
from services.permissions import table
from services.permissions.table import Actor, UseCase
from services.phones import mask
from services.privacy import mask_name

if TYPE_CHECKING:
    from graphql_schema.complaints.types import ComplaintConnection, ComplaintFilterInput
    from graphql_schema.refunds.risk import RiskProfile


@limit_inputs
@strawberry.type(
    description="A customer: one phone number (MSISDN) and what the operator knows of it."
)
class Customer(Node, MadeFromRow):
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay); pass it to any id argument."
    )
    pk: strawberry.Private[int]
    name: str = strawberry.field(
        description="Customer name; masked as 张* unless you handle one of their complaints (C-12)."
    )
    tier: Tier = strawberry.field(
        description="Value tier; gold-card and contacts are important (C-3)."
    )
    province: str = strawberry.field(description="Province of the account.")
    city: str = strawberry.field(description="City of the account.")
    joined_on: date = strawberry.field(description="When the number joined the network.")
    credit_standing: CreditStanding = strawberry.field(description="Credit record (R-7(c)).")
    status: CustomerStatus = strawberry.field(description="ACTIVE or CANCELLED.")
    sensitive: bool = strawberry.field(description="Designated sensitive by the branch (C-3).")
    phone_visible: bool = strawberry.field(
        description="Whether `msisdn` is shown in full to you; false means it is masked (C-12)."
    )
    raw_msisdn: strawberry.Private[str]
    private: strawberry.Private[bool]

    @strawberry.field(description="Phone number; masked as 138****1234 unless `phoneVisible`.")
    def msisdn(self) -> str:
        return self.raw_msisdn if self.phone_visible else mask(self.raw_msisdn)

    @strawberry.field(
        description="This customer's complaints, newest first (`last`/`before` page backward)."
    )
    async def complaints(
        self,
        info: strawberry.Info,
        first: int = 20,
        after: str | None = None,
        filter: Annotated[ComplaintFilterInput, strawberry.lazy("graphql_schema.complaints.types")]
        | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Annotated[ComplaintConnection, strawberry.lazy("graphql_schema.complaints.types")]:
        from graphql_schema.complaints.queries import complaint_connection

        return await complaint_connection(
            info, filter, first=first, after=after, customer_id=self.pk, last=last, before=before
        )

    @strawberry.field(
        description="The customer's refund risk profile (K-1..K-3): special or not, why, since "
        "when, and when they would leave the list. Private (C-12): null unless you handle one "
        "of the customer's complaints, or audit or administer."
    )
    async def risk_profile(
        self, info: strawberry.Info
    ) -> Annotated[RiskProfile, strawberry.lazy("graphql_schema.refunds.risk")] | None:
        from graphql_schema.refunds.risk import RiskProfile

        facts = await info.context.loaders.customer_facts_by_id.load(self.pk)
        if not table.allows(UseCase.READ_RISK_PROFILE, Actor.of(info.context.staff), facts):
            return None
        profile = await info.context.loaders.risk_profile_by_customer.load(self.pk)
        return RiskProfile.of(profile)

    @classmethod
    def from_row(cls, row: CustomerRow, *, phone_visible: bool, private: bool) -> Customer:
        """`private`: the name shows in full (C-12); `phone_visible`: the number does. What a
        complaint page shows of its customer (name, number) at once, the rest when first read
        (`_made`): a page makes one per complaint."""
        return cls.made(
            row,
            None,
            pk=row.id,
            name=row.name if private else mask_name(row.name),
            phone_visible=phone_visible,
            raw_msisdn=row.msisdn,
            private=private,
        )


Customer._made = {
    "id": lambda row, _: global_id("Customer", row.id),
    "tier": member(Tier, "tier"),
    "credit_standing": member(CreditStanding, "credit_standing"),
    "status": member(CustomerStatus, "status"),
    **{name: stored(name) for name in ("province", "city", "joined_on", "sensitive")},
}
made_in_full(Customer, {"pk", "name", "phone_visible", "raw_msisdn", "private"})
