"""Messages in Chinese by default, in English by Accept-Language, from the console's gettext
catalogs; every message id is in both catalogs (issue 17)."""

from __future__ import annotations

import re

import httpx
import pytest

from graphql_schema import messages
from graphql_schema.app import create_app
from graphql_schema.ids import global_id
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f

RESOLVE = """mutation($id: ID!) { resolveComplaint(id: $id, cause: "c", solution: "s",
  prevention: "p") { __typename ... on Error { code message } } }"""


@pytest.fixture
async def http():
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


async def ask(http, query, variables, staff, language=None):
    headers = {"Authorization": f"Bearer {issue_token(staff)}"}
    if language:
        headers["Accept-Language"] = language
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.json()


def test_every_message_id_is_in_both_catalogs_and_chinese_uses_only_values_it_is_given():
    zh, en = messages.CATALOGS["zh-CN"], messages.CATALOGS["en"]
    assert set(zh) == set(en) and len(zh) > 50
    for key in zh:
        assert set(re.findall(r"\{(\w+)\}", zh[key])) <= set(re.findall(r"\{(\w+)\}", en[key]))


def test_accept_language_chooses_english_else_chinese():
    assert messages.locale_of("") == "zh-CN"
    assert messages.locale_of("en-US,en;q=0.9") == "en"
    assert messages.locale_of("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert messages.locale_of("fr, en;q=0.5, zh;q=0.4") == "en"


async def test_a_refused_step_is_worded_in_chinese_by_default_and_english_on_request(http):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    variables = {"id": global_id("Complaint", complaint.id)}

    chinese = (await ask(http, RESOLVE, variables, handler))["data"]["resolveComplaint"]
    english = (await ask(http, RESOLVE, variables, handler, "en"))["data"]["resolveComplaint"]

    assert chinese["code"] == english["code"] == "ILLEGAL_TRANSITION"
    assert chinese["message"] == "投诉当前为「已受理」，不能执行「办结」；须为：处理中。"
    assert english["message"] == (
        "Cannot resolve a complaint that is received; it must be resolving."
    )


async def test_a_permission_refusal_and_an_input_limit_in_chinese(http):
    owner, other = await f.staff(Role.HANDLER), await f.staff(Role.HANDLER)
    complaint = await f.complaint(owner)
    variables = {"id": global_id("Complaint", complaint.id)}
    refused = (await ask(http, RESOLVE, variables, other))["data"]["resolveComplaint"]
    assert refused["message"] == "仅投诉的责任人或其部门组长可以执行此操作（办结）。"

    plan = """mutation($id: ID!, $p: String!) { proposePlan(id: $id, plan: $p) {
      ... on InputError { message problems { field message } } } }"""
    too_long = await ask(http, plan, {**variables, "p": "方" * 4001}, owner)
    problem = too_long["data"]["proposePlan"]["problems"][0]
    assert problem == {"field": "plan", "message": "「plan」最多 4000 个字符，实际 4001 个。"}


async def test_a_top_level_refusal_is_worded_too(http):
    handler = await f.staff(Role.HANDLER)
    query = "{ complaints(first: 500) { totalCount } }"
    chinese = (await ask(http, query, {}, handler))["errors"][0]
    assert chinese["extensions"]["code"] == "INVALID_INPUT"
    assert "须在" in chinese["message"] or "输入有误" in chinese["message"]
    anonymous = await http.post("/graphql", json={"query": "{ me { id } }"})
    assert anonymous.json()["errors"][0]["message"].startswith("请先登录")
