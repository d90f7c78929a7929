"""Samples for human review (A-1): draw one, draw it again identically, record verdicts.

The population is the refunds executed in a period (operator's dates, both ends included),
in id order. Method, seed, period and size are stored; sampling.py is deterministic, so the
same stored sample drawn again gives the same refunds while the population is unchanged, and
the stored digest says whether it changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from services.audit import sampling
from services.audit.models import AuditSample, SampleItem, SampleMethod, Verdict
from services.audit.service import NOTE_MAX, record_finding, require_auditor
from services.errors import Conflict, InvalidInput, NotFound
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.refunds import clock
from services.refunds.models import Refund, RefundStatus
from services.staff.models import Staff

MAX_SEED = 10**12
MAX_PERIOD_DAYS = 366


async def population(first: date, last: date) -> list[sampling.Unit]:
    """Refunds executed from `first` to `last` (inclusive, operator's dates), in id order."""
    rows = (
        await Refund.filter(
            status=RefundStatus.EXECUTED,
            executed_at__gte=clock.local_midnight(first),
            executed_at__lt=clock.local_midnight(last + timedelta(days=1)),
        )
        .order_by("id")
        .values_list("id", "refund_fen", "band", "special_customer")
    )
    return [sampling.Unit(int(i), int(fen), int(band), bool(sp)) for i, fen, band, sp in rows]


def _period(first: date, last: date) -> None:
    if last < first:
        raise InvalidInput("The period ends before it starts.", field="period")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(f"A period is at most {MAX_PERIOD_DAYS} days.", field="period")


@guarded(UseCase.DRAW_SAMPLE)
async def draw_sample(
    *,
    actor: Staff,
    method: SampleMethod,
    first: date,
    last: date,
    size: int,
    seed: int | None = None,
    note: str = "",
) -> AuditSample:
    """Draw and store a sample; without a seed one is chosen (and stored) at random."""
    require_auditor(actor)
    method = SampleMethod(method)
    _period(first, last)
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    if isinstance(seed, bool) or not 0 <= seed < MAX_SEED:
        raise InvalidInput(f"The seed is a whole number from 0 to {MAX_SEED - 1}.", field="seed")
    units = await population(first, last)
    drawn = sampling.draw(method.value, units, size=size, seed=seed)
    async with in_transaction():
        sample = await AuditSample.create(
            method=method,
            seed=seed,
            parameters={
                "first": first.isoformat(),
                "last": last.isoformat(),
                "size": size,
                **drawn.details,
            },
            population_count=drawn.population_count,
            population_fen=drawn.population_fen,
            population_digest=drawn.digest,
            refund_ids=drawn.refund_ids,
            note=note.strip()[:NOTE_MAX],
            created_by=actor,
        )
        await SampleItem.bulk_create(
            [
                SampleItem(
                    sample=sample,
                    refund_id=pick.refund_id,
                    position=position,
                    stratum=pick.stratum,
                    hits=pick.hits,
                )
                for position, pick in enumerate(drawn.picks, start=1)
            ]
        )
    return sample


@dataclass(frozen=True)
class Redraw:
    refund_ids: list[int]
    same_refunds: bool
    same_population: bool


async def redraw(sample_id: int) -> Redraw:
    """Draw a stored sample again from its method, seed and parameters; compare."""
    sample = await AuditSample.get_or_none(id=sample_id)
    if sample is None:
        raise NotFound("No sample has this id.", field="id")
    first = date.fromisoformat(sample.parameters["first"])
    last = date.fromisoformat(sample.parameters["last"])
    units = await population(first, last)
    drawn = sampling.draw(
        sample.method.value, units, size=int(sample.parameters["size"]), seed=sample.seed
    )
    return Redraw(
        refund_ids=drawn.refund_ids,
        same_refunds=drawn.refund_ids == list(sample.refund_ids),
        same_population=drawn.digest == sample.population_digest,
    )


@guarded(UseCase.RECORD_VERDICT)
async def record_verdict(
    *,
    actor: Staff,
    item_id: int,
    verdict: Verdict,
    note: str,
    rule: str | None = None,
    responsible_id: int | None = None,
) -> SampleItem:
    """The auditor's verdict and note on a sampled refund; a non-compliant one cites a rule and
    becomes a finding with a correction task (A-2)."""
    require_auditor(actor)
    verdict = Verdict(verdict)
    if verdict is Verdict.PENDING:
        raise InvalidInput("Say whether the refund complies.", field="verdict")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"The note is at most {NOTE_MAX} characters.", field="note")
    if verdict is Verdict.NONCOMPLIANT and not note.strip():
        raise InvalidInput("Say what is wrong.", field="note")
    async with in_transaction():
        item = await SampleItem.select_for_update().get_or_none(id=item_id)
        if item is None:
            raise NotFound("No sampled refund has this id.", field="item")
        if item.verdict is not Verdict.PENDING:
            raise Conflict(f"This refund has a verdict already ({item.verdict.value}).")
        item.verdict, item.note = verdict, note.strip()
        item.reviewed_by, item.reviewed_at = actor, clock.now()
        await item.save()
        if verdict is Verdict.NONCOMPLIANT:
            await record_finding(
                actor=actor,
                refund_id=item.refund_id,
                rule=rule or "",
                note=note,
                responsible_id=responsible_id,
                sample_item_id=item.id,
            )
    return item
