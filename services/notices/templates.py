"""The texts customers get (R-14, C-7, C-9), stored as versioned templates an admin may edit.

A template is Chinese text with named placeholders, `{matter}`. Each kind allows a fixed set
of placeholders and requires some of them (R-14's amount and date, C-7's cause, solution and
prevention): a text naming an unknown placeholder, or missing a required one, is refused when
it is saved, never when a customer's notice is rendered. The shipped text of a kind is stored
as version 1 the first time the kind is used; each edit is a new version, with who and why.
"""

from __future__ import annotations

import string
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from services import clock
from services.errors import ErrorCode, InvalidInput, PermissionDenied
from services.notices.models import NoticeTemplate
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Role, Staff
from services.thresholds import service as thresholds


class TemplateKind(StrEnum):
    REFUND_EXECUTED = "refund_executed"
    COMPLAINT_ACKNOWLEDGED = "complaint_acknowledged"  # C-7 "investigation started"
    PLAN_EXTENDED = "plan_extended"  # C-7, told before the plan deadline
    RESULT_FEEDBACK = "result_feedback"  # C-7 cause, solution, prevention
    REVISIT_INVITATION = "revisit_invitation"  # C-7, when the revisit window opens
    PROMISE_CONFIRMED = "promise_confirmed"  # C-9 a promise or compensation, in writing
    REFUND_STOPPED = "refund_stopped"  # verification found nothing due before execution
    COMPENSATION_CONFIRMED = "compensation_confirmed"  # C-9, R-10 a compensation, in writing


@dataclass(frozen=True)
class Spec:
    allowed: frozenset[str]
    required: frozenset[str]
    default: str


_COMPLAINT = frozenset({"matter", "complaint_no", "signature"})
SPECS: dict[TemplateKind, Spec] = {
    TemplateKind.REFUND_EXECUTED: Spec(
        allowed=frozenset({"matter", "yyyy", "mm", "dd", "amount", "signature"}),
        required=frozenset({"matter", "yyyy", "mm", "dd", "amount"}),
        # R-14, word for word
        default=(
            "尊敬的客户,您反映的{matter}问题,已于{yyyy}年{mm}月{dd}日对您完成退费处理,"
            "退费金额{amount}元,感谢您的支持与关注。{signature}"
        ),
    ),
    TemplateKind.COMPLAINT_ACKNOWLEDGED: Spec(
        allowed=_COMPLAINT | {"plan_due"},
        required=frozenset({"matter"}),
        default=(
            "尊敬的客户,您反映的{matter}问题我们已受理(受理编号{complaint_no}),现已开始调查处理,"
            "将于{plan_due}前向您反馈初步处理方案。{signature}"
        ),
    ),
    TemplateKind.PLAN_EXTENDED: Spec(
        allowed=_COMPLAINT | {"plan_due"},
        required=frozenset({"matter", "plan_due"}),
        default=(
            "尊敬的客户,您反映的{matter}问题(受理编号{complaint_no})情况较为复杂,仍在核查中,"
            "处理方案将延至{plan_due}前向您反馈,给您带来不便,敬请谅解。{signature}"
        ),
    ),
    TemplateKind.RESULT_FEEDBACK: Spec(
        allowed=_COMPLAINT | {"cause", "solution", "prevention"},
        required=frozenset({"matter", "cause", "solution", "prevention"}),
        default=(
            "尊敬的客户,您反映的{matter}问题(受理编号{complaint_no})已处理完毕。原因:{cause};"
            "处理结果:{solution};改进措施:{prevention}。感谢您的支持与关注。{signature}"
        ),
    ),
    TemplateKind.REVISIT_INVITATION: Spec(
        allowed=_COMPLAINT,
        required=frozenset({"matter"}),
        default=(
            "尊敬的客户,您反映的{matter}问题(受理编号{complaint_no})已处理完毕,近日我们将与您"
            "联系回访,听取您对处理结果的意见,感谢您的支持。{signature}"
        ),
    ),
    TemplateKind.PROMISE_CONFIRMED: Spec(
        allowed=_COMPLAINT | {"promise", "due"},
        required=frozenset({"promise", "due"}),
        default=(
            "尊敬的客户,关于您反映的{matter}问题(受理编号{complaint_no}),我们向您承诺:"
            "{promise},将于{due}前兑现。{signature}"
        ),
    ),
    TemplateKind.REFUND_STOPPED: Spec(
        allowed=frozenset({"matter", "cause", "signature"}),
        required=frozenset({"matter"}),
        default=(
            "尊敬的客户,您反映的{matter}问题经核查:{cause},本次不予退费。如有疑问,请与我们"
            "联系,感谢您的支持与关注。{signature}"
        ),
    ),
    TemplateKind.COMPENSATION_CONFIRMED: Spec(
        allowed=_COMPLAINT | {"compensation", "amount"},
        required=frozenset({"compensation", "amount"}),
        default=(
            "尊敬的客户,关于您反映的{matter}问题(受理编号{complaint_no}),我们为您办理了补偿:"
            "{compensation},价值{amount}元,特此书面确认。{signature}"
        ),
    ),
}


