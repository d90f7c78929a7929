"""Handler assist through GraphQL (S-1 … S-3): what a handler sees for a complaint, while
typing at intake, and when checking a reply."""

from __future__ import annotations

from graphql_schema.ids import global_id
from services.assist import library
from services.staff.models import Role
from tests import factories as f
from tests.graphql_schema.conftest import Client

ASSIST = """query($id: ID!) { complaint(id: $id) { assist {
  scenarios { code title score measure examples escalation matched }
  categories { category score matched } rules { id text } negated intensity } } }"""
SUGGEST = """query($t: String!) { suggestScenarios(text: $t) {
  scenarios { code title special matched examples escalation } categories { category matched }
  rules { id } negated intensity } }"""
CHECK = """query($t: String!) { checkWording(text: $t) { rule advice start end text better } }"""


async def test_s2_a_complaint_shows_its_scenarios_scripts_and_the_rule(gql: Client):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(
        handler,
        summary="這個彩鈴我從來沒有訂購過，你們偷偷扣費！！！",
        customer_request="退钱，叫你们经理出来",
    )
    data = await gql.data(ASSIST, {"id": global_id("Complaint", complaint.id)}, as_=handler)
    assist = data["complaint"]["assist"]
    first = assist["scenarios"][0]
    assert first["code"] == "DISPUTES_FACTS"
    assert "沒有訂購" in first["matched"]  # as the customer wrote it
    assert first["examples"] and first["measure"].startswith("对于关键细节")
    assert "DEMANDS_MANAGER" in [s["code"] for s in assist["scenarios"]]
    assert assist["categories"][0]["category"] == "VALUE_ADDED_SERVICE"
    assert {"id": "R-7(a)", "text": assist["rules"][0]["text"]} in assist["rules"]
    assert assist["intensity"] >= 1


async def test_s2_masked_texts_suggest_nothing_to_staff_who_do_not_handle_it(gql: Client):
    handler = await f.staff(Role.HANDLER, dept=await f.department("A"))
    stranger = await f.staff(Role.HANDLER, dept=await f.department("B"))
    complaint = await f.complaint(handler, summary="我没有订购彩铃", customer_request="退钱")
    data = await gql.data(ASSIST, {"id": global_id("Complaint", complaint.id)}, as_=stranger)
    assert data["complaint"]["assist"]["scenarios"] == []


async def test_s1_special_case_at_intake_shows_escalation_steps(gql: Client):
    handler = await f.staff(Role.HANDLER)
    data = await gql.data(SUGGEST, {"t": "他们一群人堵在门口拉横幅，还把电脑砸了"}, as_=handler)
    scenarios = {s["code"]: s for s in data["suggestScenarios"]["scenarios"]}
    assert set(scenarios) >= {"CROWD_AT_DOOR", "PROPERTY_DAMAGE"}
    crowd = scenarios["CROWD_AT_DOOR"]
    assert crowd["special"] and any("110" in step for step in crowd["escalation"])
    assert any("重大投诉" in step for step in crowd["escalation"])


async def test_s2_negation_at_intake_is_shown_not_counted(gql: Client):
    handler = await f.staff(Role.HANDLER)
    data = await gql.data(SUGGEST, {"t": "我不是没订，是订了之后退不掉"}, as_=handler)
    found = data["suggestScenarios"]
    assert found["negated"] == ["不是没订"]
    assert "DISPUTES_FACTS" not in [s["code"] for s in found["scenarios"]]
    assert found["categories"][0]["category"] == "VALUE_ADDED_SERVICE"


async def test_s2_full_width_and_traditional_text_at_intake(gql: Client):
    handler = await f.staff(Role.HANDLER)
    data = await gql.data(SUGGEST, {"t": "記者已經在路上了，我要打１２３１５"}, as_=handler)
    codes = [s["code"] for s in data["suggestScenarios"]["scenarios"]]
    assert codes[0] == "JOURNALIST" and "ESCALATING_DEMANDS" in codes


