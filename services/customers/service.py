"""Customer look-ups."""

from __future__ import annotations

from collections.abc import Sequence

from services.customers.models import Customer
from services.errors import NotFound
from services.phones import normalize_msisdn


async def by_msisdn(msisdn: str) -> Customer:
    customer = await Customer.get_or_none(msisdn=normalize_msisdn(msisdn))
    if customer is None:
        raise NotFound("No customer has this phone number.", field="msisdn")
    return customer


async def by_ids(ids: Sequence[int]) -> dict[int, Customer]:
    return {c.id: c for c in await Customer.filter(id__in=list(ids))}
