"""Authentication, limits and error masking at the API's edge."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from services.complaints import service
from services.config import settings
from services.staff.models import Role, Staff
from tests import factories as f

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginSuccess { token staff { username roles } }
  ... on Error { code message } } }"""


async def test_login_gives_a_token_that_identifies_the_caller(gql):
    staff = await f.staff(Role.TEAM_LEAD, username="lead1")

    data = await gql.data(LOGIN, {"u": "lead1", "p": f.PASSWORD})
    token = data["login"]["token"]
    me = await gql.post("{ me { username roles } }", token=token)

    assert data["login"]["staff"] == {"username": "lead1", "roles": ["TEAM_LEAD"]}
    assert me["data"]["me"] == {"username": staff.username, "roles": ["TEAM_LEAD"]}


async def test_wrong_password_and_unknown_user_get_the_same_typed_error(gql):
    await f.staff(username="lead2")

    wrong = await gql.data(LOGIN, {"u": "lead2", "p": "nope"})
    unknown = await gql.data(LOGIN, {"u": "ghost", "p": "nope"})

    assert wrong["login"] == unknown["login"]
    assert wrong["login"]["__typename"] == "AuthenticationError"
    assert wrong["login"]["code"] == "INVALID_CREDENTIALS"


async def test_roles_are_read_from_the_database_on_each_request(gql):
    staff = await f.staff(Role.HANDLER)
    token = (await gql.data(LOGIN, {"u": staff.username, "p": f.PASSWORD}))["login"]["token"]

    await Staff.filter(id=staff.id).update(roles=["auditor"])
    me = await gql.post("{ me { roles } }", token=token)
    await Staff.filter(id=staff.id).update(is_active=False)
    gone = await gql.post("{ me { roles } }", token=token)

    assert me["data"]["me"]["roles"] == ["AUDITOR"]
    assert gone["data"] is None
    assert gone["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("token", ["garbage", "expired"])
async def test_bad_or_expired_tokens_see_nothing(gql, token):
    staff = await f.staff()
    if token == "expired":
        serializer = URLSafeTimedSerializer(str(settings.secret_key), salt="tousu.staff-token")
        token = serializer.dumps({"sid": staff.id})
        import time

        real = time.time
        try:
            time.time = lambda: real() + settings.token_ttl_seconds + 5  # type: ignore[assignment]
            body = await gql.post("{ me { username } }", token=token)
        finally:
            time.time = real  # type: ignore[assignment]
    else:
        body = await gql.post("{ me { username } }", token=token)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_anonymous_queries_see_nothing(gql):
    await f.complaint(await f.staff())

    body = await gql.post("{ complaints(first: 5) { totalCount } }")

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_too_deep_queries_are_refused(gql):
    staff = await f.staff()
    nested = "complaints(first: 1) { edges { node { customer { %s } } } }"
    inner = "id"
    for _ in range(4):
        inner = nested % inner
    deep = "{ " + inner + " }"

    body = await gql.post(deep, as_=staff)

    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(gql):
    staff = await f.staff()
    query = (
        "{ "
        + " ".join(f"a{i}: me {{ id }}" for i in range(settings.graphql_max_aliases + 1))
        + " }"
    )

    body = await gql.post(query, as_=staff)

    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"]


async def test_too_many_tokens_are_refused(gql):
    staff = await f.staff()
    query = "{ me { " + " ".join(["id"] * settings.graphql_max_tokens) + " } }"

    body = await gql.post(query, as_=staff)

    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_introspection_and_the_ide_are_off_outside_dev(gql):
    staff = await f.staff()

    body = await gql.post("{ __schema { types { name } } }", as_=staff)
    ide = await gql.http.get("/graphql", headers={"accept": "text/html"})

    assert settings.env != "dev"
    assert body["data"] is None and "introspection" in body["errors"][0]["message"].lower()
    assert ide.status_code != 200 or "graphiql" not in ide.text.lower()


async def test_unexpected_errors_are_masked(gql, monkeypatch, caplog):
    handler = await f.staff()
    complaint = await f.complaint(handler)

    async def broken(**_: object) -> None:
        raise RuntimeError("secret internals 13812341234")

    monkeypatch.setattr(service, "acknowledge", broken)
    body = await gql.post(
        f'mutation {{ acknowledgeComplaint(id: "{complaint.id}") {{ __typename }} }}', as_=handler
    )

    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in str(body)


async def test_repeated_queries_are_parsed_validated_and_costed_once(gql):
    from graphql_schema.guard import Guard
    from graphql_schema.schema import schema

    guard = schema.get_extensions()[0]
    assert isinstance(guard, Guard)
    documents = guard.rules.documents
    staff = await f.staff()
    query = "{ me { username displayName } }"
    await gql.post(query, as_=staff)
    hits = documents.hits
    prepared = documents.entries[query]

    for _ in range(5):
        await gql.post(query, as_=staff)

    assert documents.hits - hits == 5
    assert documents.entries[query] is prepared  # the same document: the executor's plan key
    assert prepared.validated and prepared.errors == [] and prepared.problem is None
    assert prepared.costs == {None: 3}  # me, username, displayName


async def test_a_cost_set_by_a_variable_is_counted_for_each_request(gql):
    from graphql_schema.guard import Guard
    from graphql_schema.schema import schema

    guard = schema.get_extensions()[0]
    assert isinstance(guard, Guard)
    handler = await f.staff()
    await f.complaint(handler)
    query = "query($n: Int!) { complaints(first: $n) { edges { node { id } } } }"
    small = await gql.post(query, {"n": 2}, as_=handler)
    big = await gql.post(query, {"n": 10_000_000}, as_=handler)

    assert "errors" not in small
    assert [e["extensions"]["code"] for e in big["errors"]] == ["QUERY_TOO_COSTLY"]
    assert guard.rules.documents.entries[query].costs == {}


async def test_me_sends_one_statement_the_callers_row(gql, count_queries):
    staff = await f.staff()
    await gql.post("{ me { username } }", as_=staff)
    count_queries.queries.clear()

    body = await gql.post("{ me { username } }", as_=staff)

    assert body == {"data": {"me": {"username": staff.username}}}
    assert len(count_queries.queries) == 1, count_queries.queries
    assert "FROM staff WHERE id = ANY($1::int[]) AND is_active" in count_queries.queries[0]