async def test_s2_a_too_long_text_is_a_typed_error_and_nothing_runs(gql: Client):
    handler = await f.staff(Role.HANDLER)
    body = await gql.post(SUGGEST, {"t": "气" * 4001}, as_=handler)
    assert body["data"] is None
    assert len(body["errors"]) == 1
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_s2_without_a_login_nothing_is_suggested(gql: Client):
    body = await gql.post(SUGGEST, {"t": "没有订购"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_s3_check_wording_returns_spans_and_better_phrasings(gql: Client):
    handler = await f.staff(Role.HANDLER)
    text = "您搞错了，这个我们办不了，过几天再说吧，不满意你去投诉好了"
    data = await gql.data(CHECK, {"t": text}, as_=handler)
    findings = data["checkWording"]
    assert [x["rule"] for x in findings] == ["YOU_BLAME", "CANNOT_DO", "VAGUE_PROMISE", "PROVOKING"]
    for x in findings:
        assert text[x["start"] : x["end"]] == x["text"] and x["better"] and x["advice"]
    assert findings[0]["better"] == "我觉得我们的沟通存在误解"


async def test_s3_a_well_worded_reply_has_no_findings(gql: Client):
    handler = await f.staff(Role.HANDLER)
    data = await gql.data(
        CHECK, {"t": "对不起，或许是我未解释清楚。我们将在24小时内给您答复。"}, as_=handler
    )
    assert data["checkWording"] == []


async def test_s1_the_library_lists_every_scenario(gql: Client):
    handler = await f.staff(Role.HANDLER)
    data = await gql.data("{ assistScenarios { code special version } }", as_=handler)
    rows = data["assistScenarios"]
    assert len(rows) == 25 and rows[0] == {"code": "RATIONAL", "special": False, "version": 1}
    assert sum(r["special"] for r in rows) == 6


async def test_s3_a_plan_with_a_vague_promise_is_saved_and_warned_in_the_payload(gql: Client):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    cid = {"id": str(complaint.id)}
    for step in ("acknowledgeComplaint", "startInvestigation"):
        await gql.data(
            f"mutation($id: ID!) {{ {step}(id: $id) {{ __typename }} }}", cid, as_=handler
        )
    data = await gql.data(
        """mutation($id: ID!) { proposePlan(id: $id, plan: "我们会尽快为您退费") {
          __typename ... on ComplaintResult { complaint { status
            replyWording { field rule text start end better } } } } }""",
        cid,
        as_=handler,
    )
    complaint_seen = data["proposePlan"]["complaint"]
    assert complaint_seen["status"] == "PLAN_PROPOSED"  # never a block
    assert complaint_seen["replyWording"] == [
        {
            "field": "plan",
            "rule": "VAGUE_PROMISE",
            "text": "尽快",
            "start": 3,
            "end": 5,
            "better": "我们将在24小时内给您答复",
        }
    ]


async def test_s2_the_demo_complaint_of_the_readme_shows_its_suggestions(gql: Client):
    from services import demo
    from services.complaints.models import Complaint
    from services.staff.models import Staff

    assert await demo.load_once()
    handler = await Staff.get(username="handler")
    row = await Complaint.get(summary=demo.ASSIST_EXAMPLES[0][1])
    data = await gql.data(
        """query($id: ID!) { complaint(id: $id) { summary assist {
          scenarios { code score matched examples } categories { category score }
          rules { id } negated intensity } } }""",
        {"id": global_id("Complaint", row.id)},
        as_=handler,
    )
    assist = data["complaint"]["assist"]
    assert [s["code"] for s in assist["scenarios"]] == [
        "DISPUTES_FACTS",
        "DEMANDS_MANAGER",
        "AGITATED",
    ]
    assert [r["id"] for r in assist["rules"]] == ["R-7(a)"]


SAVE_SCENARIO = """mutation($code: String!, $in: AssistScenarioInput!, $why: String!) {
  saveAssistScenario(code: $code, input: $in, reason: $why) { __typename
    ... on AssistScenarioSaved { scenario { code version examples } wording { rule text field } }
    ... on Error { code message }
    ... on InputError { problems { field message } } } }"""
SAVE_KEYWORDS = """mutation($t: String!, $why: String!) {
  saveKeywordLibrary(text: $t, reason: $why) {
  __typename ... on KeywordLibrarySaved { version keywords }
  ... on Error { code message } ... on InputError { problems { field message } } } }"""


def scenario_input(**changes: object) -> dict[str, object]:
    return {
        "title": "场景十八：反复大量投诉、抓字眼",
        "situation": "事无大小，遇到麻烦就投诉。",
        "measure": "公事公办就好。",
        "examples": ["刘小姐，我已经将您的事情记下来了，我们会尽快回复！"],
        "escalation": [],
        **changes,
    }


async def test_s1_an_admin_saves_a_scenario_and_sees_the_wording_warning(gql: Client):
    admin = await f.staff(Role.ADMIN)
    variables = {"code": "SERIAL_COMPLAINER", "in": scenario_input(), "why": "改口径"}
    data = await gql.data(SAVE_SCENARIO, variables, as_=admin)
    saved = data["saveAssistScenario"]
    assert saved["__typename"] == "AssistScenarioSaved"
    assert saved["scenario"]["version"] == 2
    assert saved["wording"] == [{"rule": "VAGUE_PROMISE", "text": "尽快", "field": "examples"}]


async def test_s1_a_scenario_without_examples_is_an_input_error(gql: Client):
    admin = await f.staff(Role.ADMIN)
    variables = {"code": "SERIAL_COMPLAINER", "in": scenario_input(examples=[]), "why": "x"}
    data = await gql.data(SAVE_SCENARIO, variables, as_=admin)
    refused = data["saveAssistScenario"]
    assert refused["__typename"] == "InputError" and refused["code"] == "INVALID_INPUT"
    assert [p["field"] for p in refused["problems"]] == ["examples"]


async def test_s1_a_handler_may_not_edit_the_scripts(gql: Client):
    handler = await f.staff(Role.HANDLER)
    variables = {"code": "SERIAL_COMPLAINER", "in": scenario_input(), "why": "x"}
    data = await gql.data(SAVE_SCENARIO, variables, as_=handler)
    assert data["saveAssistScenario"]["__typename"] == "PermissionDeniedError"
    assert data["saveAssistScenario"]["code"] == "PERMISSION_DENIED"


async def test_s2_an_admin_saves_the_keyword_library_and_every_bad_line_is_named(gql: Client):
    admin = await f.staff(Role.ADMIN)
    bad = "老客户 | EMOTIONAL:4 | |\n没订 | NOPE:2 | |\n砸了 | PROPERTY_DAMAGE:12 | |"
    data = await gql.data(SAVE_KEYWORDS, {"t": bad, "why": "试"}, as_=admin)
    refused = data["saveKeywordLibrary"]
    assert refused["__typename"] == "InputError"
    assert [p["message"][:3] for p in refused["problems"]] == ["第2行", "第3行"]

    text = (await library.current()).keywords_text + "\n携转 | HARDLINE:5 | |"
    data = await gql.data(SAVE_KEYWORDS, {"t": text, "why": "新说法"}, as_=admin)
    assert data["saveKeywordLibrary"] == {
        "__typename": "KeywordLibrarySaved",
        "version": 2,
        "keywords": 351,  # 350 shipped and the new one
    }
