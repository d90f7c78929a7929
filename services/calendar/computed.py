"""A year's calendar computed by rule (C-7) for years nobody has confirmed yet.

`holidays.China` (maintained) computes the statutory holidays of any year, lunar festivals
included, and the days off given in lieu of those that fall on a weekend. The adjusted working
weekends (调休) are known only once the State Council announces them: a computed year lists
them only if the package already carries the announcement, and stays provisional until an
admin confirms the year (services.calendar.seed.add_year).
"""

from __future__ import annotations

from datetime import date

import holidays

from services.calendar.policy import NAME_MAX, YearExceptions, year_exceptions

SOURCE = f"holidays {holidays.__version__} (computed)"
# holidays.China's lunar tables end with 2099; before 2004 the operator has no use for one
FIRST_COMPUTABLE = 2004
LAST_COMPUTABLE = 2099


def computable(year: int) -> bool:
    return FIRST_COMPUTABLE <= year <= LAST_COMPUTABLE


def statutory_days(year: int) -> dict[date, str]:
    """The statutory holidays and their in-lieu days off of `year`, with their Chinese names."""
    return {
        day: name[:NAME_MAX]
        for day, name in holidays.China(years=year, language="zh_CN").items()
        if day.year == year
    }


def computed_year(year: int) -> YearExceptions:
    """The year's exceptions to the Mon-Fri week as far as they can be known by rule."""
    known = holidays.China(years=year, language="zh_CN")
    workdays = sorted(day for day in known.weekend_workdays if day.year == year)
    return year_exceptions(
        year,
        sorted(statutory_days(year).items()),
        [(day, "调休上班") for day in workdays],
    )
