"""The ASGI app: GraphQL at /graphql, the partner API at /partner/graphql, the admin console at
/admin, one lifespan for all."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send
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


GRAPHQL_METHODS = ("GET", "HEAD", "POST")  # a Route's methods=["GET", "POST"]
YOUNG_COLLECTED_EVERY = 50_000  # allocations between collections of the youngest generation


class TousuApp(Starlette):
    """Starlette, except that a GraphQL request goes from the error middleware and the user
    middleware (RequestId) straight to its endpoint: Starlette's exception middleware (it
    handles no exception the endpoints let out) and its router cost 4.5 of the 9 us the stack
    took per request (issue 14). Anything else, another method or a root path included, takes
    Starlette's way through the same routes."""

    def __init__(self, *args: Any, graphql: dict[str, ASGIApp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.graphql_endpoints = graphql
        self.graphql_lanes: dict[str, ASGIApp] = {}

    def build_middleware_stack(self) -> ASGIApp:
        handler = self.exception_handlers.get(500) or self.exception_handlers.get(Exception)
        for path, endpoint in self.graphql_endpoints.items():
            lane = endpoint
            for cls, args, kwargs in reversed(self.user_middleware):
                lane = cls(lane, *args, **kwargs)
            self.graphql_lanes[path] = ServerErrorMiddleware(lane, handler, debug=self.debug)
        return super().build_middleware_stack()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.middleware_stack is None:  # the lanes too
            self.middleware_stack = self.build_middleware_stack()
        lane = self.graphql_lanes.get(scope["path"]) if scope["type"] == "http" else None
        if lane is None or scope["method"] not in GRAPHQL_METHODS or scope.get("root_path"):
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        await lane(scope, receive, send)


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
    # the young generation collected every 50,000 allocations instead of 700: a request's
    # objects are freed by reference counting when it ends (execution.py keeps no cycle), so a
    # collection that runs mid-request only walks what is still in flight. The handler's page
    # under load: 11.4 -> 10.8 ms of CPU (4 rounds); `me` unchanged (0.237 -> 0.227 ms).
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTED_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
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
    partner = partner_api.create_partner_graphql(limits=limits)
    return TousuApp(
        debug=False,
        graphql={"/graphql": graphql, "/partner/graphql": partner},
        # no two routes share a path: the busiest first (each route tried costs a regex match)
        routes=[
            Route("/graphql", graphql, methods=list(GRAPHQL_METHODS)),
            Route("/partner/graphql", partner, methods=list(GRAPHQL_METHODS)),
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
