"""When a partner learns a dispute's outcome: never before its release time (C-12, R-9, K-1).

A plain customer's Monternet dispute is refunded first (R-7(a), executed within 48 hours,
R-13); a special customer's is verified first (R-9), which takes days. If the partner saw
each outcome when it happened, the time from submission to outcome would tell it who is
special. So every dispute gets a release time when it is submitted: `submitted_at` plus
`partners.outcome_release_working_days` working days (services.calendar), and the partner
sees its outcome at max(the outcome's real time, the release time):

- before it, the dispute reads OPEN, with `updatedAt` as before the outcome (its submission),
  in `dispute`, `disputes` and the status filter alike; its `dispute.status_changed` event is
  written with the outcome (by the trigger of migration 0026, or `webhooks.record_status_changed`)
  but stamped with the visible time, due then: the relay does not send it earlier, the
  partner's event log does not list it earlier, and it still follows the dispute's earlier
  events (their order is by id);
- from it, the outcome, with the visible time (the release time when the outcome was earlier).

The default, 6 working days, covers the verify-first path within R-13's limits: verification
within 3 working days (1 for a VIP), then the refund within 3 working days of the amount
being confirmed. An outcome later than that shows at its own time, for a plain customer's
dispute as for a special one's. Changing the threshold changes the release time of disputes
submitted from then on; one already submitted keeps its own. Disputes submitted before the
release time existed (`release_at` NULL) show their outcome as they always did.

The operator's staff and the customer see the refund as it is: only the partner's view waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from services.calendar import service as calendar
from services.errors import InvalidInput
from services.partners.models import DisputeStage, PartnerDispute
from services.thresholds import service as thresholds

RELEASE_WORKING_DAYS = "partners.outcome_release_working_days"
DEFAULT_WORKING_DAYS = 6  # R-13 verify first: 3 working days to verify + 3 to refund
MAX_WORKING_DAYS = 30


def _days(value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_WORKING_DAYS:
        raise InvalidInput(
            f"The release delay is a whole number of working days from 1 to {MAX_WORKING_DAYS}.",
            field="value",
        )


thresholds.register(
    RELEASE_WORKING_DAYS,
    DEFAULT_WORKING_DAYS,
    "Partner API (C-12): a dispute's outcome is shown to the partner no earlier than this many "
    "working days after it was submitted (6 covers R-13's verify first: 3 days to verify, 3 to "
    "refund), so its timing does not tell a special customer (R-9) from another.",
    _days,
)


async def release_at(submitted_at: datetime) -> datetime:
    """The release time of a dispute submitted now, by the threshold in force now."""
    days = int(await thresholds.current(RELEASE_WORKING_DAYS))
    return await calendar.add_working_days(submitted_at, days)


@dataclass(frozen=True)
class Shown:
    """A dispute as the partner sees it at one instant."""

    stage: DisputeStage
    changed_at: datetime  # when its shown stage began: updatedAt, refundedAt, closedAt


def released(dispute: PartnerDispute, at: datetime) -> bool:
    return dispute.release_at is None or dispute.release_at <= at


def shown(dispute: PartnerDispute, at: datetime) -> Shown:
    """What the partner sees of `dispute` at `at`: OPEN since submission until the release
    time, then the outcome, at no earlier than the release time."""
    changed = dispute.stage_changed_at or dispute.created_at
    if dispute.stage is DisputeStage.OPEN:
        return Shown(DisputeStage.OPEN, changed)
    if not released(dispute, at):
        return Shown(DisputeStage.OPEN, dispute.created_at)
    if dispute.release_at is not None and dispute.release_at > changed:
        changed = dispute.release_at
    return Shown(dispute.stage, changed)


def visible_time(dispute_release_at: datetime | None, at: datetime) -> datetime:
    """When an outcome that happened at `at` is shown: never before the release time."""
    if dispute_release_at is not None and dispute_release_at > at:
        return dispute_release_at
    return at


def stage_is(stages: tuple[DisputeStage, ...], at: datetime) -> Q:
    """A filter on the stage the partner sees at `at` (the `status` filter of `disputes`)."""
    due = Q(release_at__isnull=True) | Q(release_at__lte=at)
    either = [
        Q(stage=DisputeStage.OPEN) | Q(release_at__gt=at)
        if stage is DisputeStage.OPEN
        else Q(stage=stage) & due
        for stage in stages
    ]
    return Q(*either, join_type="OR")
