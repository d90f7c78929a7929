"""Field permissions: declared on fields, never silent."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from services.complaints.models import Complaint as ComplaintRow
from services.errors import PermissionDenied
from services.permissions import table
from services.permissions.guard import allowed, complaint_facts
from services.permissions.table import Actor, UseCase
from services.staff.models import Staff


class IsAuthenticated(BasePermission):
    message = "Log in first: call `login` and send `Authorization: Bearer <token>`."
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - the base class declares it

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.staff is not None


def sees_complaint_private(staff: Staff | Actor, row: ComplaintRow) -> bool:
    """C-12 by the permission table: does `staff` see this complaint's private data? (A page
    passes its viewer as an `Actor`, made once for its rows.)"""
    actor = staff if isinstance(staff, Actor) else Actor.of(staff)
    return table.allows(UseCase.SEE_COMPLAINT_PRIVATE, actor, complaint_facts(row))


async def sees_customer_private(staff: Staff, customer_id: int) -> bool:
    """C-12: `staff` handles (or first took) one of this customer's complaints."""
    return await allowed(UseCase.SEE_CUSTOMER_PRIVATE, staff, customer_id)


def sees_typed_number(staff: Staff) -> bool:
    """A handler who looked a customer up by number typed it: it is shown back in full."""
    return table.allows(UseCase.SEE_TYPED_NUMBER, Actor.of(staff))


def denied(exc: PermissionDenied) -> GraphQLError:
    """A query the permission table refuses: one top-level error with its code."""
    return GraphQLError(exc.message, extensions={"code": exc.code.value})
