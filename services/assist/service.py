"""Handler assist use cases (S-1 … S-3): suggestions for a text or a complaint, the wording
check, and the admins' edits of the scenario scripts and the keyword library (each a new
version with who, when and why; restorable). Reads of the libraries are cached (library.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from services.assist import library, policy
from services.assist.models import AssistVersion, LibraryKind
from services.assist.scenarios_seed import BY_CODE
from services.complaints.models import Complaint
from services.errors import InvalidInput, NotFound, Problem
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Staff
from services.validation import NOTE, TEXT, items_problem, text_problem

TITLE_MAX = 100
PARAGRAPH_MAX = 2000
LINE_MAX = 500
LINES_MAX = 10
KEYWORDS_MAX = 60_000


@dataclass(frozen=True)
class ScenarioSuggestion:
    scenario: library.Scenario
    score: float
    matched: list[str]


@dataclass(frozen=True)
class Assist:
    """What a handler sees (S-2): scenarios with their scripts, categories, rules."""

    scenarios: list[ScenarioSuggestion]
    categories: list[policy.Scored]
    rules: list[tuple[str, str]]  # (rule id, its text)
    negated: list[str]
    intensity: int


def _text(field: str, value: str, limit: int) -> None:
    problem = text_problem(field, value, limit)
    if problem is not None:
        raise InvalidInput(problem.message, field=field, problems=[problem])


async def assist_text(text: str) -> Assist:
    """Suggestions for any text, with the scenarios' current scripts."""
    current = await library.current()
    found = policy.suggest(current.matcher, text)
    return Assist(
        scenarios=[
            ScenarioSuggestion(current.scenarios[s.key], round(s.score, 2), s.matched)
            for s in found.scenarios
        ],
        categories=found.categories,
        rules=[(rule, policy.RULE_TEXTS[rule]) for rule in found.rules],
        negated=found.negated,
        intensity=found.intensity,
    )


def complaint_text(row: Complaint) -> str:
    """What the customer said, as recorded: summary, details, request, the revisit's words."""
    parts = (row.summary, row.details, row.customer_request, row.revisit_note)
    return "\n".join(part for part in parts if part)


async def assist_complaint(row: Complaint) -> Assist:
    """Suggestions for a complaint the caller may already read (no second permission check)."""
    return await assist_text(complaint_text(row))


@guarded(UseCase.SUGGEST_SCENARIOS)
async def suggest(*, actor: Staff, text: str) -> Assist:
    """S-2 at intake: suggestions while the handler types (nothing is written)."""
    _text("text", text, TEXT)
    return await assist_text(text)


@guarded(UseCase.CHECK_WORDING)
async def check_wording(*, actor: Staff, text: str) -> list[policy.Finding]:
    """S-3: the wording check of a text a handler is about to send (nothing is written)."""
    _text("text", text, TEXT)
    return policy.check_wording(text)


# the admins' edits ----------------------------------------------------------------------------


def _reason(reason: str) -> str:
    _text("reason", reason, NOTE)
    if not reason.strip():
        raise InvalidInput("说明修改原因。", field="reason")
    return reason.strip()


def scenario_problems(value: dict[str, Any]) -> list[Problem]:
    """Everything wrong with a scenario's texts, each field named."""
    found: list[Problem | None] = []
    for field, limit in (
        ("title", TITLE_MAX),
        ("situation", PARAGRAPH_MAX),
        ("measure", PARAGRAPH_MAX),
    ):
        text = value.get(field, "")
        found.append(text_problem(field, text, limit))
        if not text.strip():
            found.append(policy_problem(field, "不能为空。"))
    for field in ("examples", "escalation"):
        lines = value.get(field, [])
        found.append(items_problem(field, len(lines), LINES_MAX))
        found.extend(text_problem(field, line, LINE_MAX) for line in lines)
    if not value.get("examples"):
        found.append(policy_problem("examples", "至少要有一句示例话术。"))
    return [p for p in found if p is not None]


def policy_problem(field: str, message: str) -> Problem:
    return Problem(field, InvalidInput.code, message)


