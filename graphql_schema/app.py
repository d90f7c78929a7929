"""The ASGI app: GraphQL at /graphql, the partner API at /partner/graphql, the admin console at
/admin, one lifespan for all."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from tortoise import Tortoise

from graphql_schema.context import Context, build_context
from graphql_schema.partners import app as partner_api
from graphql_schema.schema import schema as default_schema
from services import db, logs, scheduling
from services.config import settings


class TousuGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, Request)
        return await build_context(request, response)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Database and job queue up before the first request; both closed on shutdown."""
    from workers.queue import ArqScheduler  # the app module is the one place that wires workers

    owns_db = not Tortoise._inited
    if owns_db:
        await db.init()
    queue = await ArqScheduler.connect(settings.redis_url)
    scheduling.install(queue)
    try:
        yield
    finally:
        scheduling.install(None)
        await queue.close()
        await partner_api.shutdown()
        if owns_db:
            await db.close()


async def health(request: Request) -> Response:
    conn = Tortoise.get_connection("default")
    await conn.execute_query("SELECT 1")
    return JSONResponse({"status": "ok"})


def create_app(*, with_lifespan: bool = True) -> Starlette:
    from admin_ui.app import create_admin

    logs.configure(settings.log_level)
    graphql = TousuGraphQL(
        default_schema,
        graphql_ide="graphiql" if settings.dev else None,
        allow_queries_via_get=False,
    )
    return Starlette(
        debug=False,
        routes=[
            Route("/", lambda r: RedirectResponse("/admin/")),
            Route("/healthz", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route(
                "/partner/graphql", partner_api.create_partner_graphql(), methods=["GET", "POST"]
            ),
            Mount("/admin", app=create_admin()),
        ],
        lifespan=lifespan if with_lifespan else None,
    )
