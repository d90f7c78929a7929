"""A query whose document is prepared (parsed, valid, its cost known) runs without strawberry's
per-request steps (`Schema._run_prepared`, issue 14). Its answers must be the answers of the
full path: the same data, the same errors, typed, masked, coded and worded alike, logged alike,
and the same limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from graphql_schema import schema as schema_module
from graphql_schema.execution import FRESH, SHARED, PlannedExecution
from graphql_schema.schema import Schema
from graphql_schema.staff import types as staff_types
from services.staff.service import issue_token
from tests import factories as f
from tests.graphql_schema.test_edge_limits import OVERSIZED, client_for, over_the_size_cap

ONE = """query($id: ID!) { complaint(id: $id) { id status summary
  customer { name msisdn } history { action reason actor { username } } } }"""


@contextmanager
def lane_counted() -> Iterator[list[str]]:
    """The queries that took the prepared lane while the block runs."""
    taken: list[str] = []
    original = Schema._run_prepared

    async def counted(self: Schema, rules: Any, document: Any, *args: Any) -> Any:
        taken.append(document.loc.source.body if document.loc else "")
        return await original(self, rules, document, *args)

    Schema._run_prepared = counted  # type: ignore[method-assign,assignment]
    try:
        yield taken
    finally:
        Schema._run_prepared = original  # type: ignore[method-assign]


@contextmanager
def lane_closed() -> Iterator[None]:
    original = Schema._rules
    Schema._rules = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        Schema._rules = original  # type: ignore[method-assign]


async def post(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str,
    language: str = "en",
) -> tuple[int, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
    )
    return response.status_code, response.json()


@contextmanager
def kept_counted() -> Iterator[list[bool]]:
    """For each query on the prepared lane while the block runs: whether it ran from the
    executor state kept from an earlier run (`PlannedExecution.run_prepared`)."""
    ran: list[bool] = []
    original = PlannedExecution.run_prepared

    def counted(*args: Any) -> Any:
        done = original(*args)
        ran.append(done is not None)
        return done

    PlannedExecution.run_prepared = counted  # type: ignore[method-assign,assignment]
    try:
        yield ran
    finally:
        PlannedExecution.run_prepared = original  # type: ignore[method-assign]


async def full_then_prepared(http: httpx.AsyncClient, query: str, **kwargs: Any) -> list[Any]:
    """The full path's answer, then the prepared lane's; the lane is asked twice more, and
    the last time answers from the executor state kept (its answer must be the same)."""
    with lane_closed():
        full = await post(http, query, **kwargs)
    with lane_counted() as taken:
        prepared = await post(http, query, **kwargs)
        await post(http, query, **kwargs)
        with kept_counted() as kept:
            again = await post(http, query, **kwargs)
    assert taken == [query] * 3, "after the first time, the query takes the prepared lane"
    assert kept == [True], "a query that ran planned runs from its kept executor state"
    assert again == prepared
    return [full, prepared]


async def test_a_prepared_query_answers_as_the_full_path_in_both_languages(http):
    handler = await f.staff()
    customer = await f.customer()
    complaint = await f.complaint(handler, customer)
    token = issue_token(handler)
    cases: list[tuple[str, dict[str, Any] | None]] = [
        ("{ me { username roles } }", None),
        (ONE, {"id": str(complaint.id)}),
        (ONE, {"id": "999999"}),  # not found: a typed error
        (ONE, {"id": ["not", "an", "id"]}),  # a variable of the wrong type: refused
        ("{ me { username } complaint(id: 0) { id } }", None),  # data and an error
    ]
    for query, variables in cases:
        for language in ("en", "zh-CN"):
            full, prepared = await full_then_prepared(
                http, query, variables=variables, token=token, language=language
            )
            assert prepared == full, (query, variables, language)
    assert (await post(http, "{ me { username } }", token=token))[1] == {
        "data": {"me": {"username": handler.username}}
    }


async def test_a_bug_on_the_prepared_lane_is_masked_coded_and_logged_as_before(
    http, monkeypatch, caplog
):
    handler = await f.staff()
    token = issue_token(handler)
    query = "{ me { username } }"
    await post(http, query, token=token)  # prepared

    def broken(row: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(staff_types.StaffMember, "from_row", broken)
    with caplog.at_level(logging.ERROR, logger="tousu.graphql"):
        full, prepared = await full_then_prepared(http, query, token=token, language="zh-CN")

    assert prepared == full
    error = prepared[1]["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_ERROR"}
    assert "服务器内部错误" in error["message"] and "secret" not in str(prepared)
    logged = [r for r in caplog.records if "unexpected error at me" in r.getMessage()]
    assert len(logged) == 4  # once per answer (full, prepared, kept), with its traceback
    assert all("RuntimeError: secret internals" in (r.exc_text or "") for r in logged)


async def test_the_response_size_cap_holds_on_the_prepared_lane():
    capped, handler = await over_the_size_cap()

    async with client_for(capped) as http:
        full, prepared = await full_then_prepared(http, OVERSIZED, token=issue_token(handler))

    assert prepared == full
    assert prepared[1]["data"] is None
    assert prepared[1]["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"


async def test_mutations_and_costly_queries_never_take_the_prepared_lane(http):
    handler = await f.staff()
    token = issue_token(handler)
    mutation = 'mutation { login(username: "nobody", password: "wrong") { __typename } }'
    costly = "{ complaints(first: 100000) { edges { node { id } } } }"
    with lane_counted() as taken:
        answers = [await post(http, q, token=token) for q in (costly, costly, mutation, mutation)]

    assert taken == []
    assert [body["errors"][0]["extensions"]["code"] for _, body in answers[:2]] == [
        "QUERY_TOO_COSTLY"
    ] * 2
    assert answers[2] == answers[3]
    assert schema_module.schema._rules() is not None  # type: ignore[attr-defined]


async def test_the_kept_executor_state_names_every_attribute_an_executor_has(http):
    """What a prepared query's requests share (SHARED) and what each makes afresh (FRESH)
    name every attribute of an executor graphql-core builds: state a graphql-core or
    strawberry upgrade adds is neither shared between requests unseen nor left unset."""
    built: list[PlannedExecution] = []
    original = PlannedExecution.__init__

    def kept(self: PlannedExecution, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    PlannedExecution.__init__ = kept  # type: ignore[method-assign]
    try:
        await post(http, "query State { me { username } }", token=issue_token(await f.staff()))
    finally:
        PlannedExecution.__init__ = original  # type: ignore[method-assign]
    assert built
    assert set(vars(built[0])) == SHARED | FRESH
    assert not SHARED & FRESH


async def test_a_kept_query_still_sees_each_requests_caller_and_variables(http):
    """The kept state holds nothing of the request that left it: each later request answers
    with its own caller and its own variables."""
    one, two = await f.staff(), await f.staff()
    customer = await f.customer()
    first, second = await f.complaint(one, customer), await f.complaint(one, customer)
    for _ in range(2):  # prepared, then kept
        await post(http, "{ me { username } }", token=issue_token(one))
        await post(http, ONE, {"id": str(first.id)}, token=issue_token(one))
    with kept_counted() as kept:
        me_two = await post(http, "{ me { username } }", token=issue_token(two))
        me_none = await post(http, "{ me { username } }", token="not-a-token")
        got = await post(http, ONE, {"id": str(second.id)}, token=issue_token(one))
        bad = await post(http, ONE, {"id": None}, token=issue_token(one))
    assert kept == [True] * 4
    assert me_two[1] == {"data": {"me": {"username": two.username}}}
    assert me_none[1]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (
        got[1]["data"]["complaint"]["id"]
        != (await post(http, ONE, {"id": str(first.id)}, token=issue_token(one)))[1]["data"][
            "complaint"
        ]["id"]
    )
    assert bad[1]["data"] is None and bad[1]["errors"][0]["extensions"]["code"]
