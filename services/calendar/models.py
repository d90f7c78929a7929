"""The working-day calendar as data (C-7): only the days that differ from the plain week."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from services.timestamps import DomainDatetimeField


class CalendarYear(Model):
    """A year whose exceptions are stored. A provisional year was computed by rule (statutory
    holidays, no 调休 yet) when a date first needed it; an admin confirms it by storing the
    State Council's schedule, which recomputes the deadlines counted on it."""

    id = fields.IntField(primary_key=True)
    year = fields.SmallIntField(unique=True)
    source = fields.CharField(max_length=64)
    provisional = fields.BooleanField(default=False)
    loaded_at = DomainDatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_years"


class CalendarDay(Model):
    """A public holiday on a weekday (is_workday False) or a weekend made a working day (调休)."""

    day = fields.DateField(primary_key=True)
    is_workday = fields.BooleanField()
    name = fields.CharField(max_length=64, default="")

    class Meta:
        table = "calendar_days"
