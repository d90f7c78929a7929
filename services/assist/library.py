"""The libraries in use (S-2): shipped version 1 plus the stored edits, cached per process and
re-read when anything changed anywhere (one cheap query per CACHE_SECONDS, like thresholds),
so an admin's edit is live in every process within 3 s. The automaton is rebuilt then.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from services.assist import policy
from services.assist.keywords_seed import KEYWORDS
from services.assist.models import AssistVersion, LibraryKind
from services.assist.scenarios_seed import BY_CODE, SCENARIOS

CACHE_SECONDS = 3.0
LIBRARY_KEY = "library"
SHIPPED_VERSION = 1


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    special: bool
    situation: str
    measure: str
    examples: tuple[str, ...]
    escalation: tuple[str, ...]
    version: int

    @staticmethod
    def of(code: str, value: dict[str, Any], version: int) -> Scenario:
        return Scenario(
            code=code,
            title=value["title"],
            special=bool(BY_CODE[code]["special"]),
            situation=value["situation"],
            measure=value["measure"],
            examples=tuple(value["examples"]),
            escalation=tuple(value.get("escalation", ())),
            version=version,
        )


def shipped_scenario(code: str) -> dict[str, Any]:
    item = BY_CODE[code]
    keys = ("title", "situation", "measure", "examples", "escalation")
    return {k: item[k] for k in keys}


@dataclass(frozen=True)
class Library:
    scenarios: dict[str, Scenario]  # in the seed's order
    keywords_text: str
    keywords_version: int
    matcher: policy.Matcher
    built_in_ms: float


def build(rows: list[AssistVersion]) -> Library:
    """The library from the stored versions (the last of each key wins) over the shipped ones."""
    started = time.perf_counter()
    latest: dict[tuple[str, str], AssistVersion] = {}
    for row in rows:
        latest[(str(row.kind), row.key)] = row
    scenarios = {}
    for item in SCENARIOS:
        code = item["code"]
        stored = latest.get((LibraryKind.SCENARIO.value, code))
        if stored is not None:
            scenarios[code] = Scenario.of(code, stored.value, stored.version)
        else:
            scenarios[code] = Scenario.of(code, shipped_scenario(code), SHIPPED_VERSION)
    stored_keywords = latest.get((LibraryKind.KEYWORDS.value, LIBRARY_KEY))
    text = stored_keywords.value["text"] if stored_keywords else KEYWORDS.strip("\n")
    keywords, _ = policy.parse_keywords(text)  # stored texts were checked before saving
    matcher = policy.Matcher(keywords)
    return Library(
        scenarios=scenarios,
        keywords_text=text,
        keywords_version=stored_keywords.version if stored_keywords else SHIPPED_VERSION,
        matcher=matcher,
        built_in_ms=(time.perf_counter() - started) * 1000,
    )


_library: Library | None = None
_marker: tuple[int, int] | None = None
_checked_at = 0.0


def forget() -> None:
    global _library, _marker, _checked_at
    _library, _marker, _checked_at = None, None, 0.0


async def current() -> Library:
    """The library in use; at most CACHE_SECONDS old."""
    global _library, _marker, _checked_at
    now = time.monotonic()
    if _library is not None and now - _checked_at < CACHE_SECONDS:
        return _library
    latest = await AssistVersion.all().order_by("-id").only("id").first()
    count = await AssistVersion.all().count()
    marker = (latest.id if latest else 0, count)
    if _library is None or marker != _marker:
        rows = await AssistVersion.all().order_by("kind", "key", "version")
        _library = build(list(rows))
        _marker = marker
    _checked_at = now
    return _library
