"""Decision reasons and notes in Chinese by default, in English by Accept-Language, from the
reasons.po catalog the console loads too; every wording the rules give is catalogued, and every
catalog key is in both languages (issue 17)."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

from admin_ui import i18n
from graphql_schema import wording
from graphql_schema.ids import global_id
from services import clock
from services.complaints import lifecycle
from services.complaints import policy as complaint_policy
from services.complaints.models import Channel, ContactPreference
from services.customers.models import Tier
from services.errors import InvalidInput
from services.refunds import compensation, policy
from services.refunds.kinds import CustomerTier
from services.refunds.policy import (
    ChargeCategory,
    Flow,
    Liability,
    RefundFact,
    RefundMethod,
    RiskThresholds,
)
from services.staff.models import Role
from tests import factories as f

# what may stay in Latin letters in a Chinese reason: codes and names the API itself uses
LATIN_KEPT = {"VIP", "GPRS", "createRefund", "outageCause", "COMPANY", "PARTNER"}


def english_in(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in LATIN_KEPT]


def assert_catalogued(reasons: set[str], names: frozenset[str] = frozenset()) -> None:
    """Each reason renders completely, with no English left in its Chinese (but `names`)."""
    missing = {r: wording.render(r).text for r in reasons if not wording.render(r).complete}
    assert missing == {}
    leftover = {
        r: [w for w in english_in(wording.render(r).text) if w not in names] for r in reasons
    }
    assert {r: words for r, words in leftover.items() if words} == {}


def test_every_reason_wording_has_both_languages_with_the_same_values():
    zh, en = wording.CATALOGS["zh-CN"], wording.CATALOGS["en"]
    assert set(zh) == set(en) and len(zh) > 100
    for key in en:
        names = re.findall(r"\{(\w+)\}", en[key])
        assert sorted(names) == sorted(re.findall(r"\{(\w+)\}", zh[key])), key
        assert english_in(re.sub(r"\{\w+\}", "", zh[key])) == [], key
    # the console's catalogs hold them too (one set of gettext catalogs, Babel)
    assert set(en) <= i18n.message_ids("zh-CN") and set(en) <= i18n.message_ids("en")


def test_r2_to_r13_and_k4_every_refund_reason_the_rules_give_reads_in_chinese():
    reasons: set[str] = set()
    for category in ChargeCategory:
        reasons.update(policy.business_type_for(category).reasons)
        for names in (True, False):
            reasons.update(
                policy.quick_refund_allowed(charge_category=category, names_a_service=names).reasons
            )
        for liability, method in itertools.product(Liability, RefundMethod):
            for charged, should in ((3000, 1234), (1000, 1000), (50000, 100)):
                try:
                    amount = policy.refund_amount(
                        liability=liability,
                        charge_category=category,
                        charged_fen=charged,
                        should_have_charged_fen=should,
                        requested_method=method,
                        cash_exception_reason="客户坚持要现金",
                    )
                except InvalidInput:  # a double refund is never cash
                    continue
                reasons.update(amount.reasons)
    for kind in ("self_operated", "partner", "service_error"):  # the handler's own class
        reasons.add(f"R-2: the handler classed it as a {kind.replace('_', ' ')} refund.")
    for liability, amount_fen, unknown, first in itertools.product(
        Liability, (1000, 15000, 40000, 80000, 200000), (True, False), (True, False)
    ):
        band = policy.approval_band(
            amount_fen=amount_fen, liability=liability, cause_unknown_on_spot=unknown,
            first_refund=first,
        )  # fmt: skip
        reasons.update(band.reasons)
    for bits in itertools.product((True, False), repeat=6):
        flow = policy.refund_flow(
            is_monternet_or_own_vas=bits[0],
            settled_on_spot=bits[1],
            cause_unexplained_and_disputed=bits[2],
            tenure_days=400 if bits[3] else 30,
            good_credit=True,
            first_fee_dispute_this_year=bits[4],
            refunds_last_3_months=0,
            is_special_customer=bits[5],
        )
        reasons.update(flow.reasons)
    whats: set[str] = set()
    for flow_, vip, method in itertools.product(Flow, (True, False), RefundMethod):
        rule = policy.refund_deadlines(flow=flow_, vip=vip, method=method)
        reasons.update(rule.reasons)
        whats.update(d.what for d in rule.deadlines)
    for special, liability in itertools.product((True, False), Liability):
        reasons.update(
            policy.goodwill_allowed(special=special, verified_liability=liability).reasons
        )
    assert len(reasons) > 100
    assert_catalogued(reasons | whats)
    assert (
        wording.render(
            "R-5: charged 30.00 yuan, should have been charged 12.34 yuan; overcharge 17.66 yuan, "
            "refund twice that: 35.32 yuan, never more."
        ).text
        == "R-5：实收 30.00 元，应收 12.34 元；多收 17.66 元，双倍返还 35.32 元，不多退。"
    )


def test_k1_k2_every_risk_reason_reads_in_chinese():
    today = date(2026, 3, 20)

    def fact(day: date, fen: int, liable: bool = False, roaming: bool = False) -> RefundFact:
        return RefundFact(
            executed_on=day,
            amount_fen=fen,
            liability=Liability.COMPANY_LIABLE if liable else Liability.NOT_LIABLE,
            border_roaming=roaming,
        )

    histories = [
        [],
        [fact(date(2026, 3, d), 500) for d in (1, 2, 3)],  # count in month
        [fact(date(2026, 3, 1), 12000)],  # month sum
        [fact(date(2026, 1, 5), 6000), fact(date(2026, 3, 2), 5000)],  # three-month sum
        [fact(date(2025, 6, d), 500) for d in (1, 2, 3)],  # special once, left since
        [fact(date(2026, 3, 1), 500, liable=True), fact(date(2026, 3, 2), 500, roaming=True)],
    ]
    reasons: set[str] = set()
    for history, cancelled in itertools.product(histories, (False, True)):
        decision = policy.special_customer(
            refunds=history, today=today, cancelled=cancelled, thresholds=RiskThresholds()
        )
        reasons.update(decision.reasons)
    assert any(r.startswith("K-1: special customer since") for r in reasons)
    assert any(r.startswith("K-2: left the special-customer list") for r in reasons)
    assert_catalogued(reasons)


def test_r10_every_compensation_reason_and_refusal_reads_in_chinese():
    facts = compensation.ComplaintFacts(
        escalated=True, company_liable=True, voice=True, unresolved=True, lodged_on=date(2026, 1, 1)
    )
    not_so = compensation.ComplaintFacts(
        escalated=False, company_liable=False, voice=False, unresolved=False,
        lodged_on=date(2026, 1, 1),
    )  # fmt: skip
    reasons: set[str] = set()
    refusals: set[str] = set()

    def collect(call):  # type: ignore[no-untyped-def]
        try:
            reasons.update(call())
        except InvalidInput as refused:
            refusals.add(refused.message)

    for tier, given in itertools.product(CustomerTier, (0, 5000)):
        for value in (3000, 30000):
            collect(
                lambda t=tier, g=given, v=value: (
                    policy.check_gift(tier=t, value_fen=v, already_given_fen=g).reasons
                )
            )
    collect(
        lambda: compensation.check_visit_gift(visited_on=date(2026, 3, 1), today=date(2026, 3, 2))
    )
    for f_ in (facts, not_so):
        collect(
            lambda x=f_: compensation.check_settled_on_site_gift(
                facts=x, exposed_problem="话单重复"
            )
        )
        for bus in (True, False):
            collect(
                lambda x=f_, b=bus: compensation.check_travel_fare(facts=x, transport_is_city_bus=b)
            )
        for caused, today in itertools.product((True, False), (date(2026, 2, 1), date(2026, 5, 1))):
            collect(
                lambda x=f_, c=caused, t=today: compensation.check_missed_call_waiver(
                    facts=x, caused_by_company=c, today=t, three_months_on=date(2026, 4, 1)
                )
            )
    for caused in (True, False):
        collect(lambda c=caused: compensation.check_function_fee_waiver(caused=c))
    beyond = {r for r in refusals if r.startswith("R-10") and "must" not in r}
    wrapped = {f"Beyond the rules: {r}" for r in beyond} | {
        "Special decision documented, waiting for a band 3 approver: 客户要求赔偿"
    }
    assert len(reasons) >= 8 and len(beyond) >= 5
    assert_catalogued(reasons | beyond | wrapped)


def test_c3_c7_c8_every_system_note_reads_in_chinese():
    notes = {start.note for row in lifecycle.ROWS for start in row.starts}
    for tier, sensitive, channel in itertools.product(Tier, (True, False), Channel):
        notes.update(
            why
            for _, why in complaint_policy.intake_urgency(
                tier=tier, sensitive=sensitive, channel=channel
            )
        )
    for customers, vips in ((12, 0), (6, 5)):
        why = complaint_policy.batch_crossed(
            complaint_policy.BatchCount(customers=customers, vip_customers=vips),
            customers_over=10,
            vip_at_least=5,
        )
        notes.add(f"batch: {why} within 60 minutes")
    row = lifecycle.ACTIONS["record_unsatisfied_revisit"]
    notes |= {row.says, f"{row.says}: 客户仍不满意"}
    notes |= {
        "repeat of complaint 12, archived 2026-01-05",
        "acknowledge: tell the customer the investigation started (C-7)",
        "propose an initial plan (C-7)",
        "propose an initial plan (C-7); extended once: 需要网络部门现场测试",
        "the department's investigator (wang) feeds back (C-8)",
        "NET (NET's queue) feeds back to the complaint's owner (C-8)",
    }
    assert_catalogued(notes, names=frozenset({"NET", "wang"}))  # a department code, a user
    # a handler's own words stay as typed
    assert wording.render("客户下周一前答复").text == "客户下周一前答复"


# over the API: each field, Chinese by default and English on request -----------------------


async def test_r2_refund_reasons_in_chinese_by_default_and_english_on_request(gql):
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)
    query = "query($id: ID!) { refund(id: $id) { reasons } }"
    zh, en = await gql.both(query, {"id": global_id("Refund", refund.id)}, handler)
    assert en["refund"]["reasons"] == refund.reasons
    assert zh["refund"]["reasons"][0] == (
        "R-2：重复话单属于自营业务退费：公司自有语音、数据或短彩信业务的计费。"
    )
    assert en["refund"]["reasons"][0] == (
        "R-2: duplicate record is a self operated refund: the company's own voice, data or "
        "messaging billing."
    )
    assert len(zh["refund"]["reasons"]) == len(refund.reasons)
    assert [english_in(r) for r in zh["refund"]["reasons"] if english_in(r)] == []


async def test_r12_policy_preview_reasons_and_deadlines_in_chinese_by_default(gql):
    handler = await f.staff(Role.HANDLER)
    query = """query($input: RefundPolicyPreviewInput!) { refundPolicyPreview(input: $input) {
      ... on RefundPolicyDecision { reasons deadlines { what } } } }"""
    given = {
        "liability": "NOT_LIABLE",
        "chargeCategory": "GOODWILL",
        "chargedFen": 45000,
        "shouldHaveChargedFen": 0,
        "businessType": "SELF_OPERATED",
    }
    zh, en = await gql.both(query, {"input": given}, handler)
    chinese, english = zh["refundPolicyPreview"], en["refundPolicyPreview"]
    assert (
        "R-12: a not-liable (goodwill) refund of 450.00 yuan is band 3 (over 300.00 yuan up to "
        "500.00 yuan inclusive)."
    ) in english["reasons"]
    assert (
        "R-12：公司无责（补偿性）退费 450.00 元，属于第 3 档（超过 300.00 元，不超过 500.00 元）。"
        in (chinese["reasons"])
    )
    assert [english_in(r) for r in chinese["reasons"] if english_in(r)] == []
    assert len(chinese["reasons"]) == len(english["reasons"])
    assert [d["what"] for d in english["deadlines"]] == ["verify", "execute the refund"]
    assert [d["what"] for d in chinese["deadlines"]] == ["核查", "执行退费"]


async def test_r10_compensation_reasons_in_chinese_by_default_and_english_on_request(gql):
    from services.refunds.compensation_service import CompensationInput, record_compensation
    from services.refunds.models import CompensationKind, GiftGround

    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    visited = (clock.now() - timedelta(days=1)).date()
    await record_compensation(
        actor=handler,
        complaint_id=complaint.id,
        given=CompensationInput(
            kind=CompensationKind.GIFT,
            value_fen=5000,
            description="鲜花",
            gift_ground=GiftGround.VISIT,
            visited_on=visited,
        ),
    )
    query = "query($id: ID!) { compensations(complaintId: $id) { reasons } }"
    zh, en = await gql.both(query, {"id": global_id("Complaint", complaint.id)}, handler)
    assert en["compensations"][0]["reasons"] == [
        "R-10: a gift of 50.00 yuan keeps this complaint's gifts within the 100.00 yuan allowed "
        "for a ordinary customer; it never replaces a due refund and is recorded on the "
        "complaint.",
        f"R-10: the handler visited the customer on {visited.isoformat()}.",
    ]
    assert zh["compensations"][0]["reasons"] == [
        "R-10：礼品 50.00 元，该投诉的礼品合计在普通客户的礼品价值标准 100.00 元以内；"
        "赠送礼品不影响客户正常退费，并记录在投诉上。",
        f"R-10：处理人员于 {visited.isoformat()} 登门拜访客户。",
    ]


async def test_k1_risk_profile_reasons_in_chinese_by_default_and_english_on_request(gql):
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer()
    await f.complaint(handler, customer)
    query = "query($id: ID!) { customer(id: $id) { riskProfile { reasons } } }"
    zh, en = await gql.both(query, {"id": global_id("Customer", customer.id)}, handler)
    (english,) = en["customer"]["riskProfile"]["reasons"]
    (chinese,) = zh["customer"]["riskProfile"]["reasons"]
    assert english.startswith("K-1: not a special customer: 0 counted refund(s) totalling 0.00")
    assert chinese.startswith("K-1：非特殊客户：")
    assert "计入退费 0 笔，合计 0.00 元" in chinese and english_in(chinese) == []


async def test_c3_urgency_note_in_chinese_by_default_and_english_on_request(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler, await f.customer(tier=Tier.GOLD_AND_ABOVE))
    query = "query($id: ID!) { complaint(id: $id) { urgency { reason note } } }"
    zh, en = await gql.both(query, {"id": global_id("Complaint", complaint.id)}, handler)
    assert en["complaint"]["urgency"] == [
        {"reason": "IMPORTANT_CUSTOMER", "note": "customer tier is gold_and_above"}
    ]
    assert zh["complaint"]["urgency"] == [
        {"reason": "IMPORTANT_CUSTOMER", "note": "客户级别为金卡及以上"}
    ]


async def test_c7_deadline_notes_in_chinese_by_default_and_english_on_request(gql):
    from services.complaints import service as complaints
    from services.complaints import timekeeping

    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await complaints.acknowledge(actor=handler, complaint_id=complaint.id)
    await timekeeping.extend_plan_deadline(
        actor=handler,
        complaint_id=complaint.id,
        reason="需要网络部门现场测试",
        customer_told_via=ContactPreference.SMS,
    )
    await timekeeping.record_promise(
        actor=handler,
        complaint_id=complaint.id,
        promise="明天下午回电",
        due_at=clock.now() + timedelta(days=1),
    )
    query = "query($id: ID!) { complaint(id: $id) { deadlines { kind note } } }"
    zh, en = await gql.both(query, {"id": global_id("Complaint", complaint.id)}, handler)
    english = {d["kind"]: d["note"] for d in en["complaint"]["deadlines"]}
    chinese = {d["kind"]: d["note"] for d in zh["complaint"]["deadlines"]}
    assert english["ACKNOWLEDGE"] == (
        "acknowledge: tell the customer the investigation started (C-7)"
    )
    assert chinese["ACKNOWLEDGE"] == "告知受理：告诉客户已开始调查（C-7）"
    assert english["INITIAL_PLAN"] == (
        "propose an initial plan (C-7); extended once: 需要网络部门现场测试"
    )
    assert chinese["INITIAL_PLAN"] == "提出初步处理方案（C-7）；已延期一次：需要网络部门现场测试"
    assert english["PROMISE"] == chinese["PROMISE"] == "明天下午回电"  # the handler's words


def test_r10_r11_a_refusal_worded_by_the_rules_reads_in_chinese_too():
    from graphql_schema import messages

    refusal = "R-10: city bus fares are excepted; name the coach, taxi or metro fare."
    assert messages.translate(refusal, "INVALID_INPUT", "zh-CN") == (
        "R-10：公交车费除外；请填写长途汽车、出租车或地铁车费。"
    )
    assert messages.translate(refusal, "INVALID_INPUT", "en") == refusal
