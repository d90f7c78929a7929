"""A-2 monthly summary: findings by rule and by branch, corrections open and done, problems
that keep coming back (A-3); as a page with charts and as a CSV file (one row per finding)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui import i18n
from admin_ui.audit_text import describe_finding
from admin_ui.auth import console_page
from admin_ui.calendar_forms import month_of, shift_month
from admin_ui.charts import Series, stacked_bars
from admin_ui.rendering import localtime, render
from services import phones
from services.audit import summary as audit_summary
from services.refunds import clock
from services.staff.models import Staff

CSV_COLUMNS = (
    "summary.csv.id",
    "summary.csv.created_at",
    "summary.csv.refund",
    "summary.csv.rule",
    "summary.csv.problem",
    "summary.csv.source",
    "summary.csv.responsible",
    "summary.csv.branch",
    "summary.csv.status",
    "summary.csv.due_on",
    "summary.csv.done_at",
    "summary.csv.cause",
    "summary.csv.plan",
    "summary.csv.resolution",
)


def _month(request: Request) -> date:
    return month_of(request.query_params.get("month", ""), clock.local_date(clock.now()))


def _branch(code: str, name: str, locale: str) -> str:
    return f"{code} {name}".strip() if code else i18n._("summary.no_branch", locale)


@console_page
async def summary_page(request: Request, staff: Staff) -> Response:
    locale = i18n.locale_for(request)
    month = _month(request)
    result = await audit_summary.monthly(month)
    empty = i18n._("chart.empty", locale)
    rules = [rule for rule, _ in result.by_rule]
    branches = [_branch(code, name, locale) for code, name, _ in result.by_branch]
    charts = [
        {
            "title": i18n._("summary.chart.rule", locale),
            "svg": stacked_bars(
                rules,
                [Series(i18n._("summary.findings", locale), "c0", [n for _, n in result.by_rule])],
                title=i18n._("summary.chart.rule", locale),
                empty=empty,
            ),
        },
        {
            "title": i18n._("summary.chart.branch", locale),
            "svg": stacked_bars(
                branches,
                [
                    Series(
                        i18n._("summary.findings", locale),
                        "c2",
                        [n for _, _, n in result.by_branch],
                    )
                ],
                title=i18n._("summary.chart.branch", locale),
                empty=empty,
            ),
        },
        {
            "title": i18n._("summary.chart.corrections", locale),
            "svg": stacked_bars(
                [i18n._("summary.corrections", locale)],
                [
                    Series(i18n._("summary.done", locale), "ok", [result.done_tasks]),
                    Series(i18n._("summary.open", locale), "late", [result.open_tasks]),
                    Series(i18n._("summary.dismissed", locale), "c7", [result.dismissed]),
                ],
                title=i18n._("summary.chart.corrections", locale),
                empty=empty,
            ),
        },
    ]
    rows = [
        {"row": f, "text": describe_finding(f.code, f.params, f.note, locale)}
        for f in result.findings
    ]
    context: dict[str, Any] = {
        "staff": staff,
        "nav": "audit",
        "summary": result,
        "month": month,
        "previous": shift_month(month, -1).strftime("%Y-%m"),
        "next": shift_month(month, 1).strftime("%Y-%m"),
        "charts": charts,
        "rows": rows,
        "branches": [(_branch(code, name, locale), n) for code, name, n in result.by_branch],
        "repeated": [
            (rule, i18n.label("problem", code, locale), n) for rule, code, n in result.repeated
        ],
    }
    return render(request, "audit/summary.html", context)


@console_page
async def summary_csv(request: Request, staff: Staff) -> Response:
    """One row per finding of the month, in the reader's language; UTF-8 with a BOM for Excel."""
    locale = i18n.locale_for(request)
    month = _month(request)
    result = await audit_summary.monthly(month)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([i18n._(key, locale) for key in CSV_COLUMNS])
    for f in result.findings:
        writer.writerow(
            [
                f.id,
                localtime(f.created_at),
                f.refund_id,
                f.rule,
                describe_finding(f.code, f.params, f.note, locale),
                i18n.label("finding_source", f.source, locale),
                f.responsible,
                _branch(f.branch, f.branch_name, locale),
                i18n.label("finding_status", f.status, locale),
                f.due_on.isoformat() if f.due_on else "",
                localtime(f.done_at) if f.done_at else "",
                # free texts may quote a number: masked in the export as on the page (C-12)
                phones.mask_in_text(f.cause),
                phones.mask_in_text(f.plan),
                phones.mask_in_text(f.resolution),
            ]
        )
    name = f"audit-summary-{month:%Y-%m}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [
    Route("/audit/summary", summary_page, name="audit_summary"),
    Route("/audit/summary.csv", summary_csv, name="audit_summary_csv"),
]
