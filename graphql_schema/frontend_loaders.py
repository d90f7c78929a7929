"""Request-scoped DataLoaders for the fields front ends added (issue 17), made on first use.

They live beside graphql_schema.context.Loaders, one of each per request like those, so a
page of complaints asking for `refunds` costs one query, not one per complaint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from services.refunds import queries as refund_queries
from services.refunds.models import Refund


async def _refunds(keys: Sequence[int]) -> list[list[Refund]]:
    found = await refund_queries.for_complaints(keys)
    return [found.get(k, []) for k in keys]


def refunds_by_complaint(info: Any) -> DataLoader[int, list[Refund]]:
    """This request's loader of each complaint's refunds, oldest first."""
    made: dict[str, Any] = vars(info.context).setdefault("frontend_loaders", {})
    if "refunds" not in made:
        made["refunds"] = DataLoader(_refunds)
    loader: DataLoader[int, list[Refund]] = made["refunds"]
    return loader


async def _refunds_by_id(keys: Sequence[int]) -> list[Refund | None]:
    found = await refund_queries.by_ids(keys)
    return [found.get(k) for k in keys]


def refund_by_id(info: Any) -> DataLoader[int, Refund | None]:
    """This request's loader of refunds by id."""
    made: dict[str, Any] = vars(info.context).setdefault("frontend_loaders", {})
    if "refund" not in made:
        made["refund"] = DataLoader(_refunds_by_id)
    loader: DataLoader[int, Refund | None] = made["refund"]
    return loader


def by_id(info: Any, model: type[Model]) -> DataLoader[int, Any]:
    """This request's loader of `model` rows by id (one query per batch)."""
    made: dict[str, Any] = vars(info.context).setdefault("frontend_loaders", {})
    name = f"by_id:{model.__name__}"
    if name not in made:

        async def load(keys: Sequence[int]) -> list[Any]:
            found = {row.pk: row for row in await model.filter(id__in=list(keys))}
            return [found.get(k) for k in keys]

        made[name] = DataLoader(load)
    loader: DataLoader[int, Any] = made[name]
    return loader


async def _routing(keys: Sequence[int]) -> list[tuple[list[Any], Any]]:
    from services.complaints import routing

    found = await routing.of_complaints(keys)
    return [found.get(k, ([], None)) for k in keys]


def routing_by_complaint(info: Any) -> DataLoader[int, tuple[list[Any], Any]]:
    """This request's loader of each complaint's departments (C-8) and its coordinator."""
    made: dict[str, Any] = vars(info.context).setdefault("frontend_loaders", {})
    if "routing" not in made:
        made["routing"] = DataLoader(_routing)
    loader: DataLoader[int, tuple[list[Any], Any]] = made["routing"]
    return loader
