"""Customer look-up by phone number."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from graphql_schema.customers.types import Customer
from graphql_schema.permissions import (
    IsAuthenticated,
    denied,
    sees_customer_private,
    sees_typed_number,
)
from services.complaints import reads
from services.errors import InvalidInput, NotFound, PermissionDenied


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description=(
            "The customer with this number; null if none. Complaint handlers see the number in "
            "full (they typed it); other roles see it masked. The name shows in full only to "
            "those who handle one of the customer's complaints (C-12)."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def customer(self, info: strawberry.Info, msisdn: str) -> Customer | None:
        try:
            row = await reads.read_customer(actor=info.context.staff, msisdn=msisdn)
        except NotFound:
            return None
        except PermissionDenied as exc:
            raise denied(exc) from None
        except InvalidInput as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
        staff = info.context.staff
        private = await sees_customer_private(staff, row.id)
        return Customer.from_row(
            row, phone_visible=private or sees_typed_number(staff), private=private
        )
