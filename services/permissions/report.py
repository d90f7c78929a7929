"""The permission table in words, for people: `python -m services.permissions --markdown`.

Each use case with what it acts on, who may (the table's words), the functions that are it,
and a matrix of eight kinds of actor, computed from the table's own rules on one example: a
complaint of department A, owned by a handler of A who took it over from the first handler;
its refund (band 2, branch track, requested by the owner), a task of it owned by a handler of
department B, and the customer's facts. docs/permissions.md holds a copy that a test keeps
equal to this output.
"""

from __future__ import annotations

from pathlib import Path

from services.approval_bands import Track
from services.permissions.rules import (
    Actor,
    ComplaintFacts,
    CustomerFacts,
    RefundFacts,
    Subject,
    TaskFacts,
)
from services.permissions.table import TABLE, UseCase
from services.roles import Role

A, B = 1, 2  # the two departments of the example
ACTORS: dict[str, Actor] = {
    "owner": Actor(1, frozenset({Role.HANDLER.value}), A),
    "first_handler": Actor(2, frozenset({Role.HANDLER.value}), A),
    "lead": Actor(3, frozenset({Role.TEAM_LEAD.value}), A),
    "other_handler": Actor(4, frozenset({Role.HANDLER.value}), B),
    "approver": Actor(5, frozenset({Role.DEPUTY_GM.value}), B),
    "auditor": Actor(6, frozenset({Role.AUDITOR.value})),
    "admin": Actor(7, frozenset({Role.ADMIN.value})),
    "partner": Actor(8, frozenset({Role.HANDLER.value}), A, partner_intake=True),
}
HEADINGS = {
    "owner": "owner",
    "first_handler": "first handler",
    "lead": "lead of its dept",
    "other_handler": "handler of another dept",
    "approver": "approver (band 4)",
    "auditor": "auditor",
    "admin": "admin",
    "partner": "partner intake",
}
_COMPLAINT = ComplaintFacts(owner_id=1, first_handler_id=2, department_id=A)
_REFUND = RefundFacts(complaint=_COMPLAINT, requester_id=1, band=2, track=Track.BRANCH.value)
EXAMPLE: dict[Subject, object] = {
    Subject.NONE: None,
    Subject.COMPLAINT: _COMPLAINT,
    Subject.NOTICE: _COMPLAINT,
    Subject.REFUND: _REFUND,
    Subject.COMPENSATION: _REFUND,
    Subject.TASK: TaskFacts(complaint=_COMPLAINT, owner_id=4),
    Subject.CUSTOMER: CustomerFacts(complaints=(_COMPLAINT,)),
}
ACTS_ON = {
    Subject.NONE: "–",
    Subject.COMPLAINT: "a complaint",
    Subject.NOTICE: "a notice (its complaint)",
    Subject.REFUND: "a refund",
    Subject.COMPENSATION: "a special decision (R-10)",
    Subject.TASK: "a task",
    Subject.CUSTOMER: "a customer",
}


def who_may(use: UseCase) -> set[str]:
    """The example's actors the table lets do `use` (pure: the rules on the example)."""
    entry = TABLE[use]
    facts = EXAMPLE[entry.subject]
    return {name for name, actor in ACTORS.items() if entry.rule(actor, facts)}


def markdown(functions: dict[UseCase, list[str]] | None = None) -> str:
    """The table as docs/permissions.md shows it; `functions` names each use case's code."""
    names = list(ACTORS)
    lines = [
        "| use case | acts on | who may | "
        + " | ".join(HEADINGS[n] for n in names)
        + " | function |",
        "|---|---|---|" + "---|" * len(names) + "---|",
    ]
    for use, entry in TABLE.items():
        allowed = who_may(use)
        marks = " | ".join("✓" if n in allowed else "–" for n in names)
        done_by = (
            "(a view: the C-12 masking asks it)"
            if entry.view
            else ", ".join(f"`{f}`" for f in (functions or {}).get(use, [])) or "–"
        )
        lines.append(
            f"| `{use.value}` | {ACTS_ON[entry.subject]} | {entry.who} | {marks} | {done_by} |"
        )
    return "\n".join(lines) + "\n"


def functions_by_use_case() -> dict[UseCase, list[str]]:
    """Every guarded function, by the use case it is (imports every service module)."""
    from services.permissions import registry

    found: dict[UseCase, list[str]] = {}
    for path, (use, _) in sorted(registry.use_cases().items()):
        found.setdefault(use, []).append(path.removeprefix("services."))
    return found


DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
START, END = "<!-- permission table: start -->", "<!-- permission table: end -->"


def in_doc(text: str) -> str:
    """The doc's text with the table between its markers replaced by the current one."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{markdown(functions_by_use_case())}{END}{tail}"
