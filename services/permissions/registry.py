"""Every use case of the service, by "module.function": the use case of the permission table it
is, and the function. Guarded functions register themselves (guard.REGISTRY) when their module
is imported; the C-7 timekeeping steps check the same table inside (`locked_for_action`)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from services.permissions.guard import REGISTRY
from services.permissions.table import UseCase

MODULES = (
    "services.assist.service",
    "services.analysis.kpis",
    "services.analysis.rectification",
    "services.analysis.taxonomy",
    "services.audit.calendar_changes",
    "services.audit.samples",
    "services.audit.service",
    "services.complaints.inbox",
    "services.complaints.matters",
    "services.complaints.reads",
    "services.complaints.service",
    "services.complaints.tasks",
    "services.complaints.timekeeping",
    "services.notices.service",
    "services.notices.templates",
    "services.refunds.approvals",
    "services.refunds.changes",
    "services.refunds.compensation_service",
    "services.refunds.execution",
    "services.refunds.reads",
    "services.refunds.service",
    "services.refunds.special_compensation",
    "services.staff.directory",
    "services.staff.service",
    "services.thresholds.changes",
)

# checked by services.complaints.locking.locked_for_action with the table's `handles` rule
CHECKED_INSIDE = {
    "services.complaints.timekeeping.pause_clock": UseCase.PAUSE_CLOCK,
    "services.complaints.timekeeping.resume_clock": UseCase.RESUME_CLOCK,
    "services.complaints.timekeeping.extend_plan_deadline": UseCase.EXTEND_PLAN_DEADLINE,
    "services.complaints.timekeeping.record_promise": UseCase.RECORD_PROMISE,
    "services.complaints.timekeeping.keep_promise": UseCase.KEEP_PROMISE,
    "services.complaints.timekeeping.record_result_told": UseCase.RECORD_RESULT_TOLD,
}


def use_cases() -> dict[str, tuple[UseCase, Callable[..., Awaitable[Any]]]]:
    """Every use case function, each with the use case the table decides it by."""
    for name in MODULES:
        importlib.import_module(name)
    found = dict(REGISTRY)
    for path, use in CHECKED_INSIDE.items():
        module, _, function = path.rpartition(".")
        found[path] = (use, getattr(importlib.import_module(module), function))
    return found
