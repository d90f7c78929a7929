"""Issue 11: every error a client gets has a code, GraphQL's own included (a syntax error, an
unknown field, a literal of the wrong type, an Int past 32 bits, a variable that does not fit
or is missing) and a masked bug; worded in Chinese by default and in English on request, with
graphql-core's own words in `extensions.detail`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.complaints import service
from services.config import settings
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f

# (what, staff document, partner document, variables, code)
CASES = [
    ("syntax error", "{ me { id ", "{ me { spCode ", None, "GRAPHQL_PARSE_FAILED"),
    ("unknown field", "{ me { nope } }", "{ me { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
    (
        "literal of the wrong type",
        '{ complaints(first: "x") { totalCount } }',
        '{ disputes(first: "x") { edges { cursor } } }',
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "Int literal past int32",
        "{ complaints(first: 99999999999) { totalCount } }",
        "{ disputes(first: 99999999999) { edges { cursor } } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "variable of the wrong type",
        "query($n: Int!) { complaints(first: $n) { totalCount } }",
        "query($n: Int!) { disputes(first: $n) { edges { cursor } } }",
        {"n": "x"},
        "INVALID_INPUT",
    ),
    (
        "missing variable",
        "query($n: Int!) { complaints(first: $n) { totalCount } }",
        "query($n: Int!) { disputes(first: $n) { edges { cursor } } }",
        {},
        "INVALID_INPUT",
    ),
    (
        "too many tokens",
        "{ " + "me { id } " * 700 + "}",
        "{ " + "me { spCode } " * 700 + "}",
        None,
        "QUERY_TOO_COMPLEX",
    ),
]
PAST_INT32 = """query($h: Int) { complaints(first: 5, filter: {dueWithinHours: $h}) {
  totalCount } }"""


async def ask(
    http: httpx.AsyncClient,
    path: str,
    query: str,
    variables: dict[str, Any] | None,
    *,
    language: str | None = None,
) -> dict[str, Any]:
    if path == "/graphql":
        token = issue_token(await f.staff(Role.HANDLER))
    else:
        token = await f.partner_key(await f.partner())
    headers = {"Authorization": f"Bearer {token}"}
    if language:
        headers["Accept-Language"] = language
    response = await http.post(path, json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize("path", ["/graphql", "/partner/graphql"])
@pytest.mark.parametrize(
    ("what", "staff_query", "partner_query", "variables", "code"),
    CASES,
    ids=[case[0] for case in CASES],
)
async def test_i11_graphqls_own_errors_carry_a_code_in_chinese_and_english(
    http, path, what, staff_query, partner_query, variables, code
):
    query = staff_query if path == "/graphql" else partner_query

    chinese = await ask(http, path, query, variables)
    english = await ask(http, path, query, variables, language="en")

    assert chinese["data"] is None and english["data"] is None
    [zh], [en] = chinese["errors"], english["errors"]
    assert zh["extensions"]["code"] == en["extensions"]["code"] == code, (zh, en)
    # English: graphql-core's words, also kept in `detail`; Chinese: the code's sentence,
    # graphql-core's words after it and in `detail`
    assert en["message"] == en["extensions"]["detail"] == zh["extensions"]["detail"]
    assert zh["message"] != en["message"] and en["message"] in zh["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["message"]), zh["message"]


async def test_i11_an_int_variable_past_int32_is_invalid_input_naming_the_variable(http):
    body = await ask(http, "/graphql", PAST_INT32, {"h": 2**40}, language="en")

    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["variable"] == "h"
    assert "32-bit" in error["message"]


async def test_i11_the_alias_limit_is_query_too_complex_with_its_limit(http):
    aliased = "{ " + " ".join(f"m{i}: me {{ id }}" for i in range(settings.graphql_max_aliases + 1))

    body = await ask(http, "/graphql", aliased + " }", None, language="en")

    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == settings.graphql_max_aliases


async def test_i11_a_masked_bug_has_the_code_internal_error(http, monkeypatch):
    handler = await f.staff()
    complaint = await f.complaint(handler)

    async def broken(**_: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "acknowledge", broken)
    query = f'mutation {{ acknowledgeComplaint(id: "{complaint.id}") {{ __typename }} }}'
    answers = []
    for language in ("en", "zh-CN"):
        response = await http.post(
            "/graphql",
            json={"query": query},
            headers={
                "Authorization": f"Bearer {issue_token(handler)}",
                "Accept-Language": language,
            },
        )
        answers.append(response.json()["errors"][0])

    en, zh = answers
    assert en["message"] == "Unexpected error."
    assert en["extensions"] == zh["extensions"] == {"code": "INTERNAL_ERROR"}
    assert "Unexpected error." in zh["message"] and "服务器内部错误" in zh["message"]
    assert "secret" not in str(answers)
