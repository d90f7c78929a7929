"""Decision reasons and notes, in Chinese by default and in English by `Accept-Language`.

The rules word every reason (R-2 … R-13, K-1 … K-4, R-10) and every system note (C-3 urgency,
C-7/C-8 deadlines) in English, and that English is what is stored (refunds.reasons,
compensations.reasons, risk profiles, urgency and deadline notes): the rules' tests, the audit,
the logs and the partner API read it. Each wording is one entry of the gettext catalog
`admin_ui/locale/<locale>/LC_MESSAGES/reasons.po` (the console loads it with its own catalogs):
the English entry is the wording with `{name}` for each value, the Chinese entry what a handler
reads. So the stored English is the entry's key and its values, and is rendered here at read
time: rows written before a wording was catalogued read in Chinese too, and nothing stored
changes language. A value is itself looked up (a phrase of the catalog, a charge category or
tier of the console's catalog, "English (中文)" read as its Chinese); a value nothing matches
(a handler's own words) is kept as typed. Names ending `_yuan`, `_day`, `_month`, `_count`
match only an amount, a date, a month or a whole number; `_name` is a name or code, kept.

The history texts the system writes (complaint and refund history, why a supervision started
or ended, A-3 rectifications) are entries of `history.po` beside it, read the same way: the
writers keep writing English, and `ComplaintEvent.reason`, `RefundEvent.reason` and
`Supervision.reason`/`endReason` are rendered here. A list the services joined ("; ") is cut
into the longest groups that are each a wording.

It sits below the staff API and the console, which both read it: graphql_schema.wording
renders in the staff API's per-request locale (set by graphql_schema.guard; the partner
API keeps the text as stored), the console in the locale its reader chose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[1] / "admin_ui" / "locale"
_FOLDER = {"zh-CN": "zh_CN", "en": "en"}


def _catalog(where: str, name: str) -> dict[str, str]:
    with (LOCALE_DIR / _FOLDER[where] / "LC_MESSAGES" / name).open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id and m.string}


# reasons.po: the rules' reasons and notes; history.po: the system's history texts (who did
# what, why: complaint, refund and supervision history, A-3 rectifications)
FILES = ("reasons.po", "history.po")
CATALOGS: dict[str, dict[str, str]] = {
    where: {k: v for name in FILES for k, v in _catalog(where, name).items()} for where in _FOLDER
}
# the console's words for values (charge_category.duplicate_record → 重复话单, tier.* …)
_CONSOLE = _catalog("zh-CN", "messages.po")
# a value looked up by its placeholder's name: in the console's words, or among this
# catalog's own `value.<name>.<value>` words (which are never a wording of their own)
_VALUE = "value."
_LOOKUPS: dict[str, tuple[dict[str, str], str]] = {
    "category": (_CONSOLE, "charge_category."),
    "tier": (_CONSOLE, "tier."),
    "channel": (_CONSOLE, "channel."),
    "colour": (_CONSOLE, "colour."),
    "deadline": (_CONSOLE, "deadline."),
    "complaint_category": (_CONSOLE, "category."),
    "via": (CATALOGS["zh-CN"], _VALUE + "via."),
    "limit": (CATALOGS["zh-CN"], _VALUE + "limit."),
    "step": (CATALOGS["zh-CN"], _VALUE + "step."),
    "outcome": (CATALOGS["zh-CN"], _VALUE + "outcome."),
}
_SHAPES = {
    "yuan": r"-?\d+\.\d{2} yuan",
    "day": r"\d{4}-\d{2}-\d{2}",
    "month": r"\d{4}-\d{2}",
    "count": r"-?\d+",
    "number": r"-?\d+(?:\.\d+)?",
    "at": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?",
    "duration": r"\d+h\d{2}m",
    # the first of R-10's reasons that a compensation's history quotes
    "r10": r"(?:R-10: |Beyond the rules: ).+",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_GLOSSED = re.compile(r"[^()]+ \(([^()]*[\u4e00-\u9fff][^()]*)\)")  # "store manager (厅经理)"
_ENGLISH = re.compile(r"[A-Za-z]{3,}")
# lists the rules join: each part looked up, joined the Chinese way
_LISTS = (("; ", "；"), (" and ", "，且"))


def _shape(name: str) -> str:
    return _SHAPES.get(name.rpartition("_")[2], r".+?")


def _pattern(english: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(english)
    names = parts[1::2]
    assert len(names) == len(set(names)), f"a value named twice in {english!r}"
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_shape(part)})"
        for i, part in enumerate(parts)
    )
    return re.compile(regex, re.S)


# every wording, the most specific (most fixed text) first
PATTERNS: list[tuple[str, re.Pattern[str]]] = sorted(
    ((key, _pattern(text)) for key, text in CATALOGS["en"].items() if not key.startswith(_VALUE)),
    key=lambda item: -len(_PLACEHOLDER.sub("", CATALOGS["en"][item[0]])),
)


@dataclass(frozen=True)
class Rendered:
    text: str
    complete: bool  # every part was a catalogued wording, or had no English in it


def _value(name: str, value: str) -> Rendered:
    suffix = name.rpartition("_")[2]
    if suffix == "yuan":
        return Rendered(value.replace(" yuan", " 元"), True)
    if suffix == "duration":  # "3h05m"
        hours, _, minutes = value[:-1].partition("h")
        return Rendered(f"{hours} 小时 {minutes} 分", True)
    if suffix in _SHAPES and suffix != "r10":
        return Rendered(value, True)
    if suffix == "name":  # a code or a username: kept, or a phrase of the catalog
        return Rendered(render(value).text, True)
    lookup = _LOOKUPS.get(name)
    if lookup is not None:
        words, prefix = lookup
        word = words.get(prefix + value.replace(" ", "_").replace("-", "_"))
        if word is not None:
            return Rendered(word, True)
    return render(value)


def _fill(template: str, values: dict[str, Rendered]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)].text, template)


@lru_cache(maxsize=8192)
def render(text: str) -> Rendered:
    """`text` (a stored English wording) in Chinese, and whether every part of it was known.
    A wording whose values are not all known gives way to a reading that knows them all (two
    wordings joined by "; " also match one wording whose free value spans the join)."""
    matched = _matched(text)
    if matched is not None and matched.complete:
        return matched
    for english, chinese in _LISTS:
        if english in text:
            joined = _joined(text.split(english), english, chinese)
            if joined is not None:
                return joined
    return matched or Rendered(text, _ENGLISH.search(text) is None)


@lru_cache(maxsize=8192)
def _matched(text: str) -> Rendered | None:
    """`text` as one wording: complete if one matches with every value known, else the first
    that matches; None if none does."""
    zh = CATALOGS["zh-CN"]
    partial: Rendered | None = None
    for key, pattern in PATTERNS:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {name: _value(name, v) for name, v in found.groupdict().items()}
        rendered = Rendered(_fill(zh[key], values), all(v.complete for v in values.values()))
        if rendered.complete:
            return rendered
        partial = partial or rendered
    glossed = _GLOSSED.fullmatch(text)
    if glossed:
        return Rendered(glossed.group(1), True)
    return partial


# the services join at most a dozen or so reasons; a longer list is a person's text
_MAX_PARTS = 32


def _joined(parts: list[str], english: str, chinese: str) -> Rendered | None:
    """A list the services joined (a refund's reasons in its history, "; "): cut into
    consecutive groups that each read completely: one part as itself, several parts only as
    one wording, since a wording may hold the separator (R-5's "…; overcharge …"). None if
    no cut does, if no group is a wording (a person's "已联系客户; 待回复" keeps its own
    separator), or if the list is longer than the services ever join."""
    if len(parts) > _MAX_PARTS:
        return None
    cuts: list[list[tuple[str, str]] | None] = [[], *([None] * len(parts))]
    for end in range(1, len(parts) + 1):
        for start in range(end - 1, -1, -1):  # the shortest group first
            done = cuts[start]
            if done is None or (start == 0 and end == len(parts)):
                continue
            source = english.join(parts[start:end])
            group = render(source) if end - start == 1 else _matched(source)
            if group is not None and group.complete:
                cuts[end] = [*done, (source, group.text)]
                break
    found = cuts[-1]
    if found is None or all(source == text for source, text in found):
        return None
    return Rendered(chinese.join(text for _, text in found), True)


def localize(text: str, where: str) -> str:
    """A stored reason or note for a reader of `where`: Chinese unless English is asked for;
    a handler's own words stay as typed."""
    if where == "en" or not text:
        return text
    return render(text).text


def localize_all(texts: list[str] | tuple[str, ...], where: str) -> list[str]:
    return [localize(text, where) for text in texts]


def message_ids(where: str) -> set[str]:
    return set(CATALOGS[where])
