"""The partner schema: only partner types, the staff schema's extensions (parser and
validation caches, depth/token/alias limits, masking; introspection off outside ENV=dev)."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from graphql_schema.execution import PlannedExecution
from graphql_schema.partners.resolvers import Mutation, Query
from graphql_schema.schema import Schema, extensions
from services.config import Settings, settings


def build(config: Settings = settings) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions(config),
        execution_context_class=PlannedExecution,  # documents run by plan (execution.py)
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build()
