"""Issue 11, limits at the edge: query cost, body size, malformed bodies, response size."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import parse, validate
from starlette.applications import Starlette
from starlette.routing import Route

from graphql_schema.app import TousuGraphQL, create_app
from graphql_schema.cost import document_cost
from graphql_schema.partners import app as partner_api
from graphql_schema.partners.schema import schema as partner_schema
from graphql_schema.schema import build
from graphql_schema.schema import schema as staff_schema
from services.config import settings
from services.partners import keys
from services.staff.service import issue_token
from tests import factories as f

ENDPOINTS = ["/graphql", "/partner/graphql"]
GB23 = (
    "{ "
    + " ".join(
        f"a{i}: complaints(first: 100) {{ edges {{ node {{ customer {{ "
        "complaints(first: 100) { edges { node { summary } } } } } } }"
        for i in range(15)
    )
    + " }"
)
# Inside the depth (10), alias (15) and token limits; it reads every refund's complaint's
# customer's 100 complaints with their history, 15 times over.
SLOW = (
    "{ "
    + " ".join(
        f"r{i}: refunds(first: 100) {{ edges {{ node {{ complaint {{ customer {{ "
        "complaints(first: 100) { edges { node { history { action } } } } } } } } }"
        for i in range(15)
    )
    + " }"
)
# What the front ends send most (README, docs/partners.md), at their largest page.
QUEUE = """{ complaints(first: 100, orderBy: DUE_SOONEST, filter: {overdue: true}) {
  totalCount edges { cursor node { id status category urgent warningColour summary createdAt
    customer { name msisdn } owner { displayName department { name } }
    urgency { reason note evidence } deadlines { kind dueAt state } } }
  pageInfo { hasNextPage endCursor } } }"""
DETAIL = """query($id: ID!) { complaint(id: $id) { id status category summary customerRequest
  contactName contactPhone phoneVisible urgent warningColour createdAt
  customer { name msisdn tier riskProfile { special } complaints(first: 20) { totalCount
    edges { node { id status summary } } } }
  owner { displayName } firstHandler { displayName } urgency { reason note evidence }
  deadlines { kind dueAt state } tasks { title doneAt } history { action at actor { displayName } }
  notices { status attempts { number } } supervision { since } } }"""
APPROVALS = """{ refunds(first: 100, filter: {awaitingMyApproval: true}) { totalCount
  edges { node { id status refundFen band phoneVisible customer { name msisdn }
    requestedBy { displayName } approvals { decision } complaint { id summary } } }
  pageInfo { hasNextPage endCursor } } }"""
PARTNER_LIST = """{ disputes(first: 100) { edges { cursor node { id status msisdn serviceCode
  reason claimedFen refundFen chargeLines { period amountFen } decision { flow reason } } }
  pageInfo { hasNextPage endCursor } } }"""


def cost(query: str, variables: dict[str, Any] | None = None, schema: Any = staff_schema) -> int:
    document = parse(query)
    assert not validate(schema._schema, document)
    return document_cost(
        schema._schema,
        document,
        operation_name=None,
        variables=variables,
        list_size=settings.graphql_cost_list_size,
    )


def client_for(schema: Any) -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/graphql", TousuGraphQL(schema), methods=["POST"])])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@pytest.fixture
async def app(redis: Any) -> AsyncIterator[Any]:
    keys.reset()
    yield create_app(with_lifespan=False)
    await partner_api.shutdown()
    keys.reset()


async def call(app: Any, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        return await http.post(path, content=body, headers=headers)


def only_code(response: httpx.Response) -> str:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return str(body["errors"][0]["extensions"]["code"])


async def test_i11_a_23gb_query_is_refused_before_execution(gql, count_queries):
    handler = await f.staff()
    await f.complaint(handler)
    count_queries.queries.clear()

    started = time.perf_counter()
    body = await gql.post(GB23, as_=handler)
    elapsed = time.perf_counter() - started

    print(f"23 GB query refused in {elapsed * 1000:.1f} ms")
    error = body["errors"][0]
    assert body["data"] is None and len(body["errors"]) == 1
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 456_015,
        "limit": settings.graphql_max_cost,
    }
    assert "456015" in error["message"] and str(settings.graphql_max_cost) in error["message"]
    assert not [q for q in count_queries.queries if "complaints" in q]  # refused unread


async def test_i11_a_slow_query_inside_the_depth_and_alias_limits_is_refused_in_milliseconds(gql):
    handler = await f.staff()
    unlimited = build(dataclasses.replace(settings, graphql_max_cost=10**9))
    async with client_for(unlimited) as http:
        allowed = await http.post(
            "/graphql",
            json={"query": SLOW},
            headers={"Authorization": f"Bearer {issue_token(handler)}"},
        )

    started = time.perf_counter()
    body = await gql.post(SLOW, as_=handler)
    elapsed = time.perf_counter() - started

    print(f"slow query (cost {cost(SLOW)}) refused in {elapsed * 1000:.1f} ms")
    assert "errors" not in allowed.json()  # only the cost limit stands in its way
    assert body["data"] is None  # nothing ran
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COSTLY"]


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        ("{ me { id username } }", None, 3),
        ("{ complaints(first: 5) { edges { node { id } } } }", None, 1 + 5 * 3),
        ("{ complaints { totalCount edges { node { id } } } }", None, 1 + 20 * 4),
        ("query($n: Int!) { complaints(first: $n) { edges { node { id } } } }", {"n": 7}, 22),
        ("query($n: Int! = 3) { complaints(first: $n) { edges { node { id } } } }", None, 10),
        ("{ a: me { id } b: me { id } __typename }", None, 4),
        ("{ me { ...F } } fragment F on StaffMember { id username }", None, 3),
        ("{ complaint(id: 1) { deadlines { kind dueAt } } }", None, 2 + 10 * 2),
    ],
)
def test_i11_cost_counts_fields_multiplies_pages_by_first_and_adds_aliases(
    query, variables, expected
):
    assert cost(query, variables) == expected


def test_i11_the_front_ends_usual_queries_cost_far_less_than_the_limit():
    costs = {
        "README queue": cost(
            "{ complaints(first: 3, filter: {status: [RECEIVED]}) { totalCount edges { node { "
            "id status category customer { name msisdn } owner { displayName } } } "
            "pageInfo { hasNextPage endCursor } } }"
        ),
        "queue (100)": cost(QUEUE),
        "complaint detail": cost(DETAIL, {"id": "1"}),
        "approvals (100)": cost(APPROVALS),
        "partner disputes (100)": cost(PARTNER_LIST, schema=partner_schema),
        "23 GB query": cost(GB23),
        "slow query": cost(SLOW),
    }

    print(json.dumps(costs, indent=1), "limit", settings.graphql_max_cost)
    usual = [v for k, v in costs.items() if "query" not in k]
    assert max(usual) * 2 < settings.graphql_max_cost
    assert settings.graphql_max_cost * 20 < min(costs["slow query"], costs["23 GB query"])


async def test_i11_the_partner_api_refuses_costly_documents_too(app):
    key = await f.partner_key(await f.partner())
    aliased = "{ " + " ".join(f"d{i}: " + PARTNER_LIST[2:-2] for i in range(15)) + " }"

    response = await call(
        app, "/partner/graphql", json.dumps({"query": aliased}).encode(), _json(key)
    )

    assert response.status_code == 200
    assert only_code(response) == "QUERY_TOO_COSTLY"


def _json(key: str | None = None) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    return headers


class Body:
    """A request body streamed in 64 KiB chunks that counts how much the server pulled."""

    def __init__(self, size: int):
        self.size, self.pulled = size, 0

    async def receive(self) -> dict[str, Any]:
        chunk = min(65536, self.size - self.pulled)
        self.pulled += chunk
        return {"type": "http.request", "body": b" " * chunk, "more_body": self.pulled < self.size}


async def send_raw(app: Any, path: str, body: Body, headers: list[tuple[bytes, bytes]]) -> Any:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    await app(scope, body.receive, send)
    status = sent[0]["status"]
    payload = b"".join(m.get("body", b"") for m in sent[1:])
    return status, json.loads(payload)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_i11_a_100mb_body_gets_413_without_the_server_reading_it(app, path, declared):
    body = Body(100 * 1024 * 1024)
    headers = [(b"content-length", str(body.size).encode())] if declared else []

    status, payload = await send_raw(app, path, body, headers)

    print(f"{path}: 413 after reading {body.pulled} of {body.size} bytes")
    assert status == 413
    assert payload["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert body.pulled <= settings.graphql_max_body_bytes + 65536
    assert body.pulled == 0 if declared else body.pulled > 0


MALFORMED = {
    "invalid utf-8": (b'{"query": "{ me { id } }\xff\xfe"}', "application/json"),
    "invalid json": (b'{"query": "{ me { id } }"', "application/json"),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "nested object 50,000 deep": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json"),
    "a list (batch)": (b'[{"query": "{ me { id } }"}]', "application/json"),
    "a string": (b'"{ me { id } }"', "application/json"),
    "a number": (b"42", "application/json"),
    "null": (b"null", "application/json"),
    "empty": (b"", "application/json"),
    "query not a string": (b'{"query": 42}', "application/json"),
    "no query": (b'{"variables": {}}', "application/json"),
    "variables not an object": (
        b'{"query": "{ me { id } }", "variables": [1]}',
        "application/json",
    ),
    "text/plain": (b'{"query": "{ me { id } }"}', "text/plain"),
    "form": (b"query=%7B+me+%7B+id+%7D+%7D", "application/x-www-form-urlencoded"),
    "multipart": (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    "no content type": (b'{"query": "{ me { id } }"}', ""),
}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("case", MALFORMED)
async def test_i11_a_malformed_body_is_a_400_graphql_error_never_a_500(app, path, case):
    content, content_type = MALFORMED[case]
    headers = {"content-type": content_type} if content_type else {}

    response = await call(app, path, content, headers)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert only_code(response) == "BAD_REQUEST"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "case, chinese, english",
    [
        ("invalid utf-8", "请求体不是有效的 UTF-8 编码。", "The body is not valid UTF-8."),
        ("no query", "请求体中没有 GraphQL 查询", "No GraphQL query found in the body"),
        ("text/plain", "请以 JSON 发送操作", "Send the operation as JSON"),
        ("a list (batch)", "请求体须为一个 JSON 对象", "The body must be one JSON object"),
    ],
)
async def test_i17_a_refusal_before_graphql_runs_is_in_chinese_unless_english_is_asked_for(
    app, path, case, chinese, english
):
    content, content_type = MALFORMED[case]

    default = await call(app, path, content, {"content-type": content_type})
    asked = await call(
        app, path, content, {"content-type": content_type, "accept-language": "en-US,en;q=0.9"}
    )

    assert chinese in default.json()["errors"][0]["message"]
    assert english in asked.json()["errors"][0]["message"]
    assert only_code(default) == only_code(asked) == "BAD_REQUEST"


async def test_i17_a_body_over_the_limit_is_refused_in_the_readers_language(app):
    body = b'{"query": "' + b"x" * (settings.graphql_max_body_bytes + 1) + b'"}'

    default = await call(app, "/graphql", body, {"content-type": "application/json"})
    asked = await call(
        app, "/graphql", body, {"content-type": "application/json", "accept-language": "en"}
    )

    limit = settings.graphql_max_body_bytes
    assert default.json()["errors"][0]["message"] == f"请求体超过 {limit} 字节。"
    assert asked.json()["errors"][0]["message"] == f"The request body is over {limit} bytes."


OVERSIZED = "{ complaints(first: 30) { edges { node { id summary } } } }"


async def over_the_size_cap() -> tuple[Any, Any]:
    """A schema whose response-size cap (10,000 bytes) OVERSIZED's answer passes, and the
    handler of the 30 long complaints it would show."""
    handler = await f.staff()
    customer = await f.customer()
    for _ in range(30):
        await f.complaint(handler, customer, summary="话费" * 50)
    return build(dataclasses.replace(settings, graphql_max_response_bytes=10_000)), handler


async def test_i11_a_response_over_the_size_cap_is_refused_with_a_typed_error():
    capped, handler = await over_the_size_cap()
    query = OVERSIZED

    async with client_for(capped) as http:
        response = await http.post(
            "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {issue_token(handler)}"},
        )
        small = await http.post(
            "/graphql",
            json={"query": query.replace("30", "3")},
            headers={"Authorization": f"Bearer {issue_token(handler)}"},
        )

    assert response.status_code == 200
    assert response.json()["data"] is None
    assert only_code(response) == "RESPONSE_TOO_LARGE"
    assert len(small.json()["data"]["complaints"]["edges"]) == 3
