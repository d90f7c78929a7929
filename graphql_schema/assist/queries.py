"""Handler assist queries (S-1 … S-3): nothing here writes."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from graphql_schema.assist.types import Assist, AssistScenario, WordingFinding
from graphql_schema.permissions import IsAuthenticated, denied
from services.assist import library
from services.assist import service as assist
from services.errors import InvalidInput, PermissionDenied


def _invalid(exc: InvalidInput) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


@strawberry.type
class AssistQueries:
    @strawberry.field(
        description="S-2 at intake, while the handler types: the scenarios (with what to say), "
        "categories and rules the text points at. Traditional or simplified characters, "
        "full-width or not. Writes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def suggest_scenarios(self, info: strawberry.Info, text: str) -> Assist:
        try:
            found = await assist.suggest(actor=info.context.staff, text=text)
        except PermissionDenied as exc:
            raise denied(exc) from None
        except InvalidInput as exc:
            raise _invalid(exc) from None
        return Assist.of(found)

    @strawberry.field(
        description="S-3: the wording check of a reply before it goes to the customer: every "
        "phrase that blames the customer, says what we cannot do, promises without a quantity, "
        "or provokes, with its span and a better phrasing. Empty when the text is fine. A "
        "warning, never a block.",
        permission_classes=[IsAuthenticated],
    )
    async def check_wording(self, info: strawberry.Info, text: str) -> list[WordingFinding]:
        try:
            found = await assist.check_wording(actor=info.context.staff, text=text)
        except PermissionDenied as exc:
            raise denied(exc) from None
        except InvalidInput as exc:
            raise _invalid(exc) from None
        return [WordingFinding.of(f) for f in found]

    @strawberry.field(
        description="The scenario script library (S-1, S-2) as it is now, in the handbook's "
        "order: the 18 ordinary scenarios, the special cases and the recharge-card guidance.",
        permission_classes=[IsAuthenticated],
    )
    async def assist_scenarios(self) -> list[AssistScenario]:
        current = await library.current()
        return [AssistScenario.of(s) for s in current.scenarios.values()]
