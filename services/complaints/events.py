"""What the complaint package publishes (services.events) for the packages above it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.complaints.lifecycle import CustomerNotice
    from services.complaints.models import Complaint, Deadline
    from services.staff.models import Staff


@dataclass(frozen=True)
class StepTaken:
    """A life-cycle action was taken (lifecycle.ROWS): the customer notices it sends (each
    written by the notices package) and those it withdraws (pending ones cancelled); what the
    use case knew in `context` (the root cause of a resolution, for the analysis)."""

    complaint: Complaint
    action: str
    sends: tuple[CustomerNotice, ...]
    withdraws: tuple[CustomerNotice, ...]
    at: datetime
    actor: Staff | None = None
    created: tuple[Deadline, ...] = ()  # the deadlines the action started
    context: Mapping[str, Any] = field(default_factory=dict)
