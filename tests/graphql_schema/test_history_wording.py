"""History reasons in Chinese by default, in English by Accept-Language (issue 17): every text
the system writes into a complaint's or a refund's history, and why a supervision (C-10) started
or ended, is an entry of history.po (or of reasons.po, for the rules' reasons it quotes); the
stored English is rendered at read time by graphql_schema.wording; a person's own words stay."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from admin_ui import i18n
from graphql_schema import wording
from graphql_schema.ids import global_id
from services.complaints import lifecycle, supervision, timekeeping
from services.complaints import service as complaints
from services.complaints.models import (
    Category,
    Channel,
    ContactPreference,
    DeadlineKind,
    WarningColour,
)
from services.refunds.deadline_models import RefundDeadlineKind
from services.staff.models import Role
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
# what may stay in Latin letters in a Chinese history text: codes and names the API itself uses
LATIN_KEPT = {"VIP", "APP", "GPRS", "createRefund", "outageCause", "COMPANY", "PARTNER"}
HISTORY = {k for k in wording.CATALOGS["en"] if k.startswith(("history.", "value."))}


def english_in(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in LATIN_KEPT and w not in names]


def chinese(text: str, names: frozenset[str] = frozenset()) -> str:
    """`text` rendered in Chinese; fails unless every part of it is catalogued."""
    rendered = wording.render(text)
    assert rendered.complete, text
    assert english_in(rendered.text, names) == [], (text, rendered.text)
    return rendered.text


def test_c6_every_history_wording_has_both_languages_with_the_same_values():
    zh, en = wording.CATALOGS["zh-CN"], wording.CATALOGS["en"]
    assert set(zh) == set(en) and len(HISTORY) > 40
    for key in HISTORY:
        names = re.findall(r"\{(\w+)\}", en[key])
        assert sorted(names) == sorted(re.findall(r"\{(\w+)\}", zh[key])), key
        assert english_in(re.sub(r"\{\w+\}", "", zh[key])) == [], key
    # the console's catalogs hold them too (one set of gettext catalogs, Babel)
    for where in ("zh-CN", "en"):
        assert HISTORY - i18n.message_ids(where) == set()


# the writers' wordings, read from their source --------------------------------------------

# calls whose argument at this position (or keyword) is a history text or a reason one quotes
WRITERS = {"_withdraw": 2, "_start": 1, "_end": 1, "_event": 3}
KEYWORDS = {"reason", "end_reason"}
HOLE = "\x00"


def _variants(node: ast.expr) -> list[str] | None:
    """The texts an expression can write, each value a HOLE; None if it is not a literal
    text (a variable: a person's words, or a wording written elsewhere and scanned there)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        text = ""
        for part in node.values:
            text += part.value if isinstance(part, ast.Constant) else HOLE
        return [text]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _variants(node.left), _variants(node.right)
        if left is None or right is None:
            return None
        return [a + b for a, b in itertools.product(left, right)]
    if isinstance(node, ast.IfExp):
        body, orelse = _variants(node.body), _variants(node.orelse)
        return [*(body or []), *(orelse or [])] or None
    if isinstance(node, ast.BoolOp):  # `note or f"..."`: the literal part
        found = [v for value in node.values for v in (_variants(value) or [])]
        return found or None
    return None


def written_wordings() -> dict[str, str]:
    """Every literal text services/ writes as a history reason (or as a reason a history text
    quotes), each value a HOLE, with where it is written."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "services").rglob("*.py")):
        # notices/: a notice's delivery error (Notice.lastError) is the gateway's words, no history
        if "migrations" in path.parts or "notices" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values += [k.value for k in node.keywords if k.arg in KEYWORDS]
                name = node.func.attr if isinstance(node.func, ast.Attribute) else None
                name = node.func.id if isinstance(node.func, ast.Name) else name
                at = WRITERS.get(name or "")
                if at is not None and len(node.args) > at:
                    values.append(node.args[at])
            elif isinstance(node, ast.Assign):  # `why = (...)`, `X_REASON = "..."`
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if any(n in ("why", "owner_text") or n.endswith("_REASON") for n in names):
                    values.append(node.value)
            for value in values:
                for text in _variants(value) or []:
                    where = f"{path.relative_to(ROOT)}:{value.lineno}"
                    found.setdefault(text, where)
    return found


def _skeleton(english: str) -> str:
    return re.sub(r"\{\w+\}", HOLE, english)


def test_c6_every_system_written_history_reason_has_a_catalog_entry():
    """A new history wording in services/ with no entry (en and zh_CN) fails here."""
    catalogued = {_skeleton(text) for text in wording.CATALOGS["en"].values()}
    written = written_wordings()
    assert len(written) > 25
    missing = {
        where: text.replace(HOLE, "{…}")
        for text, where in written.items()
        if text.strip()
        and not re.search(r"[\u4e00-\u9fff]", text)  # written in Chinese already
        and text not in catalogued
    }
    assert missing == {}


# every wording with each value it can take ------------------------------------------------

AT = "2026-11-27T01:00:00+00:00"
AT2 = "2026-11-30T09:30:00.123456+00:00"


def test_c5_c7_c8_every_complaint_history_reason_reads_in_chinese():
    texts = {f"received via {channel.value}" for channel in Channel}
    texts |= {"C-5", "a deadline was missed (C-7)"}
    for colour in WarningColour:
        texts |= {
            f"warning colour {colour.value} (C-5)",
            f"warning colour {colour.value} (C-5): the department has no designated head",
        }
    for kind in DeadlineKind:
        texts |= {f"{kind.value} was due {AT} and not met", f"{kind.value} was due {AT}, met {AT2}"}
    for row in lifecycle.ROWS:  # what a row of the life-cycle table writes
        if row.waives == lifecycle.ALL:
            texts.add(f"{row.name}: nothing is due any more")
        if row.adds_urgency is not None:
            texts.add(f"{row.says} ({row.rule})")
    texts |= {f"C-8: {category.value} goes to NET" for category in Category}
    texts |= {
        "C-8: 2 departments; the complaint manager coordinates",
        "waited 26h05m, 1.25 working days; 3 deadlines moved later by that working time",
        "batch withdrawn: no 60-minute window holding this complaint crosses the threshold any "
        "more (a complaint left the matter, C-4)",
        "repeat withdrawn: no complaint of this customer on this matter was archived within 6 "
        "months before it (matter key corrected, C-4)",
        "网络覆盖不足 (C-11)",
        "2027 confirmed from the command line (gov.cn 2026-11-05) (C-7)",
    }
    texts |= {f"需要网络部门现场测试 (customer told via {via.value})" for via in ContactPreference}
    for text in texts:
        chinese(text, names=frozenset({"NET", "gov"}))
    assert (
        chinese("waited 26h05m, 1.25 working days; 3 deadlines moved later by that working time")
        == "等待客户 26 小时 05 分，折合 1.25 个工作日；3 个时限相应顺延"
    )
    assert chinese(f"initial_plan was due {AT}, met {AT2}") == (
        f"初步方案时限应于 {AT} 完成，实际于 {AT2} 完成（超时）"
    )
    assert chinese("received via hotline") == "经热线渠道受理"


def test_c10_a3_every_supervision_and_rectification_reason_reads_in_chinese():
    whys = {
        "3 complaints of one customer on this matter, each a repeat of the one before "
        "(threshold 3): complaints [4, 9, 12]",
        "A-3 rectification 7: 3 complaints in 2026-11 with root cause network_coverage on one "
        "matter (A-3)",
        "A-3 rectification 8: 4 audit findings R-12 band_exceeded in 2026-10 (A-3)",
        "no customer has 3 repeat complaints on this matter any more (a matter key was "
        "corrected, C-4)",
        "every complaint on the matter is resolved, revisited with the customer satisfied and "
        "archived",
    }
    names = frozenset({"network", "coverage", "band", "exceeded", "Staff"})
    for why in whys:
        chinese(why, names)
        chinese(f"supervised handling ended (C-10): {why}", names)
        for owner in ("owner Staff 3", "no complaint manager or head: no owner"):
            chinese(f"supervised handling (C-10): {why}; {owner}", names)
    for event in (
        "matter put under supervised handling (C-10)",
        "due 2026-12-01: 扩容基站",
        "told wang",
        "no department head to tell",
    ):
        chinese(event, frozenset({"wang"}))
    assert (
        chinese(
            "supervised handling (C-10): A-3 rectification 7: 网络覆盖整改; owner Staff 3", names
        )
        == "转入督办（C-10）：A-3 整改 7：网络覆盖整改；督办负责人：Staff 3"
    )


def test_r10_r13_every_refund_and_compensation_history_reason_reads_in_chinese():
    for limit in RefundDeadlineKind:
        chinese(f"R-13: {limit.value} was due {AT} and not done")
        chinese(f"R-13: {limit.value} was due {AT}, done {AT2}")
    for outcome in ("approved", "rejected"):
        chinese(f"band 3 special decision {outcome}")
    assert chinese("鲜花 (R-10: the handler visited the customer on 2026-11-20.)") == (
        "鲜花（R-10：处理人员于 2026-11-20 登门拜访客户。）"
    )
    chinese(
        "鲜花 (Beyond the rules: R-10: city bus fares are excepted; name the coach, taxi or "
        "metro fare.)"
    )


def test_r5_a_refund_request_reason_joined_with_its_own_separator_splits_right():
    """The refund's `requested` history joins the decision's reasons with "; ", and R-5's
    own wording holds "; ": each reason still reads as itself."""
    r5 = (
        "R-5: charged 30.00 yuan, should have been charged 12.34 yuan; overcharge 17.66 yuan, "
        "refund twice that: 35.32 yuan, never more."
    )
    r6 = "R-6: paid into the account as credit (账户充值), not cash."
    assert chinese(f"{r5}; {r6}") == f"{chinese(r5)}；{chinese(r6)}"


def test_c6_a_persons_own_words_stay_as_typed():
    for typed in ("客户下周一前答复", "customer will call back", "已电话联系客户; 待回复", "C-4"):
        assert wording.localize(typed, "zh-CN") == typed
    # a list longer than the services ever join is a person's text, read as typed (and never
    # cut every which way: the cost of reading a typed text stays bounded)
    pasted = "; ".join(["C-5"] * 40)
    assert wording.localize(pasted, "zh-CN") == pasted
    # a system wording around typed words: only the system's part changes
    assert wording.localize("customer asked for a delay (customer told via sms)", "zh-CN") == (
        "customer asked for a delay（已通过短信告知客户）"
    )


# over the API: Chinese by default, English on request ------------------------------------


async def test_c6_complaint_history_reasons_in_chinese_by_default_and_english_on_request(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    await complaints.acknowledge(actor=handler, complaint_id=complaint.id, note="已电话联系客户")
    await timekeeping.extend_plan_deadline(
        actor=handler,
        complaint_id=complaint.id,
        reason="需要网络部门现场测试",
        customer_told_via=ContactPreference.SMS,
    )
    await timekeeping.pause_clock(actor=handler, complaint_id=complaint.id, reason="等客户补材料")
    await timekeeping.resume_clock(actor=handler, complaint_id=complaint.id)
    query = "query($id: ID!) { complaint(id: $id) { history { action reason } } }"
    zh, en = await gql.both(query, {"id": global_id("Complaint", complaint.id)}, handler)
    english = [(e["action"], e["reason"]) for e in en["complaint"]["history"]]
    chinese_ = [(e["action"], e["reason"]) for e in zh["complaint"]["history"]]
    assert english[0] == ("created", "received via hotline")
    assert chinese_[0] == ("created", "经热线渠道受理")
    assert ("acknowledge", "已电话联系客户") in english and ("acknowledge", "已电话联系客户") in (
        chinese_
    )  # the handler's words, as typed
    assert ("plan_deadline_extended", "需要网络部门现场测试 (customer told via sms)") in english
    assert ("plan_deadline_extended", "需要网络部门现场测试（已通过短信告知客户）") in chinese_
    assert ("clock_paused", "等客户补材料") in english and ("clock_paused", "等客户补材料") in (
        chinese_
    )
    resumed = dict(chinese_)["clock_resumed"]
    assert resumed.startswith("等待客户 0 小时 00 分，折合 0.00 个工作日；"), resumed
    assert dict(english)["clock_resumed"].startswith("waited 0h00m, 0.00 working days; ")
    assert [r for _, r in chinese_ if english_in(r)] == []
    assert len(chinese_) == len(english)


async def test_r2_refund_history_reasons_in_chinese_by_default_and_english_on_request(gql):
    handler = await f.staff(Role.HANDLER)
    refund = await f.refund(handler)
    query = "query($id: ID!) { refund(id: $id) { history { action reason } } }"
    zh, en = await gql.both(query, {"id": global_id("Refund", refund.id)}, handler)
    (requested_en, *_) = en["refund"]["history"]
    (requested_zh, *_) = zh["refund"]["history"]
    assert requested_en["reason"] == "; ".join(refund.reasons)
    assert requested_zh["reason"] == "；".join(wording.localize_all(refund.reasons, "zh-CN"))
    assert requested_zh["reason"].startswith("R-2：重复话单属于自营业务退费")
    assert english_in(requested_zh["reason"]) == []


async def test_c10_supervision_reasons_in_chinese_by_default_and_english_on_request(gql):
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    why = (
        "A-3 rectification 7: 3 complaints in 2026-11 with root cause network_coverage on one "
        "matter (A-3)"
    )
    await supervision.start(matter_key=complaint.matter_key, reason=why, actor=None)
    query = """query($id: ID!) { complaint(id: $id) {
      supervision { reason } history { action reason } } }"""
    zh, en = await gql.both(query, {"id": global_id("Complaint", complaint.id)}, handler)
    assert en["complaint"]["supervision"]["reason"] == why
    assert zh["complaint"]["supervision"]["reason"] == (
        "A-3 整改 7：2026-11 同一事项有 3 件投诉的根本原因为 network_coverage（A-3）"
    )
    started_en = [e["reason"] for e in en["complaint"]["history"] if "(C-10)" in e["reason"]]
    started_zh = [e["reason"] for e in zh["complaint"]["history"] if "（C-10）" in e["reason"]]
    assert started_en and started_en[0].startswith(f"supervised handling (C-10): {why}; ")
    assert started_zh and started_zh[0].startswith(
        "转入督办（C-10）：A-3 整改 7：2026-11 同一事项有 3 件投诉的根本原因为 "
        "network_coverage（A-3）；"
    )


async def test_c10_a_notification_quoting_a_system_reason_reads_in_chinese(gql):
    from services.staff.models import Track

    manager = await f.staff(Role.SUPERVISOR, track=Track.SERVICE_CENTRE, head=True)
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    why = (
        "3 complaints of one customer on this matter, each a repeat of the one before "
        "(threshold 3): complaints [4, 9, 12]"
    )
    await supervision.start(matter_key=complaint.matter_key, reason=why, actor=None)
    query = "{ myNotifications { kind message } }"
    zh, en = await gql.both(query, {}, manager)
    (english,) = [n["message"] for n in en["myNotifications"] if n["kind"] == "supervision"]
    (chinese_,) = [n["message"] for n in zh["myNotifications"] if n["kind"] == "supervision"]
    assert english == f"事项 {complaint.matter_key} 转入督办 (C-10): {why}"  # as written
    assert chinese_ == (
        f"事项 {complaint.matter_key} 转入督办（C-10）：同一客户就该事项投诉 3 次，"
        "每次均为前一次的重复投诉（门槛 3 次）：投诉 [4, 9, 12]"
    )
