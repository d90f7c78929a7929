"""Issue 11: documents and variables that are slow to *check*, refused before GraphQL checks
them (graphql_schema/shape.py, transport.py). Each was found probing a running server: inside
the token, depth and alias limits, validation kept the event loop busy for seconds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query, parse

from graphql_schema.app import create_app
from graphql_schema.partners import app as partner_api
from graphql_schema.shape import shape_problem
from services import validation
from services.config import settings
from services.partners import keys
from tests import factories as f
from tests.graphql_schema.test_edge_limits import (
    APPROVALS,
    DETAIL,
    GB23,
    PARTNER_LIST,
    QUEUE,
    SLOW,
)


def fragment_bomb(levels: int, on: str = "Query", leaf: str = "me { id }") -> str:
    """Each fragment spreads the one before twice: 2^levels copies of `leaf` in ~12 tokens a
    level. Before the shape check, 16 levels took 2 s to validate and 30 would take hours."""
    fragments = [f"fragment F0 on {on} {{ {leaf} }}"] + [
        f"fragment F{n} on {on} {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, levels + 1)
    ]
    return f"query {{ ...F{levels} }} " + " ".join(fragments)


# 495 copies of one field: graphql-core's overlap rule compared them pairwise for 1.8 s, then
# gave up with a RecursionError
REPEATED = "{ " + " ".join("me { id }" for _ in range(495)) + " }"


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body["data"] is None
    assert len(body["errors"]) == 1, body["errors"]
    return dict(body["errors"][0])


async def test_i11_a_fragment_bomb_is_refused_before_validation_expands_it(gql):
    handler = await f.staff()

    error = only_error(await gql.post(fragment_bomb(30), as_=handler))

    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "fields": 2 * 2**30,  # `me` and `id`, 2^30 times: counted, never walked
        "limit": settings.graphql_max_fields,
    }
    assert str(settings.graphql_max_fields) in error["message"]


async def test_i11_one_field_repeated_495_times_is_refused_before_validation(gql):
    handler = await f.staff()

    error = only_error(await gql.post(REPEATED, as_=handler))

    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "repeatedPairs": 495 * 494 // 2,
        "limit": settings.graphql_max_repeated_fields,
    }


async def test_i11_repeats_hidden_in_fragments_and_nested_selections_are_counted(gql):
    handler = await f.staff()
    spread = " ".join(f"...R{n}" for n in range(25))
    fragments = " ".join(
        f"fragment R{n} on StaffMember {{ department {{ id }} }}" for n in range(25)
    )

    error = only_error(await gql.post(f"{{ me {{ {spread} }} }} {fragments}", as_=handler))

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["repeatedPairs"] > settings.graphql_max_repeated_fields


async def test_i11_a_small_fragment_chain_still_runs(gql):
    handler = await f.staff(username="wei")

    body = await gql.post(fragment_bomb(4, leaf="me { username }"), as_=handler)

    assert body == {"data": {"me": {"username": "wei"}}}


@pytest.mark.parametrize(
    "query",
    [
        get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            schema_description=True,
            input_value_deprecation=True,
        ),
        DETAIL,
        QUEUE,
        APPROVALS,
        PARTNER_LIST,
        GB23,  # refused by its cost, not its shape
        SLOW,
    ],
    ids=["introspection", "detail", "queue", "approvals", "partner list", "23 GB", "slow"],
)
def test_i11_the_usual_documents_pass_the_shape_check(query):
    problem = shape_problem(
        parse(query),
        max_fields=settings.graphql_max_fields,
        max_repeated=settings.graphql_max_repeated_fields,
    )

    assert problem is None


@pytest.fixture
async def app(redis: Any) -> AsyncIterator[Any]:
    keys.reset()
    yield create_app(with_lifespan=False)
    await partner_api.shutdown()
    keys.reset()


async def post(app: Any, path: str, body: dict[str, Any], key: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        return await http.post(
            path,
            content=json.dumps(body),
            headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
        )


async def test_i11_the_partner_api_refuses_a_fragment_bomb_too(app):
    key = await f.partner_key(await f.partner())
    bomb = fragment_bomb(30, leaf="me { spCode }")

    response = await post(app, "/partner/graphql", {"query": bomb}, key)

    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


@pytest.mark.parametrize("path", ["/graphql", "/partner/graphql"])
async def test_i11_a_variable_list_longer_than_any_input_takes_is_refused_before_graphql(app, path):
    """A 1 MB body of `[1,1,…]` was coerced item by item (3 s) before the list's limit."""
    query = "query($b: [Int!]) { refunds(first: 1, filter: {band: $b}) { totalCount } }"
    body = {"query": query, "variables": {"b": [1] * 250_000}}

    response = await post(app, path, body, "any")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert "「variables.b」是含 250000 项的列表" in error["message"]  # Chinese by default
    assert str(validation.MAX_ITEMS) in error["message"]


async def test_i11_a_list_of_the_longest_allowed_length_reaches_the_input_limits(gql):
    handler = await f.staff()
    query = "query($b: [Int!]) { refunds(first: 1, filter: {band: $b}) { totalCount } }"

    at_limit = await gql.post(query, {"b": [1] * validation.MAX_ITEMS}, as_=handler)

    assert at_limit["data"]["refunds"]["totalCount"] == 0
