"""The K-1 settings page: the thresholds as plain numbers, and the recompute of every stored
risk profile that a change sets going, with its progress (services.refunds.risk_recompute)."""

from __future__ import annotations

from typing import Any

from admin_ui import i18n
from admin_ui.config_groups import NumberGroup
from admin_ui.rendering import localtime
from services.refunds import risk_recompute
from services.refunds.risk_models import RecomputeStatus


class RiskGroup(NumberGroup):
    template = "config/fields_risk.html"

    async def fields_context(self, current: dict[str, Any], locale: str) -> dict[str, Any]:
        context = await super().fields_context(current, locale)
        return {**context, "recompute": recompute_status(await risk_recompute.progress(), locale)}

    async def after_save(self) -> None:
        """The stored profiles follow the new numbers: the worker recomputes them."""
        await risk_recompute.start()


def recompute_status(progress: risk_recompute.Progress, locale: str) -> dict[str, Any]:
    """What the page says about the recompute: a line, and a meter while one has run."""
    run = progress.run
    if progress.waiting_version is not None:
        line = i18n._("config.risk.recompute.waiting", locale, version=progress.waiting_version)
    elif run is None:
        line = i18n._("config.risk.recompute.none", locale)
    else:
        line = i18n._(
            f"config.risk.recompute.{run.status.value}",
            locale,
            version=run.threshold_version,
            done=run.done,
            total=run.total,
            percent=progress.percent,
            batches=run.batches,
            changed=run.changed,
            started=localtime(run.started_at),
            finished=localtime(run.finished_at),
        )
    return {
        "line": line,
        "percent": progress.percent if run is not None else None,
        "done": run is not None and run.status is RecomputeStatus.DONE,
    }
