"""Operations: `python -m services.cli migrate | demo | create-staff ...`."""

from __future__ import annotations

import argparse
import asyncio
import getpass

from services import db, demo, logs
from services.calendar.seed import seed_years
from services.staff.models import Role, Staff, Track
from services.staff.service import hash_password


async def migrate() -> None:
    """Apply migrations and make sure the shipped working-day calendar is present."""
    await db.migrate()
    await db.init()
    try:
        years = await seed_years()
        print(f"migrations applied; calendar years added: {years or 'none (already there)'}")
    finally:
        await db.close()


async def load_demo() -> None:
    await db.init()
    try:
        if await demo.load_once():
            print("demo data loaded")
        else:
            print("demo data already present")
    finally:
        await db.close()


async def create_staff(username: str, name: str, roles: list[str], track: str) -> None:
    password = getpass.getpass(f"password for {username}: ")
    await db.init()
    try:
        await Staff.create(
            username=username,
            display_name=name,
            password_hash=hash_password(password),
            roles=[Role(r).value for r in roles],
            track=Track(track),
        )
    finally:
        await db.close()


def main() -> None:
    logs.configure("WARNING")
    parser = argparse.ArgumentParser(prog="python -m services.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply migrations and seed the calendar")
    sub.add_parser("demo", help="load demo data once")
    staff = sub.add_parser("create-staff", help="add a member of staff (asks for the password)")
    staff.add_argument("username")
    staff.add_argument("--name", required=True)
    staff.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    staff.add_argument("--track", default="branch", choices=[t.value for t in Track])
    args = parser.parse_args()
    if args.command == "migrate":
        asyncio.run(migrate())
    elif args.command == "demo":
        asyncio.run(load_demo())
    else:
        asyncio.run(create_staff(args.username, args.name, args.role, args.track))


if __name__ == "__main__":
    main()
