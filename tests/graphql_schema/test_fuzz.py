"""Both schemas fuzzed with hypothesis-graphql (issue 11): no generated query or mutation, sent
authenticated through the real ASGI app, gets a 5xx or the masked `Unexpected error.`.

Seeded, and with no example database, so a run replays exactly; each example is one request.
Strings are short (NUL included), long (up to 5,000 characters, past every limit) or plausible
(a phone number, a billing month, a cursor); whole numbers span int32 with the edges of every
range; ids are mostly ones that exist (the tables restart at 1); dates and instants span years
1 to 9999, with and without a UTC offset.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from graphql import GraphQLSchema, build_schema
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from graphql_schema.partners.schema import schema as partner_schema
from graphql_schema.schema import schema as staff_schema
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f

SEED = 20260310
# about 45 s for both on a busy 2-core machine; FUZZ_SCALE=10 runs ten times as many
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
STAFF_EXAMPLES = 300 * SCALE  # 45 root fields
PARTNER_EXAMPLES = 120 * SCALE  # 6 root fields
OFFSETS = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12, minutes=-30))]
)
PLAUSIBLE = st.sampled_from(
    ["13800138000", "MUSIC-VIP", "2026-01", "https://hooks.example.com/tousu", "promise:1", "退费"]
)
TEXT = st.one_of(
    PLAUSIBLE,  # a real customer's number, a partner's service, a billing month …
    PLAUSIBLE,  # (twice: half the strings, so that some operations get past validation)
    st.text(max_size=20),  # NUL included
    st.builds(lambda char, n: char * n, st.characters(), st.integers(0, 5000)),  # past limits
)
WHOLE = st.one_of(
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from([0, 1, -1, 4, 5, 100, 101, 32767, 32768, 10_000_000, 10_000_001, 2**31 - 1]),
)
SCALARS = {
    "String": TEXT.map(nodes.String),
    "Int": WHOLE.map(nodes.Int),
    "ID": st.one_of(st.integers(1, 12).map(str), st.text(max_size=40)).map(nodes.String),
    "DateTime": st.builds(
        lambda moment, offset: moment.replace(tzinfo=offset).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
        OFFSETS,
    ).map(nodes.String),
    "Date": st.dates().map(lambda day: nodes.String(day.isoformat())),
}
SETTINGS = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Target:
    http: httpx.AsyncClient
    path: str
    auth: str
    outcomes: Counter[str] = field(default_factory=Counter)

    async def check(self, document: str) -> None:
        response = await self.http.post(
            self.path,
            json={"query": document},
            headers={"Authorization": f"Bearer {self.auth}"},
        )
        self.outcomes[outcome(response)] += 1
        assert response.status_code < 500, (response.status_code, response.text[:500], document)
        assert "Unexpected error." not in response.text, (response.text[:500], document)

    def report(self) -> None:
        """How many requests ran and what they met: `pytest -s` shows it."""
        seen = ", ".join(f"{what} {n}" for what, n in self.outcomes.most_common())
        print(f"\nfuzz {self.path}: {self.outcomes.total()} requests ({seen})")


def outcome(response: httpx.Response) -> str:
    """`data`, or the first error's code (`GRAPHQL_VALIDATION_FAILED` when it has none)."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return f"HTTP {response.status_code}"
    if not errors:
        return "data"
    return str((errors[0].get("extensions") or {}).get("code", "GRAPHQL_VALIDATION_FAILED"))


async def some_of_everything() -> None:
    """Rows for the generated ids to find: complaints, refunds, a partner's dispute."""
    handler, lead = await f.staff(Role.HANDLER), await f.approver(1)
    customers = [await f.customer("13800138000"), await f.customer(), await f.customer()]
    for customer in customers:  # the first is the number the generated strings name
        complaint = await f.complaint(handler, customer)
        await f.refund(handler, complaint)
    await f.refund(lead, await f.complaint(lead))


@pytest.fixture
async def staff_api(http: httpx.AsyncClient) -> AsyncIterator[Target]:
    await some_of_everything()
    target = Target(http, "/graphql", issue_token(await f.staff(Role.HANDLER, Role.TEAM_LEAD)))
    yield target
    target.report()


@pytest.fixture
async def partner(http: httpx.AsyncClient) -> AsyncIterator[Target]:
    await some_of_everything()
    target = Target(http, "/partner/graphql", await f.partner_key(await f.partner()))
    yield target
    target.report()


def operations(schema: GraphQLSchema) -> st.SearchStrategy[str]:
    """One root field per operation, every field as likely as any other (hypothesis-graphql
    alone favours the first fields of each root type)."""
    roots = [t for t in (schema.query_type, schema.mutation_type) if t is not None]
    return st.one_of(
        *(
            from_schema(schema, fields=[name], custom_scalars=SCALARS)
            for root in roots
            for name in root.fields
        )
    )


@seed(SEED)
@settings(SETTINGS, max_examples=STAFF_EXAMPLES)
@given(document=operations(build_schema(staff_schema.as_str())))
async def test_no_staff_query_or_mutation_gets_a_5xx_or_an_unexpected_error(staff_api, document):
    await staff_api.check(document)


@seed(SEED)
@settings(SETTINGS, max_examples=PARTNER_EXAMPLES)
@given(document=operations(build_schema(partner_schema.as_str())))
async def test_no_partner_query_or_mutation_gets_a_5xx_or_an_unexpected_error(partner, document):
    await partner.check(document)