async def _store(
    *, kind: LibraryKind, key: str, value: Any, reason: str, actor: Staff
) -> AssistVersion:
    async with in_transaction():
        last = (
            await AssistVersion.filter(kind=kind, key=key)
            .select_for_update()
            .order_by("-version")
            .first()
        )
        row = await AssistVersion.create(
            kind=kind,
            key=key,
            version=(last.version if last else library.SHIPPED_VERSION) + 1,
            value=value,
            reason=reason,
            changed_by_id=actor.id,
        )
    library.forget()
    return row


@guarded(UseCase.EDIT_ASSIST_LIBRARY)
async def save_scenario(
    *, actor: Staff, code: str, value: dict[str, Any], reason: str
) -> AssistVersion:
    """S-1/S-2: a scenario's title, situation, measure, example wording and escalation steps,
    as a new version. The texts are checked before anything is written."""
    if code not in BY_CODE:
        raise NotFound(f"没有场景 {code}。", field="code")
    clean = {
        "title": str(value.get("title", "")).strip(),
        "situation": str(value.get("situation", "")).strip(),
        "measure": str(value.get("measure", "")).strip(),
        "examples": [str(x).strip() for x in value.get("examples", []) if str(x).strip()],
        "escalation": [str(x).strip() for x in value.get("escalation", []) if str(x).strip()],
    }
    problems = scenario_problems(clean)
    if problems:
        raise InvalidInput(problems[0].message, field=problems[0].field, problems=problems)
    why = _reason(reason)
    current = (await library.current()).scenarios[code]
    if clean == {
        "title": current.title,
        "situation": current.situation,
        "measure": current.measure,
        "examples": list(current.examples),
        "escalation": list(current.escalation),
    }:
        raise InvalidInput("没有改动。", field="title")
    return await _store(kind=LibraryKind.SCENARIO, key=code, value=clean, reason=why, actor=actor)


def keyword_problems(text: str) -> list[Problem]:
    problem = text_problem("text", text, KEYWORDS_MAX)
    if problem is not None:
        return [problem]
    _, problems = policy.parse_keywords(text)
    return [policy_problem("text", f"第{p.line}行：{p.message}") for p in problems]


@guarded(UseCase.EDIT_ASSIST_LIBRARY)
async def save_keywords(*, actor: Staff, text: str, reason: str) -> AssistVersion:
    """S-2: the keyword library's text as a new version; every line at fault is named and
    nothing is stored while one is."""
    problems = keyword_problems(text)
    if problems:
        raise InvalidInput(problems[0].message, field="text", problems=problems)
    why = _reason(reason)
    clean = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
    if clean == (await library.current()).keywords_text:
        raise InvalidInput("没有改动。", field="text")
    return await _store(
        kind=LibraryKind.KEYWORDS,
        key=library.LIBRARY_KEY,
        value={"text": clean},
        reason=why,
        actor=actor,
    )


@guarded(UseCase.EDIT_ASSIST_LIBRARY)
async def restore_version(
    *, actor: Staff, kind: LibraryKind, key: str, version: int, reason: str
) -> AssistVersion:
    """Make an old version (1: the shipped text) current again, as a new version."""
    why = _reason(reason)
    if kind is LibraryKind.SCENARIO and key not in BY_CODE:
        raise NotFound(f"没有场景 {key}。", field="key")
    if kind is LibraryKind.KEYWORDS and key != library.LIBRARY_KEY:
        raise NotFound("关键词库只有一个。", field="key")
    if version == library.SHIPPED_VERSION:
        value: Any = (
            library.shipped_scenario(key)
            if kind is LibraryKind.SCENARIO
            else {"text": library.KEYWORDS.strip("\n")}
        )
    else:
        old = await AssistVersion.get_or_none(kind=kind, key=key, version=version)
        if old is None:
            raise NotFound(f"没有第{version}版。", field="version")
        value = old.value
    return await _store(kind=kind, key=key, value=value, reason=why, actor=actor)


async def history(kind: LibraryKind, key: str) -> list[AssistVersion]:
    """Every stored version, newest first, with who changed it (version 1, shipped, is not
    stored: the caller shows it last)."""
    rows: list[AssistVersion] = (
        await AssistVersion.filter(kind=kind, key=key)
        .order_by("-version")
        .select_related("changed_by")
    )
    return rows


@guarded(UseCase.SUGGEST_SCENARIOS)
async def read_scenarios(*, actor: Staff) -> list[library.Scenario]:
    """The scenario library as it is now, in the handbook's order."""
    return list((await library.current()).scenarios.values())
