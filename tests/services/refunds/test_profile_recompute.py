"""K-1 threshold change: the stored risk profiles are recomputed by a worker job in batches,
resumable from the run's progress in PostgreSQL, shown on the console's K-1 page; a change
reaches a customer's stored profile without a new refund."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx

from services import clock, scheduling
from services.config import settings
from services.refunds import limits, risk_profiles, risk_recompute
from services.refunds.models import RiskProfile
from services.refunds.policy import DEFAULT_RISK_THRESHOLDS
from services.refunds.risk_models import RecomputeStatus, RiskRecomputeRun
from services.staff.models import Role, Staff
from services.thresholds import service as thresholds
from tests import factories as f
from tests.admin_ui.conftest import Console, http, text_of  # noqa: F401  (http: a fixture)
from tests.services.refunds.worker_runs import run_worker
from workers.queue import ArqScheduler

SH = ZoneInfo("Asia/Shanghai")


async def change_k1(admin: Staff, **numbers: int) -> None:
    value = asdict(replace(DEFAULT_RISK_THRESHOLDS, **numbers))
    await thresholds.change(
        key=limits.RISK, value=value, reason="省公司通知", changed_by_id=admin.id
    )


async def stale_profiles(n: int) -> list[int]:
    """Customers stored as special with no refund behind it: any recompute takes them off."""
    ids = []
    for _ in range(n):
        customer = await f.customer()
        await RiskProfile.create(
            customer=customer,
            special=True,
            since=date(2026, 3, 1),
            leaves_on=date(2026, 7, 1),
            triggered_by=["count_in_month"],
            computed_on=date(2026, 3, 1),
        )
        ids.append(customer.id)
    return ids


async def test_k1_a_threshold_change_reaches_a_stored_profile_without_a_new_refund():
    clock.freeze(datetime(2026, 3, 10, 10, tzinfo=SH))
    handler, admin = await f.staff(Role.HANDLER), await f.staff(Role.ADMIN)
    customer = await f.customer(credit_standing="good")
    for _ in range(2):  # two counted refunds of 20 yuan this month: not special (3 needed)
        refund = await f.refund(handler, request=f.goodwill_request(2000), cust=customer)
        await f.executed_refund(handler, refund)
    assert not (await RiskProfile.get(customer_id=customer.id)).special

    await change_k1(admin, count_in_month=2)
    run = await risk_recompute.start()
    assert run is not None
    await risk_recompute.run_job(run.id)

    stored = await RiskProfile.get(customer_id=customer.id)
    assert (stored.special, stored.since, stored.triggered_by) == (
        True,
        date(2026, 3, 10),
        ["count_in_month"],
    )
    assert (await risk_profiles.current(customer)).special
    await run.refresh_from_db()
    assert (run.status, run.done, run.total, run.changed) == (RecomputeStatus.DONE, 1, 1, 1)


async def test_k1_the_recompute_runs_in_batches_and_resumes_from_its_cursor(monkeypatch):
    admin = await f.staff(Role.ADMIN)
    ids = await stale_profiles(7)
    monkeypatch.setattr(risk_recompute, "BATCH", 3)
    await change_k1(admin, month_sum_fen=20000)
    run = await risk_recompute.start()
    assert run is not None

    sliced = await risk_recompute.run_job(run.id, budget_seconds=0)  # one batch, then "killed"

    assert (sliced.status, sliced.done, sliced.total, sliced.last_customer_id) == (
        RecomputeStatus.RUNNING,
        3,
        7,
        ids[2],
    )
    specials = await RiskProfile.filter(special=True).values_list("customer_id", flat=True)
    assert sorted(specials) == ids[3:]  # the rest not touched yet
    assert await risk_recompute.sweep() == 1  # the minute sweep queues the run again

    done = await risk_recompute.run_job(run.id)

    assert (done.status, done.done, done.batches, done.changed) == (RecomputeStatus.DONE, 7, 3, 7)
    assert not await RiskProfile.filter(special=True).exists()
    assert await risk_recompute.run_job(run.id) == done  # running it again changes nothing


async def test_k1_a_newer_change_supersedes_the_running_recompute():
    admin = await f.staff(Role.ADMIN)
    await stale_profiles(2)
    await change_k1(admin, count_in_month=4)
    first = await risk_recompute.start()
    await change_k1(admin, count_in_month=5)

    second = await risk_recompute.sweep()  # the minute sweep finds the newer version

    assert first is not None and second == 1
    await first.refresh_from_db()
    assert first.status is RecomputeStatus.SUPERSEDED
    newer = await RiskRecomputeRun.get(threshold_version=2)
    assert (await risk_recompute.run_job(first.id)).done == 0  # the old job stops at once
    assert (await risk_recompute.run_job(newer.id)).status is RecomputeStatus.DONE


async def test_k1_nothing_is_recomputed_while_the_thresholds_were_never_changed():
    await stale_profiles(1)

    assert await risk_recompute.start() is None
    assert await risk_recompute.sweep() == 0
    assert await RiskProfile.filter(special=True).count() == 1


async def test_k1_the_console_k1_page_shows_the_recompute_progress(
    http: httpx.AsyncClient,  # noqa: F811
):
    admin = await Console(http).sign_in(await f.staff(Role.ADMIN))
    await stale_profiles(3)
    form = {
        "count_in_month": "2",
        "month_sum": "100",
        "three_month_sum": "100",
        "quiet_months": "3",
        "reason": "省公司通知",
        "action": "save",
    }

    saved = await admin.post("/admin/config/risk", form)
    queued = text_of((await admin.get("/admin/config/risk")).text)
    run = await RiskRecomputeRun.get(threshold_version=1)  # the save started it
    await risk_recompute.run_job(run.id)
    finished = text_of((await admin.get("/admin/config/risk")).text)

    assert saved.status_code == 303
    assert "正在按 v1 重算：0 / 3 个客户（0%）" in queued
    assert "已按 v1 重算完毕：3 个客户，3 个客户进出特殊客户名单" in finished


async def test_k1_the_worker_recomputes_the_stored_profiles_after_a_change(wall_clock, redis):
    admin = await f.staff(Role.ADMIN)
    await stale_profiles(2)
    await change_k1(admin, count_in_month=4)  # changed outside the console: the sweep finds it

    queue = await ArqScheduler.connect(settings.redis_url)
    scheduling.install(queue)
    try:
        await run_worker(with_cron=True)  # the minute sweep starts the run and queues its job
        await run_worker(with_cron=False)  # the job
    finally:
        scheduling.install(None)
        await queue.close()

    run = await RiskRecomputeRun.get(threshold_version=1)
    assert (run.status, run.done) == (RecomputeStatus.DONE, 2)
    assert not await RiskProfile.filter(special=True).exists()
