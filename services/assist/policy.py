"""S-1 … S-3 as pure functions: the keyword library parsed, matched and scored, and the
wording check. No I/O: the same functions answer the API, the console preview and the tests.

Matching runs an Aho-Corasick automaton (pyahocorasick) over folded text (services.assist.text:
simplified characters, half-width forms, punctuation folded). A keyword inside a longer
matched keyword does not count on its own ("没有信号" is not also "信号"). A keyword right after
a negation in the same clause ("不是没订") is negated: it adds nothing and is shown as negated.
Intensity (repeated "！", "气死") raises the agitated scenario (S-1 八).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ahocorasick

from services.assist.text import BOUNDARY, fold, fold_phrase

# S-2: the scenarios (DOMAIN.md §5) and the complaint categories a keyword may point at
SCENARIO_CODES = (
    "RATIONAL",
    "EMOTIONAL",
    "DOUBTS_INTEGRITY",
    "DISPUTES_FACTS",
    "DISPUTES_CONCLUSION",
    "UNREASONABLE_DEMAND",
    "HARDLINE",
    "AGITATED",
    "PRAGMATIC",
    "VENTING",
    "WANTS_EXPLANATION",
    "ESCALATING_DEMANDS",
    "WRITTEN_APOLOGY",
    "DEMANDS_MANAGER",
    "REOPENS_SETTLED",
    "ARGUES_FAIRNESS",
    "STRESSES_TROUBLE",
    "SERIAL_COMPLAINER",
    "GROUP",
    "STORE_DISRUPTION",
    "RECORDING",
    "CROWD_AT_DOOR",
    "PROPERTY_DAMAGE",
    "JOURNALIST",
    "RECHARGE_CARD",
)
CATEGORIES = (
    "tariff_dispute",
    "billing_error",
    "network_fault",
    "value_added_service",
    "staff_attitude",
    "service_handling",
    "broadband",
    "other",
)

# the rules a keyword may name, as a handler reads them (DOMAIN.md)
RULE_TEXTS = {
    "C-3": "紧急投诉：媒体、越级、重复、批量等情形须标记紧急并优先处理（重大投诉按流程上报）。",
    "C-5": "集体纠纷、媒体风险属重大级别：启动应急预案，上报高层、法务与公关。",
    "C-8": "按类别派单：网络故障转网络部门，资费争议转市场部门，并设反馈时限。",
    "C-9": "重要承诺（补偿、服务承诺）须以短信或邮件书面确认。",
    "C-10": "同一事项投诉3次及以上：内部升级督办。",
    "C-6": "结果告知后客户有异议：重新打开，二次调查。",
    "R-2": "服务差错（营业员、代理商解释或操作错误）属服务差错类退费。",
    "R-4": "计费错误多收费用：双倍退还多收部分（通话、流量、增值业务、优惠未兑现）。",
    "R-5": "双倍退费为多收金额的两倍，不超额赔偿。",
    "R-7(a)": "梦网及自有增值业务扣费争议、前台无法当场解释的：先退费、后查证。",
    "R-7(b)": "原因无法查明且客户争议强烈的：先退费、后查证。",
    "R-10": "超出规定的赔偿要求：只退单倍或双倍费用，特殊决定须审批。",
}

MAX_WEIGHT = 9
MIN_SCORE = 3.0  # a scenario or category below this is not suggested
TOP = 3
NEGATORS = ("不是", "并非", "并不", "没有", "没", "不", "未", "别", "无")
INTENSIFIERS = ("气死", "受不了", "太过分", "忍无可忍", "受够了", "疯了", "岂有此理", "火大")
INTENSITY_BONUS = 2.0  # towards AGITATED, per level

_LINE = re.compile(r"^\s*(?P<phrase>[^|]+?)\s*\|(?P<scen>[^|]*)\|(?P<cat>[^|]*)\|(?P<rule>[^|]*)$")
_WEIGHT = re.compile(r"^(?P<key>[A-Za-z_]+):(?P<w>\d+)$")


@dataclass(frozen=True)
class Keyword:
    phrase: str
    scenarios: tuple[tuple[str, int], ...] = ()
    categories: tuple[tuple[str, int], ...] = ()
    rule: str | None = None

    def line(self) -> str:
        scen = " ".join(f"{k}:{w}" for k, w in self.scenarios)
        cat = " ".join(f"{k}:{w}" for k, w in self.categories)
        return f"{self.phrase} | {scen} | {cat} | {self.rule or ''}".replace("  ", " ")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


def _weights(raw: str, known: Sequence[str], what: str) -> tuple[tuple[tuple[str, int], ...], str]:
    found: list[tuple[str, int]] = []
    for token in raw.split():
        match = _WEIGHT.match(token)
        if not match:
            return (), f"“{token}”不是“代码:权重”的形式"
        key, weight = match["key"], int(match["w"])
        if key not in known:
            return (), f"没有{what}“{key}”"
        if not 1 <= weight <= MAX_WEIGHT:
            return (), f"权重须在1到{MAX_WEIGHT}之间（{token}）"
        found.append((key, weight))
    return tuple(found), ""


def parse_keywords(text: str) -> tuple[list[Keyword], list[Problem]]:
    """The library's text, one keyword a line; every line at fault is named, nothing is
    half-taken (the caller stores nothing when there is a problem)."""
    keywords: list[Keyword] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _LINE.match(raw)
        if not match:
            problems.append(Problem(number, "应为“关键词 | 场景:权重 | 类别:权重 | 规则”"))
            continue
        phrase = match["phrase"].strip()
        folded = fold_phrase(phrase)
        if not folded or BOUNDARY in folded or len(folded) > 40:
            problems.append(Problem(number, f"关键词“{phrase}”须为1到40个字，不含标点"))
            continue
        if folded in seen:
            problems.append(Problem(number, f"“{phrase}”与第{seen[folded]}行重复"))
            continue
        scenarios, error = _weights(match["scen"], SCENARIO_CODES, "场景")
        if not error:
            categories, error = _weights(match["cat"], CATEGORIES, "类别")
        if error:
            problems.append(Problem(number, error))
            continue
        rule = match["rule"].strip() or None
        if rule is not None and rule not in RULE_TEXTS:
            problems.append(Problem(number, f"没有规则“{rule}”"))
            continue
        if not scenarios and not categories:
            problems.append(Problem(number, f"“{phrase}”没有指向任何场景或类别"))
            continue
        seen[folded] = number
        keywords.append(Keyword(folded, scenarios, categories, rule))
    return keywords, problems


# matching -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    start: int
    end: int  # exclusive
    keyword: Keyword
    negated: bool


class Matcher:
    """One automaton over every phrase; built once per library version."""

    def __init__(self, keywords: Iterable[Keyword]):
        self.automaton = ahocorasick.Automaton()
        self.keywords = list(keywords)
        for keyword in self.keywords:
            self.automaton.add_word(keyword.phrase, keyword)
        if self.keywords:
            self.automaton.make_automaton()

    def raw(self, folded: str) -> list[tuple[int, Keyword]]:
        """Every occurrence (end index inclusive, keyword): the plain matcher."""
        if not self.keywords:
            return []
        return list(self.automaton.iter(folded))

    def hits(self, folded: str) -> list[Hit]:
        found = sorted(
            ((end - len(k.phrase) + 1, end + 1, k) for end, k in self.raw(folded)),
            key=lambda t: (t[0], -(t[1] - t[0])),
        )
        kept: list[Hit] = []
        reach = -1
        for start, end, keyword in found:
            if end <= reach:
                continue  # inside a longer keyword already kept
            reach = max(reach, end)
            kept.append(Hit(start, end, keyword, _negated(folded, start)))
        return kept


def _negated(folded: str, start: int) -> bool:
    return _negation_start(folded, start) >= 0


def _negation_start(folded: str, start: int) -> int:
    """Where the negation of the keyword at `start` begins, or -1: a negator right before it,
    or with one of 也/并/都/可 between ("不是没订", "并没订")."""
    clause_start = folded.rfind(BOUNDARY, 0, start) + 1
    before = folded[clause_start:start]
    for gap in ("", "也", "并", "都", "可"):
        if not before.endswith(gap):
            continue
        head = before[: len(before) - len(gap)]
        for negator in NEGATORS:
            if head.endswith(negator):
                return clause_start + len(head) - len(negator)
    return -1


def intensity(text: str, folded: str | None = None) -> int:
    """0-3: how heated the text is (repeated exclamation marks, heated words)."""
    folded_marks = text.replace("！", "!")
    bangs = folded_marks.count("!")
    longest = max((len(run) for run in re.findall(r"!+", folded_marks)), default=0)
    level = 0
    if bangs >= 3 or longest >= 2:
        level += 1
    if bangs >= 6 or longest >= 3:
        level += 1
    simple = fold(text) if folded is None else folded
    level += min(2, sum(1 for word in INTENSIFIERS if word in simple))
    return min(3, level)


@dataclass
class Scored:
    key: str
    score: float
    matched: list[str] = field(default_factory=list)


@dataclass
class Suggestions:
    scenarios: list[Scored]
    categories: list[Scored]
    rules: list[str]
    negated: list[str]
    intensity: int


def suggest(matcher: Matcher, text: str) -> Suggestions:
    """S-2: the scenarios, categories and rules the text points at, best first, each with the
    words that triggered it; nothing when nothing is strong enough."""
    folded = fold(text)
    hits = matcher.hits(folded)
    scen: dict[str, Scored] = {}
    cats: dict[str, Scored] = {}
    rules: list[str] = []
    negated: list[str] = []
    counted: dict[str, int] = {}
    for hit in hits:
        shown = text[hit.start : hit.end]
        if hit.negated:
            span = text[_negation_start(folded, hit.start) : hit.end]
            if span not in negated:
                negated.append(span)
            continue
        times = counted.get(hit.keyword.phrase, 0)
        counted[hit.keyword.phrase] = times + 1
        factor = 1.0 if times == 0 else (0.5 if times <= 2 else 0.0)
        for table, weights in ((scen, hit.keyword.scenarios), (cats, hit.keyword.categories)):
            for key, weight in weights:
                entry = table.setdefault(key, Scored(key, 0.0))
                entry.score += weight * factor
                if shown not in entry.matched:
                    entry.matched.append(shown)
        if hit.keyword.rule and hit.keyword.rule not in rules:
            rules.append(hit.keyword.rule)
    level = intensity(text, folded)
    if level:
        entry = scen.setdefault("AGITATED", Scored("AGITATED", 0.0))
        entry.score += INTENSITY_BONUS * level
        entry.matched.append(f"语气强度{level}")
    return Suggestions(
        scenarios=_top(scen),
        categories=_top(cats),
        rules=rules,
        negated=negated,
        intensity=level,
    )


def _top(scores: dict[str, Scored]) -> list[Scored]:
    ranked = sorted(
        (s for s in scores.values() if s.score >= MIN_SCORE), key=lambda s: (-s.score, s.key)
    )
    return ranked[:TOP]


# S-3: the wording check -----------------------------------------------------------------------

WORDING_RULES = {
    "YOU_BLAME": "多用“我”来代替“您”：有误解时先说自己。",
    "CANNOT_DO": "多说能为客户做什么，而不是不能做什么。",
    "VAGUE_PROMISE": "承诺要量化（“24小时内”），不说“尽快”“过几天”。",
    "PROVOKING": "不用挑逗性的言语（如“向上投诉也一样”）。",
}

_SORRY = "对不起，或许是我未解释清楚，令您误解了"
_CAN = "我能为您做的是……"
_WHEN = "我们将在24小时内给您答复"
_CALM = "您的意见我会如实上报，并在48小时内给您答复"
WORDING_PATTERNS: dict[str, tuple[str, str]] = {
    # phrase: (rule, better phrasing); the seed's own pairs where it gives one
    "您搞错了": ("YOU_BLAME", "我觉得我们的沟通存在误解"),
    "你搞错了": ("YOU_BLAME", "我觉得我们的沟通存在误解"),
    "您弄错了": ("YOU_BLAME", "我觉得我们的沟通存在误解"),
    "你弄错了": ("YOU_BLAME", "我觉得我们的沟通存在误解"),
    "您听错了": ("YOU_BLAME", _SORRY),
    "你听错了": ("YOU_BLAME", _SORRY),
    "您理解错了": ("YOU_BLAME", _SORRY),
    "你理解错了": ("YOU_BLAME", _SORRY),
    "您没说清楚": ("YOU_BLAME", "对不起，我没有听明白，请您再说一遍好吗？"),
    "你没说清楚": ("YOU_BLAME", "对不起，我没有听明白，请您再说一遍好吗？"),
    "你说什么": ("YOU_BLAME", "对不起，我没有听明白，请您再说一遍好吗？"),
    "您没听清楚": ("YOU_BLAME", _SORRY),
    "你没听清楚": ("YOU_BLAME", _SORRY),
    "您没看清楚": ("YOU_BLAME", _SORRY),
    "你没看清楚": ("YOU_BLAME", _SORRY),
    "您把我搞糊涂了": ("YOU_BLAME", "我被搞糊涂了"),
    "你把我搞糊涂了": ("YOU_BLAME", "我被搞糊涂了"),
    "我已经说得很清楚了": ("YOU_BLAME", _SORRY),
    "我已经说过了": ("YOU_BLAME", _SORRY),
    "您听明白了吗": ("YOU_BLAME", "我解释清楚了吗？"),
    "你听明白了吗": ("YOU_BLAME", "我解释清楚了吗？"),
    "您听懂了吗": ("YOU_BLAME", "我解释清楚了吗？"),
    "你听懂了吗": ("YOU_BLAME", "我解释清楚了吗？"),
    "是您自己": ("YOU_BLAME", "我们一起核对一下当时的情况"),
    "是你自己": ("YOU_BLAME", "我们一起核对一下当时的情况"),
    "办不了": ("CANNOT_DO", _CAN),
    "没办法": ("CANNOT_DO", _CAN),
    "没有办法": ("CANNOT_DO", _CAN),
    "做不到": ("CANNOT_DO", _CAN),
    "帮不了": ("CANNOT_DO", _CAN),
    "管不了": ("CANNOT_DO", _CAN),
    "无能为力": ("CANNOT_DO", _CAN),
    "不归我们管": ("CANNOT_DO", "我帮您转给负责的部门，并跟进结果"),
    "不归我管": ("CANNOT_DO", "我帮您转给负责的部门，并跟进结果"),
    "不关我们的事": ("CANNOT_DO", "我帮您转给负责的部门，并跟进结果"),
    "不是我们的事": ("CANNOT_DO", "我帮您转给负责的部门，并跟进结果"),
    "尽快": ("VAGUE_PROMISE", _WHEN),
    "尽早": ("VAGUE_PROMISE", _WHEN),
    "过几天": ("VAGUE_PROMISE", _WHEN),
    "过两天": ("VAGUE_PROMISE", _WHEN),
    "马上": ("VAGUE_PROMISE", _WHEN),
    "很快": ("VAGUE_PROMISE", _WHEN),
    "回头": ("VAGUE_PROMISE", _WHEN),
    "改天": ("VAGUE_PROMISE", _WHEN),
    "稍后": ("VAGUE_PROMISE", _WHEN),
    "近期": ("VAGUE_PROMISE", _WHEN),
    "等通知": ("VAGUE_PROMISE", _WHEN),
    "以后再说": ("VAGUE_PROMISE", _WHEN),
    "有空再": ("VAGUE_PROMISE", _WHEN),
    "去投诉好了": ("PROVOKING", _CALM),
    "去投诉吧": ("PROVOKING", _CALM),
    "随便你告": ("PROVOKING", _CALM),
    "随便你投诉": ("PROVOKING", _CALM),
    "随便你": ("PROVOKING", _CALM),
    "你去告吧": ("PROVOKING", _CALM),
    "爱去哪告": ("PROVOKING", _CALM),
    "爱投诉就投诉": ("PROVOKING", _CALM),
    "向上投诉也一样": ("PROVOKING", _CALM),
    "投诉也没用": ("PROVOKING", _CALM),
    "告也没用": ("PROVOKING", _CALM),
    "有本事你": ("PROVOKING", _CALM),
    "你爱怎么样就怎么样": ("PROVOKING", _CALM),
    "去哪投诉都一样": ("PROVOKING", _CALM),
}
# a promise with a number in its sentence is quantified ("尽快，24小时内"): not vague
_QUANTITY = re.compile(
    r"(\d+|[一二两三四五六七八九十半]+)\s*(个)?\s*(小时|分钟|天|日|工作日|个工作日|周)|"
    r"今天|今日|明天|明日|\d+\s*[点时]|当天|当日|\{[a-z_]*due\}"
)
_SENTENCE_END = "。！？!?；;\n"


@dataclass(frozen=True)
class Finding:
    rule: str
    start: int
    end: int
    text: str
    better: str


_WORDING = Matcher(
    Keyword(fold_phrase(phrase), (), (("other", 1),), rule)
    for phrase, (rule, _) in WORDING_PATTERNS.items()
)
_BETTER = {fold_phrase(phrase): better for phrase, (_, better) in WORDING_PATTERNS.items()}


def _sentence(text: str, start: int, end: int) -> str:
    left = max((text.rfind(mark, 0, start) for mark in _SENTENCE_END), default=-1) + 1
    rights = [i for mark in _SENTENCE_END if (i := text.find(mark, end)) != -1]
    return text[left : min(rights) if rights else len(text)]


def _quantified(text: str, start: int, end: int) -> bool:
    """A number of hours, days, a day or a clock time in the promise's sentence, outside the
    vague phrase itself ("过两天" stays vague)."""
    blanked = text[:start] + " " * (end - start) + text[end:]
    return bool(_QUANTITY.search(fold(_sentence(blanked, start, end))))


def check_wording(text: str) -> list[Finding]:
    """S-3: every phrase that breaks a wording rule, with its span and a better phrasing."""
    folded = fold(text)
    findings = []
    for hit in _WORDING.hits(folded):
        rule = hit.keyword.rule or ""
        if rule == "VAGUE_PROMISE" and _quantified(text, hit.start, hit.end):
            continue
        findings.append(
            Finding(
                rule, hit.start, hit.end, text[hit.start : hit.end], _BETTER[hit.keyword.phrase]
            )
        )
    return findings
