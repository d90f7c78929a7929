"""The ASGI app: GraphQL at /graphql, the partner API at /partner/graphql, the admin console at
/admin, one lifespan for all."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.websockets import WebSocket
from tortoise import Tortoise

from graphql_schema import graphiql, notice_receipts, ops
from graphql_schema.context import Context, build_context
from graphql_schema.partners import app as partner_api
from graphql_schema.schema import schema as default_schema
from graphql_schema.transport import EdgeLimits, GraphQLEndpoint
from services import db, logs, runtime, scheduling
from services.config import settings


class TousuGraphQL(graphiql.OfflineGraphiQL, ops.Measured, GraphQLEndpoint[Context]):
    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, Request)
        return await build_context(request, response)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Database and job queue up before the first request; both closed on shutdown."""
    from workers.queue import ArqScheduler  # the app module is the one place that wires workers

    owns_db = not Tortoise._inited
    if owns_db:
        await runtime.start(statement_timeout_ms=settings.db_statement_timeout_ms)
    queue = await ArqScheduler.connect(settings.redis_url)
    scheduling.install(queue)
    # what start-up made lives as long as the process (the schema, its plans' types, the
    # models, the catalogs: 150,000 objects): out of the cyclic collector's sight, whose
    # full passes over it cost `me` 0.04 ms per request (measured with gc.callbacks); given
    # back to it at shutdown (a test process starts many apps)
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        scheduling.install(None)
        await queue.close()
        await partner_api.shutdown()
        if owns_db:
            await db.close()


def create_app(*, with_lifespan: bool = True, limits: EdgeLimits | None = None) -> Starlette:
    """`limits`: the body limit and request deadline of both GraphQL endpoints (settings')."""
    from admin_ui.app import create_admin

    logs.configure(settings.log_level)
    graphql = TousuGraphQL(
        default_schema,
        limits=limits,
        graphql_ide="graphiql" if settings.dev else None,
        allow_queries_via_get=False,
    )
    return Starlette(
        debug=False,
        # no two routes share a path: the busiest first (each route tried costs a regex match)
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route(
                "/partner/graphql",
                partner_api.create_partner_graphql(limits=limits),
                methods=["GET", "POST"],
            ),
            Route("/", lambda r: RedirectResponse("/admin/")),
            Route("/healthz", ops.healthz),
            Route("/readyz", ops.readyz),
            Route("/metrics", ops.metrics),
            Mount(graphiql.STATIC_URL, app=graphiql.static_files()),
            notice_receipts.route(),  # the HTTP SMS gateway's delivery receipts
            Mount("/admin", app=create_admin()),
        ],
        middleware=[Middleware(ops.RequestId)],
        lifespan=lifespan if with_lifespan else None,
    )
