"""The monthly analysis as tables of typed cells, in the reader's language: the page shows
them, the CSV file writes them one after another, the Excel workbook one sheet each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from admin_ui import i18n
from services.analysis.kpis import MonthlyAnalysis, Rate, Share

# a cell is a number, a date or time, a share (Percent), yuan (Yuan), text, or empty
Cell = int | float | Decimal | date | datetime | str | None


@dataclass(frozen=True)
class Percent:
    """A share 0…1 (None: nothing to count): shown as 12.5%, a number cell in Excel."""

    value: float | None


@dataclass(frozen=True)
class Yuan:
    """An amount: kept in fen, shown and exported as yuan with two decimals."""

    fen: int

    @property
    def yuan(self) -> Decimal:
        return Decimal(self.fen) / 100


@dataclass(frozen=True)
class Table:
    key: str  # its name in the catalogs and its Excel sheet
    title: str
    headers: list[str]
    rows: list[list[Cell | Percent | Yuan]]
    definition: str = ""  # the KPI definition, shown as a tooltip (C-11)


def change(now: int, before: int) -> Percent:
    """Change on the earlier period; None when there was nothing before."""
    return Percent(round((now - before) / before, 4) if before else None)


def tables(a: MonthlyAnalysis, locale: str) -> list[Table]:
    def t(key: str, **params: object) -> str:
        return i18n._(key, locale, **params)

    def define(name: str) -> str:
        return t(f"analysis.def.{name}")

    def rate_row(name: str, r: Rate) -> list[Cell | Percent | Yuan]:
        return [t(f"analysis.kpi.{name}"), Percent(r.rate), r.numerator, r.denominator]

    def shares(kind: str, lines: list[Share]) -> list[list[Cell | Percent | Yuan]]:
        return [
            [
                i18n.label(kind, s.key, locale),
                s.count,
                s.last_month,
                change(s.count, s.last_month),
                s.last_year,
                change(s.count, s.last_year),
            ]
            for s in lines
        ]

    share_headers = [
        t("analysis.col.count"),
        t("analysis.col.last_month"),
        t("analysis.col.month_on_month"),
        t("analysis.col.last_year"),
        t("analysis.col.year_on_year"),
    ]
    recorded = a.root_causes_recorded
    money = [t("analysis.col.requested"), t("analysis.col.paid"), t("analysis.col.paid_yuan")]
    return [
        Table(
            "summary",
            t("analysis.table.summary"),
            [
                t("analysis.col.kpi"),
                t("analysis.col.value"),
                t("analysis.col.numerator"),
                t("analysis.col.denominator"),
            ],
            [
                [t("analysis.kpi.complaints"), a.complaints, None, None],
                [t("analysis.kpi.complaints_last_month"), a.complaints_last_month, None, None],
                [t("analysis.kpi.complaints_last_year"), a.complaints_last_year, None, None],
                rate_row("resolution", a.resolution),
                rate_row("satisfaction", a.satisfaction),
                rate_row("on_time", a.on_time_total),
                rate_row("repeat", a.repeat),
                rate_row("batch", a.batch),
                [t("analysis.kpi.root_causes"), recorded, None, None],
            ],
            define("complaints"),
        ),
        Table(
            "by_category",
            t("analysis.table.by_category"),
            [t("analysis.col.category"), *share_headers],
            shares("category", a.by_category),
            define("by_category"),
        ),
        Table(
            "by_channel",
            t("analysis.table.by_channel"),
            [t("analysis.col.channel"), *share_headers],
            shares("channel", a.by_channel),
            define("by_channel"),
        ),
        Table(
            "root_causes",
            t("analysis.table.root_causes"),
            [
                t("analysis.col.root_cause"),
                t("analysis.col.code"),
                t("analysis.col.group"),
                t("analysis.col.count"),
                t("analysis.col.share"),
            ],
            [
                [
                    c.name,
                    c.code,
                    i18n.label("cause_group", c.group, locale),
                    c.count,
                    Percent(round(c.count / recorded, 4) if recorded else None),
                ]
                for c in a.root_causes
            ],
            define("root_causes"),
        ),
        Table(
            "on_time",
            t("analysis.table.on_time"),
            [
                t("analysis.col.deadline"),
                t("analysis.col.on_time"),
                t("analysis.col.late"),
                t("analysis.col.rate"),
            ],
            [
                [
                    i18n.label("deadline", k.kind, locale),
                    k.on_time,
                    k.late,
                    Percent(k.met.rate),
                ]
                for k in a.on_time
            ],
            define("on_time"),
        ),
        Table(
            "refunds",
            t("analysis.table.refunds"),
            [t("analysis.col.outcome"), t("analysis.col.count"), t("analysis.col.yuan")],
            [
                [
                    t("analysis.refund.requested"),
                    a.refunds.requested,
                    Yuan(a.refunds.requested_fen),
                ],
                [t("analysis.refund.paid"), a.refunds.paid, Yuan(a.refunds.paid_fen)],
                [t("analysis.refund.refused"), a.refunds.refused, Yuan(a.refunds.refused_fen)],
                [t("analysis.refund.cancelled"), a.refunds.cancelled, None],
                [t("analysis.refund.open"), a.refunds.open, None],
            ],
            define("refunds"),
        ),
        Table(
            "refunds_by_band",
            t("analysis.table.refunds_by_band"),
            [t("analysis.col.band"), *money],
            [
                [t("overview.band", band=b.band), b.requested, b.paid, Yuan(b.paid_fen)]
                for b in a.refunds_by_band
            ],
            define("refunds"),
        ),
        Table(
            "refunds_by_rule",
            t("analysis.table.refunds_by_rule"),
            [t("analysis.col.clause"), *money],
            [[r.clause or "—", r.requested, r.paid, Yuan(r.paid_fen)] for r in a.refunds_by_rule],
            define("refunds"),
        ),
        Table(
            "departments",
            t("analysis.table.departments"),
            [
                t("analysis.col.department"),
                t("analysis.col.count"),
                t("analysis.col.on_time"),
                t("analysis.col.due"),
                t("analysis.col.rate"),
                t("analysis.col.fixed"),
                t("analysis.col.recorded"),
                t("analysis.col.fixed_rate"),
            ],
            [
                [
                    f"{d.code} {d.name}".strip() or t("analysis.no_department"),
                    d.complaints,
                    d.on_time.numerator,
                    d.on_time.denominator,
                    Percent(d.on_time.rate),
                    d.causes_fixed.numerator,
                    d.causes_fixed.denominator,
                    Percent(d.causes_fixed.rate),
                ]
                for d in a.departments
            ],
            define("departments"),
        ),
        Table(
            "rectifications",
            t("analysis.table.rectifications"),
            [
                t("analysis.col.id"),
                t("analysis.col.problem"),
                t("analysis.col.opened_by"),
                t("analysis.col.status"),
                t("analysis.col.owner"),
                t("analysis.col.department"),
                t("analysis.col.due_on"),
                t("analysis.col.opened_at"),
                t("analysis.col.closed_at"),
                t("analysis.col.overdue"),
            ],
            [
                [
                    r.id,
                    r.problem,
                    i18n.label("opened_by", r.opened_by, locale),
                    i18n.label("rectification", r.status, locale),
                    r.owner,
                    r.department,
                    r.due_on,
                    r.opened_at,
                    r.closed_at,
                    t("analysis.yes") if r.overdue else "",
                ]
                for r in a.rectifications
            ],
            define("rectifications"),
        ),
    ]
