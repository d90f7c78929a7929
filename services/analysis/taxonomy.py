"""The root-cause taxonomy (C-11): a maintained list an admin edits, and the root cause each
resolved complaint records, checked before the database and again inside the transaction."""

from __future__ import annotations

import re
from datetime import datetime

from tortoise.transactions import in_transaction

from services import clock
from services.analysis import rectification
from services.analysis.models import CauseGroup, ComplaintRootCause, RootCause
from services.complaints.models import Complaint, ComplaintEvent
from services.errors import ErrorCode, InvalidInput, NotFound
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Department, Staff

CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
FIELD = "rootCause"

# shipped with the service; an admin renames, re-owns, retires or adds to them
DEFAULTS: tuple[tuple[str, str, CauseGroup], ...] = (
    ("network_coverage", "网络覆盖不足", CauseGroup.NETWORK),
    ("network_outage", "网络故障中断", CauseGroup.NETWORK),
    ("billing_system_error", "计费系统差错", CauseGroup.BILLING_SYSTEM),
    ("sp_unauthorised_order", "合作方违规订购", CauseGroup.PARTNER_SP),
    ("sp_service_failure", "合作方服务问题", CauseGroup.PARTNER_SP),
    ("staff_attitude", "员工服务态度", CauseGroup.STAFF),
    ("staff_handling_error", "员工业务差错", CauseGroup.STAFF),
    ("process_gap", "流程缺陷", CauseGroup.PROCESS),
    ("product_rule_unclear", "产品规则不清或不合理", CauseGroup.PRODUCT_RULE),
    ("customer_misunderstanding", "客户误解", CauseGroup.CUSTOMER_SIDE),
    ("other", "其他", CauseGroup.OTHER),
)


def check_code(code: str | None, *, required: bool = False) -> str | None:
    """The root-cause code as given, checked for form before the database (None: none given)."""
    value = (code or "").strip()
    if not value:
        if required:
            raise InvalidInput("rootCause is required.", code=ErrorCode.REQUIRED, field=FIELD)
        return None
    if not CODE.match(value):
        raise InvalidInput(
            "rootCause is a code of the root-cause taxonomy: lower-case letters, digits and _, "
            "2 to 32 characters (see `rootCauses`).",
            field=FIELD,
        )
    return value


async def ensure_defaults() -> None:
    """Store the shipped taxonomy once; entries an admin changed are left as they are."""
    await RootCause.bulk_create(
        [RootCause(code=c, name=n, group=g) for c, n, g in DEFAULTS], ignore_conflicts=True
    )


@guarded(UseCase.READ_ROOT_CAUSES)
async def read_root_causes(*, actor: Staff, include_retired: bool = False) -> list[RootCause]:
    """The taxonomy as a resolution may name it (C-11), for any member of staff."""
    return await taxonomy(include_retired=include_retired)


async def taxonomy(*, include_retired: bool = False) -> list[RootCause]:
    if not await RootCause.exists():
        await ensure_defaults()
    rows = RootCause.all() if include_retired else RootCause.filter(active=True)
    return await rows.order_by("group", "code")


async def cause_by_code(code: str) -> RootCause:
    """An active cause of the taxonomy, or a typed refusal naming the field."""
    cause = await RootCause.get_or_none(code=code)
    if cause is None and code in {c for c, _, _ in DEFAULTS}:
        await ensure_defaults()
        cause = await RootCause.get_or_none(code=code)
    if cause is None:
        raise NotFound(f"No root cause has the code {code!r} (see `rootCauses`).", field=FIELD)
    if not cause.active:
        raise InvalidInput(f"The root cause {code!r} is retired; choose another.", field=FIELD)
    return cause


async def record_root_cause(
    *, complaint: Complaint, code: str, actor: Staff, at: datetime | None = None
) -> ComplaintRootCause:
    """C-11: the root cause of a complaint being resolved, inside the resolve transaction.

    A re-resolution (after a reopening) replaces the earlier cause. A-3: the third complaint
    of one cause on one matter in a month opens a rectification and puts the matter under
    supervised handling (C-10).
    """
    checked = check_code(code, required=True)
    assert checked is not None
    cause = await cause_by_code(checked)
    at = at or clock.now()
    department_id = cause.department_id or complaint.department_id
    async with in_transaction():
        row = await ComplaintRootCause.get_or_none(complaint_id=complaint.id)
        before = ""
        if row is None:
            row = await ComplaintRootCause.create(
                complaint_id=complaint.id,
                cause_id=cause.id,
                department_id=department_id,
                matter_key=complaint.matter_key,
                recorded_by=actor,
                recorded_at=at,
            )
        else:
            before = (await RootCause.get(id=row.cause_id)).code
            row.cause_id, row.department_id = cause.id, department_id
            row.matter_key, row.recorded_by_id, row.recorded_at = complaint.matter_key, actor.id, at
            row.fixed_at = None
            await row.save()
        await ComplaintEvent.create(
            complaint_id=complaint.id,
            actor=actor,
            action="root_cause_recorded",
            field="root_cause",
            from_value=before,
            to_value=cause.code,
            reason=f"{cause.name} (C-11)",
        )
        await rectification.after_root_cause(row, cause=cause, actor=actor)
    return row


@guarded(UseCase.SAVE_ROOT_CAUSE)
async def save_root_cause(
    *,
    actor: Staff,
    code: str,
    name: str,
    group: CauseGroup,
    department_code: str = "",
    active: bool = True,
) -> RootCause:
    """An admin adds a root cause, or renames, re-owns, retires or restores one."""
    checked = check_code(code, required=True)
    assert checked is not None
    if not name.strip():
        raise InvalidInput("name is required.", code=ErrorCode.REQUIRED, field="name")
    department = None
    if department_code.strip():
        department = await Department.get_or_none(code=department_code.strip())
        if department is None:
            raise NotFound("No department has this code.", field="departmentCode")
    await taxonomy()
    async with in_transaction():
        row, created = await RootCause.get_or_create(
            code=checked,
            defaults={
                "name": name.strip(),
                "group": group,
                "department": department,
                "active": active,
            },
        )
        if not created:
            row.name, row.group, row.active = name.strip(), group, active
            row.department_id = department.id if department else None
            await row.save()
    return row
