"""Per-request context of the partner API: the partner behind the key, the rate limit's
verdict, and the request's DataLoaders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from services.errors import Unauthenticated
from services.partners import keys, webhooks
from services.partners.keys import PartnerKey
from services.partners.limits import RateLimited
from services.partners.models import WebhookDelivery


async def _deliveries(event_ids: list[int]) -> list[list[WebhookDelivery]]:
    found = await webhooks.deliveries_for(event_ids)
    return [found.get(i, []) for i in event_ids]


@dataclass
class PartnerLoaders:
    deliveries_by_event: DataLoader[int, list[WebhookDelivery]] = field(
        default_factory=lambda: DataLoader(_deliveries)
    )


@dataclass
class PartnerContext:
    request: Request
    response: Response | None
    partner: PartnerKey | None
    key_prefix: str
    refusal: RateLimited | None
    loaders: PartnerLoaders = field(default_factory=PartnerLoaders)


def api_key_of(headers: Mapping[str, str]) -> str:
    """`Authorization: Bearer <key>` or `X-Api-Key: <key>`; Unauthenticated without either."""
    header = headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    if headers.get("x-api-key", "").strip():
        return headers["x-api-key"].strip()
    raise Unauthenticated(
        "Send your API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>`."
    )


async def authenticate(headers: Mapping[str, str]) -> tuple[PartnerKey, str]:
    """The partner and the key's prefix, or Unauthenticated."""
    key = api_key_of(headers)
    partner = await keys.authenticate(key)
    parts = keys.split(key)
    return partner, parts[0] if parts else ""
