"""Handler assist edits through the API (S-1, S-2): an admin saves a scenario's script or the
keyword library as a new version, as in the console."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from graphql_schema.assist.types import AssistScenario, WordingFinding
from graphql_schema.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    run_mutation,
)
from services.assist import library, policy
from services.assist import service as assist
from services.assist.models import AssistVersion


@strawberry.input(description="A scenario's texts (S-1, S-2); the code stays as it is.")
class AssistScenarioInput:
    title: str = strawberry.field(description="The title, at most 100 characters.")
    situation: str = strawberry.field(description="How to recognise it (情景).")
    measure: str = strawberry.field(description="What to do (措施).")
    examples: list[str] = strawberry.field(
        description="Example wording, 1 to 10 sentences of at most 500 characters."
    )
    escalation: list[str] = strawberry.field(
        description="Escalation steps (who is told, 110, 重大投诉), at most 10; may be empty."
    )


@strawberry.type(description="The scenario as saved, with S-3 warnings on its example wording.")
class AssistScenarioSaved:
    scenario: AssistScenario = strawberry.field(description="The scenario, now current.")
    wording: list[WordingFinding] = strawberry.field(
        description="Phrases of the examples that break a wording rule (saved all the same)."
    )


@strawberry.type(description="The keyword library as saved.")
class KeywordLibrarySaved:
    version: int = strawberry.field(description="Its new version (1 was the shipped one).")
    keywords: int = strawberry.field(description="How many keywords it holds.")


SaveAssistScenarioPayload = Annotated[
    AssistScenarioSaved | InputError | NotFoundError | PermissionDeniedError | AuthenticationError,
    strawberry.union(
        "SaveAssistScenarioPayload", description="The saved scenario, or why it was refused."
    ),
]
SaveKeywordLibraryPayload = Annotated[
    KeywordLibrarySaved | InputError | PermissionDeniedError | AuthenticationError,
    strawberry.union(
        "SaveKeywordLibraryPayload",
        description="The saved library, or why it was refused (InputError lists every line).",
    ),
]


@strawberry.type
class AssistMutations:
    @strawberry.mutation(
        description="Admins: save a scenario's script as a new version (who, when, why), live "
        "in every process within 3 s. Refused with every field at fault before anything is "
        "written."
    )
    async def save_assist_scenario(
        self, info: strawberry.Info, code: str, input: AssistScenarioInput, reason: str
    ) -> SaveAssistScenarioPayload:
        value: dict[str, Any] = {
            "title": input.title,
            "situation": input.situation,
            "measure": input.measure,
            "examples": list(input.examples),
            "escalation": list(input.escalation),
        }

        async def call(actor: Any) -> AssistVersion:
            return await assist.save_scenario(actor=actor, code=code, value=value, reason=reason)

        result = await run_mutation(info, call, lambda row, _: row)
        if not isinstance(result, AssistVersion):
            return result  # type: ignore[no-any-return]
        scenario = (await library.current()).scenarios[code]
        return AssistScenarioSaved(
            scenario=AssistScenario.of(scenario),
            wording=[
                WordingFinding.of(f, "examples")
                for line in scenario.examples
                for f in policy.check_wording(line)
            ],
        )

    @strawberry.mutation(
        description="Admins: save the keyword library (one keyword a line: phrase | "
        "SCENARIO:weight … | category:weight … | rule) as a new version, live within 3 s."
    )
    async def save_keyword_library(
        self, info: strawberry.Info, text: str, reason: str
    ) -> SaveKeywordLibraryPayload:
        async def call(actor: Any) -> AssistVersion:
            return await assist.save_keywords(actor=actor, text=text, reason=reason)

        def result(row: AssistVersion, _: Any) -> KeywordLibrarySaved:
            return KeywordLibrarySaved(
                version=row.version, keywords=len(policy.parse_keywords(row.value["text"])[0])
            )

        return await run_mutation(info, call, result)  # type: ignore[no-any-return]
