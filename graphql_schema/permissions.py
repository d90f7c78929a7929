"""Field permissions: declared on fields, never silent."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission


class IsAuthenticated(BasePermission):
    message = "Log in first: call `login` and send `Authorization: Bearer <token>`."
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - the base class declares it

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.staff is not None
