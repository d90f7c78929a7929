"""Handler assist types (S-1 … S-3)."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from graphql_schema.enums import Category
from services.assist import library, policy
from services.assist import service as assist


@strawberry.enum(description="A wording rule of S-3 (DOMAIN.md §5).")
class WordingRule(StrEnum):
    YOU_BLAME = "YOU_BLAME"
    CANNOT_DO = "CANNOT_DO"
    VAGUE_PROMISE = "VAGUE_PROMISE"
    PROVOKING = "PROVOKING"


@strawberry.type(description="One scenario of the script library (S-1, S-2), as it is now.")
class AssistScenario:
    code: str = strawberry.field(
        description="Stable code (DOMAIN.md §5), e.g. AGITATED, JOURNALIST; RECHARGE_CARD is "
        "the recharge-card guidance."
    )
    title: str = strawberry.field(description="The scenario's title, as in the handbook.")
    special: bool = strawberry.field(
        description="A special case (group, store disruption, recording, crowd, damage, "
        "journalists) with escalation steps."
    )
    situation: str = strawberry.field(description="How to recognise it (情景).")
    measure: str = strawberry.field(description="What to do (措施).")
    examples: list[str] = strawberry.field(description="Example wording to say (例子/解释口径).")
    escalation: list[str] = strawberry.field(
        description="Who is told, when 110 is called, 重大投诉 reporting; empty when none."
    )
    version: int = strawberry.field(description="The library version (1: as shipped).")

    @classmethod
    def of(cls, s: library.Scenario) -> AssistScenario:
        return cls(
            code=s.code,
            title=s.title,
            special=s.special,
            situation=s.situation,
            measure=s.measure,
            examples=list(s.examples),
            escalation=list(s.escalation),
            version=s.version,
        )


@strawberry.type(description="A scenario the text points at, with what to say (S-2).")
class ScenarioSuggestion(AssistScenario):
    score: float = strawberry.field(
        description="Summed keyword weights (plus intensity for AGITATED); higher is surer. "
        "Only scores of 3 and more are suggested."
    )
    matched: list[str] = strawberry.field(
        description="The words, as typed, that triggered it (and 语气强度N for intensity)."
    )


@strawberry.type(description="A complaint category the text points at (S-2).")
class CategorySuggestion:
    category: Category = strawberry.field(description="The category.")
    score: float = strawberry.field(description="Summed keyword weights; higher is surer.")
    matched: list[str] = strawberry.field(description="The words, as typed, that triggered it.")


@strawberry.type(description="A rule of the rulebook that the words point at.")
class RuleHint:
    id: str = strawberry.field(description="The rule id, e.g. R-7(a).")
    text: str = strawberry.field(description="What the rule says, for the handler.")


@strawberry.type(
    description="What the customer's words suggest (S-2): scenarios with their scripts, "
    "categories and rules, best first, each with the words that triggered it."
)
class Assist:
    scenarios: list[ScenarioSuggestion] = strawberry.field(
        description="At most 3 scenarios, best first; empty when nothing is strong enough."
    )
    categories: list[CategorySuggestion] = strawberry.field(
        description="At most 3 categories, best first."
    )
    rules: list[RuleHint] = strawberry.field(description="Rules the matched words point at.")
    negated: list[str] = strawberry.field(
        description='Keywords read as negated ("不是没订"): they counted for nothing.'
    )
    intensity: int = strawberry.field(
        description="0-3: how heated the text is (repeated “！”, 气死 …); raises AGITATED."
    )

    @classmethod
    def of(cls, found: assist.Assist) -> Assist:
        return cls(
            scenarios=[
                ScenarioSuggestion(
                    **vars(AssistScenario.of(s.scenario)), score=s.score, matched=s.matched
                )
                for s in found.scenarios
            ],
            categories=[
                CategorySuggestion(
                    category=Category(c.key), score=round(c.score, 2), matched=c.matched
                )
                for c in found.categories
            ],
            rules=[RuleHint(id=rule, text=text) for rule, text in found.rules],
            negated=found.negated,
            intensity=found.intensity,
        )


@strawberry.type(description="One phrase that breaks a wording rule (S-3), with a better one.")
class WordingFinding:
    rule: WordingRule = strawberry.field(description="The rule it breaks.")
    advice: str = strawberry.field(description="The rule, in words.")
    start: int = strawberry.field(description="Where the phrase starts (characters, from 0).")
    end: int = strawberry.field(description="Where it ends (exclusive).")
    text: str = strawberry.field(description="The phrase as written.")
    better: str = strawberry.field(description="A better phrasing to use instead.")
    field: str | None = strawberry.field(
        default=None,
        description="For a complaint's texts: which one (plan, resultCause, resultSolution, "
        "resultPrevention); null for checkWording.",
    )

    @classmethod
    def of(cls, finding: policy.Finding, field: str | None = None) -> WordingFinding:
        return cls(
            field=field,
            rule=WordingRule(finding.rule),
            advice=policy.WORDING_RULES[finding.rule],
            start=finding.start,
            end=finding.end,
            text=finding.text,
            better=finding.better,
        )


async def assist_for_text(text: str) -> Assist:
    return Assist.of(await assist.assist_text(text))


def reply_wording(texts: dict[str, str]) -> list[WordingFinding]:
    """S-3 on the texts a complaint tells its customer, each finding naming its field."""
    return [
        WordingFinding.of(finding, field)
        for field, text in texts.items()
        for finding in policy.check_wording(text)
    ]
