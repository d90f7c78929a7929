"""Thresholds: defaults, versions, validation, and a change seen by every process."""

from __future__ import annotations

import pytest

from services.errors import InvalidInput, NotFound
from services.staff.models import Role
from services.thresholds import service as thresholds
from services.thresholds.models import ThresholdVersion
from tests import factories as f

KEY = "test.window_minutes"
thresholds.register(KEY, 60, "a test window", thresholds.positive_int)


async def test_a_threshold_without_versions_has_its_shipped_default():
    assert await thresholds.current(KEY) == 60


async def test_each_change_is_a_new_version_with_who_and_why():
    admin = await f.staff(Role.ADMIN)

    await thresholds.change(key=KEY, value=90, reason="节假日高峰", changed_by_id=admin.id)
    await thresholds.change(key=KEY, value=30, reason="恢复", changed_by_id=admin.id)

    rows = await ThresholdVersion.filter(key=KEY).order_by("version")
    assert [(r.version, r.value, r.reason) for r in rows] == [
        (1, 90, "节假日高峰"),
        (2, 30, "恢复"),
    ]
    assert await thresholds.current(KEY) == 30


async def test_a_bad_value_or_missing_reason_changes_nothing():
    with pytest.raises(InvalidInput):
        await thresholds.change(key=KEY, value=-5, reason="x", changed_by_id=None)
    with pytest.raises(InvalidInput):
        await thresholds.change(key=KEY, value=5, reason=" ", changed_by_id=None)
    with pytest.raises(NotFound):
        await thresholds.change(key="no.such", value=5, reason="x", changed_by_id=None)

    assert await ThresholdVersion.all().count() == 0


async def test_a_change_made_elsewhere_is_seen_within_the_cache_window(monkeypatch):
    assert await thresholds.current(KEY) == 60
    # another process writes a version directly
    await ThresholdVersion.create(key=KEY, version=1, value=15, reason="elsewhere")
    monkeypatch.setattr(thresholds, "CACHE_SECONDS", 0.0)

    assert await thresholds.current(KEY) == 15
