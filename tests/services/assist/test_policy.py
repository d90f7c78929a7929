"""S-2 matching and S-3 wording as pure functions: what a handler would be shown."""

from __future__ import annotations

import pytest

from services.assist import policy
from services.assist.keywords_seed import KEYWORDS
from services.assist.scenarios_seed import SCENARIOS
from services.assist.text import fold
from services.notices.templates import SPECS

KEYWORDS_PARSED, PROBLEMS = policy.parse_keywords(KEYWORDS)
MATCHER = policy.Matcher(KEYWORDS_PARSED)


def codes(text: str) -> list[str]:
    return [s.key for s in policy.suggest(MATCHER, text).scenarios]


def test_s2_the_shipped_library_parses_and_names_only_known_codes():
    assert PROBLEMS == []
    assert len(KEYWORDS_PARSED) > 300
    every = {code for k in KEYWORDS_PARSED for code, _ in k.scenarios}
    assert every == set(policy.SCENARIO_CODES)  # each scenario has keywords


def test_s1_the_library_has_every_scenario_of_seed_000():
    assert [s["code"] for s in SCENARIOS] == list(policy.SCENARIO_CODES)
    assert sum(not s["special"] for s in SCENARIOS) == 19  # 18 scenarios and the card guidance
    special = [s for s in SCENARIOS if s["special"]]
    assert len(special) == 6 and all(s["escalation"] for s in special)
    damage = next(s for s in SCENARIOS if s["code"] == "PROPERTY_DAMAGE")
    assert any("110" in step for step in damage["escalation"])


def test_s2_disputed_subscription_points_at_r7a_with_the_words_shown():
    found = policy.suggest(MATCHER, "这个彩铃我从来没有订购过，为什么扣我钱")
    assert found.scenarios[0].key == "DISPUTES_FACTS"
    assert "没有订购" in found.scenarios[0].matched
    assert found.categories[0].key == "value_added_service"
    assert "R-7(a)" in found.rules


def test_s2_traditional_characters_match_like_simplified():
    simplified = policy.suggest(MATCHER, "我没有订购这个业务，叫你们经理出来")
    traditional = policy.suggest(MATCHER, "我沒有訂購這個業務，叫你們經理出來")
    assert [s.key for s in traditional.scenarios] == [s.key for s in simplified.scenarios]
    assert traditional.rules == simplified.rules == ["R-7(a)"]
    assert "沒有訂購" in traditional.scenarios[0].matched + traditional.scenarios[1].matched


def test_s2_full_width_text_and_punctuation_are_folded():
    assert fold("ＳＰ業務，１２３１５！") == "sp业务|12315|"
    found = policy.suggest(MATCHER, "这点补偿不够，我要找消协，打１２３１５")
    assert found.scenarios[0].key == "ESCALATING_DEMANDS"
    assert "１２３１５" in found.scenarios[0].matched


def test_s2_a_negated_keyword_counts_for_nothing():
    """ "不是没订": the customer says they did subscribe, so no disputed subscription."""
    found = policy.suggest(MATCHER, "我不是没订，是订了之后退不掉")
    assert "DISPUTES_FACTS" not in [s.key for s in found.scenarios]
    assert "不是没订" in found.negated
    assert found.categories[0].key == "value_added_service"
    assert codes("我不是骗子") == []
    assert codes("我真的没订") == ["DISPUTES_FACTS"]


def test_s2_intensity_raises_agitated():
    calm = policy.suggest(MATCHER, "你们太过分了")
    heated = policy.suggest(MATCHER, "你们太过分了！！！气死我了！！！")
    assert calm.intensity == 1 and heated.intensity == 3
    assert heated.scenarios[0].key == "AGITATED"
    assert heated.scenarios[0].score > calm.scenarios[0].score
    assert "语气强度3" in heated.scenarios[0].matched


def test_s2_a_keyword_inside_a_longer_one_does_not_count_twice():
    found = policy.suggest(MATCHER, "家里手机没有信号")
    assert found.categories[0].matched == ["没有信号"]


def test_s2_small_talk_suggests_nothing():
    for text in ("你好", "今天天气不错", "麻烦帮我查下余额", ""):
        found = policy.suggest(MATCHER, text)
        assert found.scenarios == [] and found.categories == [] and found.rules == []


def test_s2_special_cases_are_recognised():
    assert codes("我们几个邻居一起来的")[0] == "GROUP"
    assert codes("記者已經在路上了")[0] == "JOURNALIST"
    assert codes("他把电脑砸了")[0] == "PROPERTY_DAMAGE"
    assert codes("我录着呢")[0] == "RECORDING"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("没订 | NOPE:3 | |", "没有场景“NOPE”"),
        ("没订 | RATIONAL:10 | |", "权重须在1到9之间"),
        ("没订 | | nope:2 |", "没有类别“nope”"),
        ("没订 | RATIONAL:2 | | R-99", "没有规则“R-99”"),
        ("没订", "应为"),
        ("没订 | | |", "没有指向任何场景或类别"),
    ],
)
def test_s2_a_bad_keyword_line_is_named(line: str, message: str):
    _, problems = policy.parse_keywords("老客户 | EMOTIONAL:4 | |\n" + line)
    assert len(problems) == 1 and problems[0].line == 2
    assert message in problems[0].message


def test_s2_a_duplicate_keyword_is_refused_even_in_traditional():
    _, problems = policy.parse_keywords("没订 | RATIONAL:2 | |\n沒訂 | RATIONAL:3 | |")
    assert [p.line for p in problems] == [2]


def rules_of(text: str) -> list[str]:
    return [f.rule for f in policy.check_wording(text)]


def test_s3_you_blame_with_span_and_the_seeds_better_phrasing():
    text = "不好意思，您搞错了，这个套餐一直是这个价"
    (finding,) = policy.check_wording(text)
    assert finding.rule == "YOU_BLAME"
    assert text[finding.start : finding.end] == "您搞错了" == finding.text
    assert finding.better == "我觉得我们的沟通存在误解"


def test_s3_each_rule():
    assert rules_of("这个我们办不了") == ["CANNOT_DO"]
    assert rules_of("我们会尽快处理") == ["VAGUE_PROMISE"]
    assert rules_of("随便你告") == ["PROVOKING"]
    assert rules_of("没办法，你去投诉吧") == ["CANNOT_DO", "PROVOKING"]


def test_s3_a_quantified_promise_passes():
    assert rules_of("我们会尽快处理，在48小时内给您回复") == []
    assert rules_of("我们将在２４小时内给您答复") == []
    assert rules_of("过两天给您回复") == ["VAGUE_PROMISE"]  # the vague phrase is no quantity


def test_s3_traditional_characters_are_checked_too():
    assert rules_of("我們會儘快處理") == ["VAGUE_PROMISE"]
    assert rules_of("您搞錯了") == ["YOU_BLAME"]


def test_s3_the_shipped_sms_texts_and_scripts_pass():
    for spec in SPECS.values():
        assert policy.check_wording(spec.default) == []
    for scenario in SCENARIOS:
        for example in scenario["examples"]:
            assert policy.check_wording(example) == [], example


def test_s2_folding_keeps_one_character_for_one_so_spans_stay_true():
    for text in ("İstanbul", "𠮷野家①ﬁ", "ＳＰ業務，ｉ", "😀氣死我了！！", "\u0301a", ""):
        assert len(fold(text)) == len(text)
    text = "İ您搞錯了"
    (finding,) = policy.check_wording(text)
    assert text[finding.start : finding.end] == "您搞錯了"
