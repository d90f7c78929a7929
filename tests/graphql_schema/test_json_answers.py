"""Issue 14: the GraphQL endpoints answer compact JSON in UTF-8 written by orjson, the same in
meaning as before; the response-size cap counts the bytes sent."""

from __future__ import annotations

import dataclasses
import json

import httpx

from graphql_schema.limits import write_json
from graphql_schema.schema import build
from services.config import settings
from services.staff.service import issue_token
from tests import factories as f
from tests.graphql_schema.test_edge_limits import client_for, only_code

SUMMARY = "话费" * 50  # 100 characters: 300 bytes in UTF-8, 600 as \u escapes
QUERY = "{ complaints(first: 10) { edges { node { id summary } } } }"


async def test_an_answer_is_utf8_json_with_its_chinese_unescaped(gql):
    handler = await f.staff()
    await f.complaint(handler, summary=SUMMARY)

    answer = await gql.http.post(
        "/graphql",
        json={"query": QUERY},
        headers={"Authorization": f"Bearer {issue_token(handler)}"},
    )
    refused = await gql.http.post("/graphql", json={"query": "{ me { username } }"})

    assert answer.content.startswith(b'{"data":{"complaints":{"edges":[{"node":{"id":')
    assert SUMMARY.encode() in answer.content and b"\\u" not in answer.content
    assert answer.json()["data"]["complaints"]["edges"][0]["node"]["summary"] == SUMMARY
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert b"\\u" not in refused.content  # the message is Chinese unless English is asked for
    assert refused.json()["errors"][0]["message"].encode() in refused.content


async def test_the_response_size_cap_counts_the_utf8_bytes_of_the_data_sent():
    handler = await f.staff()
    customer = await f.customer()
    for _ in range(10):
        await f.complaint(handler, customer, summary=SUMMARY)
    token = issue_token(handler)

    async def ask(cap: int) -> httpx.Response:
        capped = build(dataclasses.replace(settings, graphql_max_response_bytes=cap))
        async with client_for(capped) as http:
            response = await http.post(
                "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 200
        return response

    whole = (await ask(settings.graphql_max_response_bytes)).content
    size = len(whole) - len(b'{"data":}')  # the data's JSON, as sent
    assert size < len(json.dumps(json.loads(whole)["data"], separators=(",", ":")))

    assert (await ask(size)).content == whole
    refused = await ask(size - 1)
    assert refused.json()["data"] is None
    assert only_code(refused) == "RESPONSE_TOO_LARGE"


def test_what_orjson_cannot_write_is_written_by_json_dumps_as_before():
    huge = {"fen": 2**70, "name": "话费"}  # an int past 64 bits
    assert write_json(huge) == b'{"fen":1180591620717411303424,"name":"\\u8bdd\\u8d39"}'
    assert json.loads(write_json({1: "a"})) == {"1": "a"}  # a key that is not a string
    assert json.loads(write_json({"s": "\ud800"})) == {"s": "\ud800"}  # a lone surrogate
    assert write_json({"a": [1, 2.5, None, True], "b": "话"}) == (
        b'{"a":[1,2.5,null,true],"b":"' + "话".encode() + b'"}'
    )
