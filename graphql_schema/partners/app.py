"""The partner endpoint, /partner/graphql: the edge limits (transport.py), the API key, then
the partner schema.

A POST without a valid key is answered 401 before GraphQL runs, so no partner resolver ever
runs unauthenticated. GET serves GraphiQL in ENV=dev only (queries via GET are off).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from graphql_schema.graphiql import PARTNER_HEADERS, PARTNER_QUERY, OfflineGraphiQL
from graphql_schema.ops import Measured
from graphql_schema.partners.context import PartnerContext, authenticate
from graphql_schema.partners.ratelimit import RedisRateLimiter
from graphql_schema.partners.schema import schema as partner_schema
from graphql_schema.transport import EdgeLimits, GraphQLEndpoint
from services.config import settings
from services.errors import Unauthenticated
from services.partners import keys
from services.partners.limits import RateLimiter

log = logging.getLogger("tousu.partners")
_limiters: list[RedisRateLimiter] = []


class PartnerGraphQL(OfflineGraphiQL, Measured, GraphQLEndpoint[PartnerContext]):
    graphiql_title = "Tousu partner API"
    graphiql_query = PARTNER_QUERY
    graphiql_headers = PARTNER_HEADERS
    metrics_endpoint = "partner"

    def __init__(self, *, limiter: RateLimiter, **kwargs: Any):
        super().__init__(partner_schema, **kwargs)
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # no subscriptions on the partner API
            await WebSocket(scope, receive, send).close(code=1008)
            return
        await super().__call__(scope, receive, send)

    async def admit(self, request: Request) -> Response | None:
        """A POST needs a valid API key, checked once its body passed the edge limits."""
        if request.method != "POST":
            return None
        try:
            partner, prefix = await authenticate(request.headers)
        except Unauthenticated as exc:
            return unauthorized(exc.message)
        request.state.partner, request.state.key_prefix = partner, prefix
        return None

    async def get_context(self, request: Request | WebSocket, response: Any) -> PartnerContext:
        """The partner; its rate is counted per mutation and per query request (context.py)."""
        assert isinstance(request, Request)
        return PartnerContext(
            request=request,
            response=response,
            partner=getattr(request.state, "partner", None),
            key_prefix=getattr(request.state, "key_prefix", ""),
            limiter=self.limiter,
        )


def unauthorized(message: str) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="tousu-partner"'},
    )


def create_partner_graphql(limits: EdgeLimits | None = None) -> PartnerGraphQL:
    limiter = RedisRateLimiter(settings.redis_url)
    _limiters.append(limiter)
    return PartnerGraphQL(
        limiter=limiter,
        limits=limits,
        graphql_ide="graphiql" if settings.dev else None,
        allow_queries_via_get=False,
    )


async def shutdown() -> None:
    """Close the rate limiters' Redis clients and write pending key-use counts."""
    while _limiters:
        await _limiters.pop().aclose()
    try:
        await keys.flush_uses()
    except Exception:  # the database may be gone already; a few counts are lost
        log.warning("could not write the API keys' last use counts", exc_info=True)
