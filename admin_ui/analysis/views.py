"""/analysis: the month's analysis (C-11) with charts, tables and KPI definitions as tooltips;
its CSV and Excel files; a printable page an office can file (print CSS, PDF by the browser)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui import i18n
from admin_ui.analysis import exports, rectifications, root_causes
from admin_ui.analysis.tables import Percent, Table, tables
from admin_ui.auth import console_page
from admin_ui.calendar_forms import month_of, shift_month
from admin_ui.charts import Series, stacked_bars
from admin_ui.rendering import render
from services.analysis import kpis
from services.analysis.kpis import MonthlyAnalysis
from services.refunds import clock
from services.staff.models import Department, Staff


class Filters:
    """The month, region and department the page, its files and its print view are for."""

    def __init__(self, request: Request):
        params = request.query_params
        self.month = month_of(params.get("month", ""), clock.local_date(clock.now()))
        self.region = params.get("region", "").strip()[:32]
        raw = params.get("department", "")
        self.department_id = int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None

    def query(self, month: date | None = None) -> str:
        parts = [f"month={(month or self.month):%Y-%m}"]
        if self.region:
            from urllib.parse import quote

            parts.append(f"region={quote(self.region)}")
        if self.department_id is not None:
            parts.append(f"department={self.department_id}")
        return "&".join(parts)


async def _analysis(request: Request, staff: Staff) -> tuple[Filters, MonthlyAnalysis]:
    filters = Filters(request)
    department = filters.department_id
    if department is not None and not await Department.exists(id=department):
        filters.department_id = department = None
    result = await kpis.monthly_analysis(
        actor=staff, month=filters.month, region=filters.region, department_id=department
    )
    return filters, result


def _charts(a: MonthlyAnalysis, locale: str) -> list[dict[str, Any]]:
    def t(key: str, **params: object) -> str:
        return i18n._(key, locale, **params)

    empty = t("chart.empty")

    def chart(title: str, labels: list[str], series: list[Series]) -> dict[str, Any]:
        return {"title": title, "svg": stacked_bars(labels, series, title=title, empty=empty)}

    return [
        chart(
            t("analysis.table.by_category"),
            [i18n.label("category", s.key, locale) for s in a.by_category],
            [Series(t("analysis.col.count"), "c0", [s.count for s in a.by_category])],
        ),
        chart(
            t("analysis.table.by_channel"),
            [i18n.label("channel", s.key, locale) for s in a.by_channel],
            [Series(t("analysis.col.count"), "c2", [s.count for s in a.by_channel])],
        ),
        chart(
            t("analysis.table.root_causes"),
            [c.name for c in a.root_causes],
            [Series(t("analysis.col.count"), "c3", [c.count for c in a.root_causes])],
        ),
        chart(
            t("analysis.table.on_time"),
            [i18n.label("deadline", k.kind, locale) for k in a.on_time],
            [
                Series(t("analysis.col.on_time"), "on_time", [k.on_time for k in a.on_time]),
                Series(t("analysis.col.late"), "late", [k.late for k in a.on_time]),
            ],
        ),
        chart(
            t("analysis.chart.paid_by_band"),
            [t("overview.band", band=b.band) for b in a.refunds_by_band],
            [
                Series(
                    t("analysis.col.paid_yuan"), "c1", [b.paid_fen / 100 for b in a.refunds_by_band]
                )
            ],
        ),
    ]


def _tiles(a: MonthlyAnalysis, locale: str) -> list[dict[str, Any]]:
    def pct(rate: float | None) -> str:
        return exports.text(Percent(rate))

    def t(key: str) -> str:
        return i18n._(key, locale)

    return [
        {
            "key": "complaints",
            "label": t("analysis.kpi.complaints"),
            "value": f"{a.complaints:,}",
            "note": i18n._(
                "analysis.tile.compare",
                locale,
                last_month=a.complaints_last_month,
                last_year=a.complaints_last_year,
            ),
            "definition": t("analysis.def.complaints"),
        },
        *(
            {
                "key": name,
                "label": t(f"analysis.kpi.{name}"),
                "value": pct(rate.rate),
                "note": f"{rate.numerator} / {rate.denominator}",
                "definition": t(f"analysis.def.{name}"),
            }
            for name, rate in (
                ("resolution", a.resolution),
                ("satisfaction", a.satisfaction),
                ("on_time", a.on_time_total),
                ("repeat", a.repeat),
                ("batch", a.batch),
            )
        ),
        {
            "key": "paid",
            "label": t("analysis.refund.paid"),
            "value": i18n.yuan(a.refunds.paid_fen),
            "note": i18n._(
                "analysis.tile.refunds", locale, paid=a.refunds.paid, n=a.refunds.requested
            ),
            "definition": t("analysis.def.refunds"),
        },
    ]


async def _context(request: Request, staff: Staff) -> dict[str, Any]:
    locale = i18n.locale_for(request)
    filters, result = await _analysis(request, staff)
    shown: list[Table] = tables(result, locale)
    return {
        "staff": staff,
        "nav": "analysis",
        "filters": filters,
        "analysis": result,
        "tiles": _tiles(result, locale),
        "charts": _charts(result, locale),
        "tables": shown,
        "cell": exports.text,
        "departments": await Department.all().order_by("code"),
        "previous": filters.query(shift_month(filters.month, -1)),
        "next": filters.query(shift_month(filters.month, 1)),
    }


@console_page
async def analysis_page(request: Request, staff: Staff) -> Response:
    return render(request, "analysis/month.html", await _context(request, staff))


@console_page
async def analysis_print(request: Request, staff: Staff) -> Response:
    return render(request, "analysis/print.html", await _context(request, staff))


def _file_name(filters: Filters, suffix: str) -> str:
    scope = f"-d{filters.department_id}" if filters.department_id is not None else ""
    return f"analysis-{filters.month:%Y-%m}{scope}.{suffix}"


def _title(filters: Filters, locale: str) -> str:
    return i18n._("analysis.file_title", locale, month=f"{filters.month:%Y-%m}")


@console_page
async def analysis_csv(request: Request, staff: Staff) -> Response:
    locale = i18n.locale_for(request)
    filters, result = await _analysis(request, staff)
    body = exports.to_csv(_title(filters, locale), tables(result, locale))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(filters, "csv")}"'},
    )


@console_page
async def analysis_xlsx(request: Request, staff: Staff) -> Response:
    locale = i18n.locale_for(request)
    filters, result = await _analysis(request, staff)
    body = exports.to_xlsx(_title(filters, locale), tables(result, locale))
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(filters, "xlsx")}"'},
    )


routes = [
    *root_causes.routes,
    *rectifications.routes,
    Route("/analysis", analysis_page, name="analysis"),
    Route("/analysis/print", analysis_print, name="analysis_print"),
    Route("/analysis.csv", analysis_csv, name="analysis_csv"),
    Route("/analysis.xlsx", analysis_xlsx, name="analysis_xlsx"),
]
