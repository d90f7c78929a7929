"""Keep the working-day calendar (C-7) from a shell (beside the calendar package, not in it:
confirming a year recounts complaint deadlines, and the calendar must not import complaints).

    python -m services.calendar_cli seed [--first 2004] [--last 2026]
    python -m services.calendar_cli add-year 2027 --holiday 2027-01-01:元旦 \
        --holiday 2027-02-05..2027-02-11:春节 --workday 2027-02-14:春节调休 [--replace]
    python -m services.calendar_cli remove-year 2027
    python -m services.calendar_cli status

Storing a year over a provisional one (computed by rule when a date first needed it) confirms
it and counts again the deadlines that rested on it. `status` says how far the confirmed
calendar reaches and warns from 60 days before its end.

A --holiday may be a range FIRST..LAST; its Saturdays and Sundays are days off anyway and
are reported, not stored.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date, timedelta

from services import db, runtime
from services.calendar import seed
from services.calendar.policy import YearExceptions
from services.calendar.service import CalendarStatus, calendar_status
from services.complaints import deadlines
from services.errors import DomainError


def parse_days(spec: str) -> list[tuple[date, str]]:
    """'2027-02-05..2027-02-11:春节' -> one (date, name) per day of the range."""
    when, _, name = spec.partition(":")
    first_text, _, last_text = when.partition("..")
    try:
        first = date.fromisoformat(first_text.strip())
        last = date.fromisoformat(last_text.strip()) if last_text else first
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected DATE[..DATE][:NAME]") from exc
    if last < first:
        raise argparse.ArgumentTypeError(f"{spec!r}: the range ends before it starts")
    return [(first + timedelta(days=k), name.strip()) for k in range((last - first).days + 1)]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.calendar_cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed", help="store chinese_calendar's years not yet stored")
    seeding.add_argument("--first", type=int, default=seed.FIRST_YEAR)
    seeding.add_argument("--last", type=int, default=seed.LAST_YEAR)
    adding = commands.add_parser("add-year", help="store one year's official holiday schedule")
    adding.add_argument("year", type=int)
    adding.add_argument("--holiday", type=parse_days, action="append", default=[])
    adding.add_argument("--workday", type=parse_days, action="append", default=[])
    adding.add_argument("--source", default="admin")
    adding.add_argument("--replace", action="store_true", help="overwrite a stored year")
    removing = commands.add_parser("remove-year", help="forget a stored year")
    removing.add_argument("year", type=int)
    commands.add_parser("status", help="how far the confirmed calendar reaches; warnings")
    return parser


async def run(args: argparse.Namespace) -> str:
    if args.command == "seed":
        added = await seed.seed_years(args.first, args.last)
        return f"added {', '.join(map(str, added))}" if added else "nothing to add"
    if args.command == "status":
        return describe(await calendar_status())
    if args.command == "remove-year":
        removed = await seed.remove_year(args.year)
        return f"removed {args.year}" if removed else f"{args.year} was not stored"
    holidays = [day for days in args.holiday for day in days]
    workdays = [day for days in args.workday for day in days]
    stored = await seed.add_year(
        args.year, holidays, workdays, source=args.source, replace=args.replace
    )
    moved = await deadlines.recompute_provisional(
        reason=f"{args.year} confirmed from the command line ({args.source}) (C-7)"
    )
    return report(args.year, stored) + f"\n{len(moved)} provisional deadline(s) moved"


def describe(status: CalendarStatus) -> str:
    last, left = status.last_confirmed_day, status.days_left
    if last is None or left is None:
        lines = ["no calendar year is confirmed"]
    else:
        reach = f"{left} days from today" if left >= 0 else f"ended {-left} days ago"
        lines = [f"confirmed up to {last.isoformat()} ({reach})"]
    if status.provisional_years:
        years = ", ".join(map(str, status.provisional_years))
        lines.append(f"provisional (computed by rule, no 调休 yet): {years}")
    if status.warning:
        lines.append(f"WARNING: {status.warning}")
    return "\n".join(lines)


def report(year: int, stored: YearExceptions) -> str:
    lines = [f"stored {year}: {len(stored.days)} day(s) differ from the Mon-Fri week"]
    for day, (is_workday, name) in stored.days.items():
        lines.append(f"  {day} ({day:%a}) {'working day' if is_workday else 'holiday'} {name}")
    for day, name in stored.ignored:
        lines.append(f"  {day} ({day:%a}) not stored, a weekend is a day off anyway: {name}")
    return "\n".join(lines)


async def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    await runtime.start()
    try:
        print(await run(args))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await db.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
