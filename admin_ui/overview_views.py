"""The overview: complaints by category and by warning colour over the months, deadline
compliance, refunds by approval band, as charts with their numbers beside them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui import i18n, stats
from admin_ui.auth import console_page
from admin_ui.charts import Series, stacked_bars
from admin_ui.rendering import render
from services.complaints.models import Category, WarningColour
from services.refunds import clock
from services.refunds.bands import HIGHEST_BAND
from services.staff.models import Staff

PERIODS = (3, 6, 12)
BAND_DAYS = 90


def _table(labels: list[str], series: list[Series]) -> dict[str, Any]:
    return {
        "headers": [s.name for s in series],
        "rows": [(label, [s.values[i] for s in series]) for i, label in enumerate(labels)],
    }


def _chart(title: str, labels: list[str], series: list[Series], empty: str) -> dict[str, Any]:
    return {
        "title": title,
        "svg": stacked_bars(labels, series, title=title, empty=empty),
        "table": _table(labels, series),
    }


@console_page
async def overview(request: Request, staff: Staff) -> Response:
    locale = i18n.locale_for(request)
    raw = request.query_params.get("months", "6")
    months = int(raw) if raw.isdigit() and int(raw) in PERIODS else 6
    now = clock.now()
    firsts = stats.months_back(clock.local_date(now), months)
    since = clock.local_midnight(firsts[0])
    keys = [f"{m:%Y-%m}" for m in firsts]
    labels = [i18n.short_month(m, locale) for m in firsts]
    empty = i18n._("chart.empty", locale)

    by_category = await stats.complaints_by("category", since)
    categories = [
        Series(
            i18n.label("category", c.value, locale),
            f"c{n}",
            [by_category.get(k, {}).get(c.value, 0) for k in keys],
        )
        for n, c in enumerate(Category)
    ]
    by_colour = await stats.complaints_by("warning_colour", since)
    colours = [
        Series(
            i18n.label("colour", c.value, locale),
            c.value,
            [by_colour.get(k, {}).get(c.value, 0) for k in keys],
        )
        for c in WarningColour
    ]
    compliance = []
    for name, counts in (
        ("complaint", await stats.deadline_compliance(since, now)),
        ("refund", await stats.refund_execution_compliance(since)),
    ):
        compliance.append(
            _chart(
                i18n._(f"overview.compliance.{name}", locale),
                labels,
                [
                    Series(
                        i18n._(f"overview.{state}", locale),
                        state,
                        [counts.get(k, {}).get(state, 0) for k in keys],
                    )
                    for state in ("on_time", "late")
                ],
                empty,
            )
        )
    bands = await stats.refunds_by_band(now - timedelta(days=BAND_DAYS))
    band_labels = [i18n._("overview.band", locale, band=b) for b in range(HIGHEST_BAND + 1)]
    band_count = [
        Series(
            i18n._("overview.refunds", locale),
            "c0",
            [bands.get(b, (0, 0))[0] for b in range(HIGHEST_BAND + 1)],
        )
    ]
    band_yuan = [
        Series(
            i18n._("overview.yuan", locale),
            "c1",
            [bands.get(b, (0, 0))[1] / 100 for b in range(HIGHEST_BAND + 1)],
        )
    ]
    charts = [
        _chart(i18n._("overview.by_category", locale), labels, categories, empty),
        _chart(i18n._("overview.by_colour", locale), labels, colours, empty),
        *compliance,
        _chart(
            i18n._("overview.paid_count", locale, days=BAND_DAYS), band_labels, band_count, empty
        ),
        _chart(i18n._("overview.paid_yuan", locale, days=BAND_DAYS), band_labels, band_yuan, empty),
    ]
    context = {
        "staff": staff,
        "nav": "overview",
        "charts": charts,
        "months": months,
        "periods": PERIODS,
    }
    return render(request, "overview.html", context)


routes = [Route("/overview", overview, name="overview")]
