"""Customer look-up by phone number."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from graphql_schema.customers.types import Customer
from graphql_schema.permissions import IsAuthenticated
from services.complaints import policy
from services.customers import service
from services.errors import InvalidInput, NotFound


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description=(
            "The customer with this number; null if none. Complaint handlers see the number in "
            "full (they typed it); other roles see it masked."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def customer(self, info: strawberry.Info, msisdn: str) -> Customer | None:
        try:
            row = await service.by_msisdn(msisdn)
        except NotFound:
            return None
        except InvalidInput as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
        visible = policy.can_handle(info.context.staff.roles)
        return Customer.from_row(row, phone_visible=visible)
