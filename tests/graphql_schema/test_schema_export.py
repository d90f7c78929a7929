"""The committed SDL is what the server serves, and every type and field says what it is."""

from __future__ import annotations

from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from graphql_schema.export import SDL_PATH, sdl
from graphql_schema.schema import schema


def test_committed_schema_matches_the_code():
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), (
        "graphql_schema/schema.graphql is stale: run `make schema` and commit it"
    )


def test_every_type_and_field_has_a_description():
    missing = []
    for name, gtype in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Int", "Float", "ID"}:
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
    assert missing == []
