"""Per-request context of the partner API: the partner behind the key, its rate limit, and the
request's DataLoaders.

The rate limit counts what a request does, not the request: each mutation field takes a token
(fifteen aliased `submitRefundDispute` are fifteen), a query request takes one however many
fields it reads."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from services.errors import Unauthenticated
from services.partners import keys, limits, webhooks
from services.partners.keys import PartnerKey
from services.partners.limits import RateLimited, RateLimiter
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
    limiter: RateLimiter
    loaders: PartnerLoaders = field(default_factory=PartnerLoaders)
    _query_token: asyncio.Task[RateLimited | None] | None = None

    async def take_token(self) -> RateLimited | None:
        """One token of the key's rate (a mutation's); the refusal when there is none."""
        assert self.partner is not None  # the view answers 401 without a key
        try:
            await limits.check_rate(self.limiter, key_id=self.partner.key_id)
        except RateLimited as exc:
            if self.response is not None:
                self.response.headers["Retry-After"] = str(exc.retry_after_seconds)
            return exc
        return None

    async def query_token(self) -> RateLimited | None:
        """The one token of a query request, however many of its fields ask."""
        if self._query_token is None:
            self._query_token = asyncio.ensure_future(self.take_token())
        return await self._query_token


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
