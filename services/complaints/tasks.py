"""A solution broken into tasks (C-8): refund, repair, staff training … each owned and due."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from services.complaints import policy
from services.complaints.locking import locked_for_action
from services.complaints.models import ComplaintEvent, ComplaintTask, Status, TaskKind
from services.complaints.service import now, require_handler
from services.errors import ErrorCode, IllegalTransition, InvalidInput, NotFound
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff.models import Staff


@guarded(UseCase.ADD_TASK)
async def add_task(
    *, actor: Staff, complaint_id: int, kind: TaskKind, title: str, owner_id: int, due_at: datetime
) -> ComplaintTask:
    require_handler(actor)
    if not title.strip():
        raise InvalidInput("title is required.", code=ErrorCode.REQUIRED, field="title")
    if due_at.tzinfo is None:
        raise InvalidInput("dueAt needs a time zone.", field="dueAt")
    owner = await Staff.get_or_none(id=owner_id, is_active=True)
    if owner is None or not policy.can_handle(owner.roles):
        raise NotFound("No active handler has this id.", field="ownerId")
    async with in_transaction():
        complaint = await locked_for_action(complaint_id, actor)
        if complaint.status == Status.ARCHIVED:
            raise IllegalTransition(
                "An archived complaint takes no new tasks.",
                current=complaint.status.value,
                attempted="add_task",
            )
        task = await ComplaintTask.create(
            complaint=complaint,
            kind=kind,
            title=title.strip(),
            owner=owner,
            due_at=due_at,
            created_by=actor,
        )
        await ComplaintEvent.create(
            complaint=complaint,
            actor=actor,
            action="task_added",
            field=f"task:{task.id}",
            to_value=f"{kind.value}: {task.title} → {owner.username}, due {due_at.isoformat()}",
        )
    return task


@guarded(UseCase.COMPLETE_TASK)
async def complete_task(*, actor: Staff, task_id: int, note: str = "") -> ComplaintTask:
    """The task's owner (or whoever may act on the complaint) marks it done."""
    require_handler(actor)
    task = await ComplaintTask.get_or_none(id=task_id)
    if task is None:
        raise NotFound("No task has this id.", field="id")
    async with in_transaction():
        if task.owner_id != actor.id:
            await locked_for_action(task.complaint_id, actor)
        task = await ComplaintTask.select_for_update().get(id=task_id)
        if task.done_at is not None:
            raise IllegalTransition(
                "The task is done already.", current="done", attempted="complete_task"
            )
        task.done_at = now()
        task.done_note = note.strip()
        await task.save(update_fields=["done_at", "done_note"])
        await ComplaintEvent.create(
            complaint_id=task.complaint_id,
            actor=actor,
            action="task_done",
            field=f"task:{task.id}",
            to_value="done",
            reason=task.done_note,
        )
    return task
