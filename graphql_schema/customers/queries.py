"""Customer look-up by phone number."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from graphql_schema.customers.types import Customer
from graphql_schema.ids import parse_id
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
            "The customer with this number (`msisdn`) or id (`id`): give exactly one; null if "
            "none. Complaint handlers see a number they typed in full; other roles, and anyone "
            "opening a customer by id, see it masked unless they handle one of the customer's "
            "complaints, who also see the name in full (C-12)."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def customer(
        self,
        info: strawberry.Info,
        msisdn: str | None = None,
        id: strawberry.ID | None = None,
    ) -> Customer | None:
        if (msisdn is None) == (id is None):
            raise GraphQLError(
                "Give exactly one of `msisdn` and `id`.",
                extensions={"code": "INVALID_INPUT", "field": "msisdn" if msisdn else "id"},
            )
        staff = info.context.staff
        try:
            if id is not None:
                row = await reads.read_customer_by_id(
                    actor=staff, customer_id=parse_id(id, kind="Customer")
                )
            else:
                row = await reads.read_customer(actor=staff, msisdn=msisdn or "")
        except NotFound:
            return None
        except PermissionDenied as exc:
            raise denied(exc) from None
        except InvalidInput as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
        private = await sees_customer_private(staff, row.id)
        typed = msisdn is not None and sees_typed_number(staff)
        return Customer.from_row(row, phone_visible=private or typed, private=private)