def placeholders(body: str) -> set[str]:
    """The named placeholders of a text; refuses positional, indexed or formatted ones."""
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        raise InvalidInput(
            "The text has an unmatched { or }; write {{ or }} for a literal brace.", field="body"
        ) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise InvalidInput(
                f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} "
                "is not a placeholder: write a plain name such as {matter}.",
                field="body",
            )
        names.add(name)
    return names


def _braced(names: list[str]) -> str:
    return ", ".join("{" + n + "}" for n in names)


def check(kind: TemplateKind, body: str) -> None:
    """Refuse a text that names an unknown placeholder or misses a required one."""
    if not body.strip():
        raise InvalidInput("The text is required.", code=ErrorCode.REQUIRED, field="body")
    spec = SPECS[kind]
    used = placeholders(body)
    unknown = sorted(used - spec.allowed)
    if unknown:
        raise InvalidInput(
            f"Unknown placeholder(s) {_braced(unknown)}; "
            f"a {kind.value} text may use {_braced(sorted(spec.allowed))}.",
            field="body",
        )
    missing = sorted(spec.required - used)
    if missing:
        raise InvalidInput(
            f"A {kind.value} text must contain {_braced(missing)}.",
            field="body",
        )


def render(body: str, values: Mapping[str, str]) -> str:
    return body.format_map(values)


for _kind, _spec in SPECS.items():  # the shipped texts obey their own rules
    check(_kind, _spec.default)


CACHE_SECONDS = 3.0  # how long another process may go on using a text an admin replaced
_MEMO = "notices.templates"


async def current(kind: TemplateKind) -> NoticeTemplate:
    """The version in use; the shipped text becomes version 1 the first time a kind is used.

    Kept per process for CACHE_SECONDS (and until any threshold changes): a version row never
    changes, only which one is the newest; `save` forgets it at once in its own process."""
    memo = await thresholds.memo(_MEMO)
    cached = memo.get(kind)
    if cached is not None and time.monotonic() - cached[1] < CACHE_SECONDS:
        return cast(NoticeTemplate, cached[0])
    row = await _newest(kind)
    memo[kind] = (row, time.monotonic())
    return row


async def _newest(kind: TemplateKind) -> NoticeTemplate:
    row = await NoticeTemplate.filter(kind=kind.value).order_by("-version").first()
    if row is not None:
        return row
    conn = Tortoise.get_connection("default")
    await conn.execute_query(
        'INSERT INTO "notice_templates" ("kind", "version", "body", "reason", "created_at") '
        "VALUES ($1, 1, $2, 'shipped text', $3) ON CONFLICT DO NOTHING",
        [kind.value, SPECS[kind].default, clock.now()],
    )
    stored = await NoticeTemplate.filter(kind=kind.value).order_by("-version").first()
    assert stored is not None  # inserted just now, or by someone else a moment ago
    return stored


async def all_current() -> list[NoticeTemplate]:
    return [await current(kind) for kind in TemplateKind]


@guarded(UseCase.SAVE_NOTICE_TEMPLATE)
async def save(*, actor: Staff, kind: TemplateKind, body: str, reason: str) -> NoticeTemplate:
    """An admin edits a text: checked, then stored as the next version, with who and why."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only an admin may change the customers' notice texts.")
    check(kind, body)
    if not reason.strip():
        raise InvalidInput("Say why the text changes.", code=ErrorCode.REQUIRED, field="reason")
    await _newest(kind)
    async with in_transaction():
        last = await (
            NoticeTemplate.filter(kind=kind.value).select_for_update().order_by("-version").first()
        )
        saved = await NoticeTemplate.create(
            kind=kind.value,
            version=(last.version + 1) if last else 1,
            body=body,
            reason=reason.strip(),
            changed_by=actor,
        )
    (await thresholds.memo(_MEMO)).pop(kind, None)
    return saved
