"""Partner administration: `python -m services.partners.cli <command>`.

create-partner SP_CODE --name NAME [--contact-name N] [--contact-email E]
               [--contact-phone P] [--department CODE]
add-service SP_CODE SERVICE_CODE --name NAME [--not-monternet]
issue-key SP_CODE [--label LABEL]      prints the key once: store it now
revoke-key PREFIX                      stops working everywhere within a minute
list-keys SP_CODE                      prefixes, state, last use; never the keys
register-webhook SP_CODE URL           prints the signing secret once
suspend SP_CODE | activate SP_CODE
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from services import db, logs, runtime
from services.errors import DomainError
from services.partners import keys, service, webhooks
from services.partners.models import PartnerStatus


async def create_partner(args: argparse.Namespace) -> None:
    partner = await service.create_partner(
        sp_code=args.sp_code,
        name=args.name,
        contact_name=args.contact_name,
        contact_email=args.contact_email,
        contact_phone=args.contact_phone,
        department_code=args.department,
    )
    print(f"partner {partner.sp_code} ({partner.name}) created, id {partner.id}")


async def add_service(args: argparse.Namespace) -> None:
    row = await service.add_service(
        sp_code=args.sp_code,
        service_code=args.service_code,
        name=args.name,
        monternet=not args.not_monternet,
    )
    kind = "Monternet (refund first, R-7(a))" if row.monternet else "not Monternet"
    print(f"service {row.service_code} ({row.name}) added to {args.sp_code}: {kind}")


async def issue_key(args: argparse.Namespace) -> None:
    partner = await service.by_sp_code(args.sp_code)
    issued = await keys.issue(partner_id=partner.id, label=args.label)
    print(issued.key)
    print(
        f"API key {issued.row.prefix} for {partner.sp_code}: shown once, store it now.",
        file=sys.stderr,
    )


async def revoke_key(args: argparse.Namespace) -> None:
    row = await keys.revoke(prefix=args.prefix)
    print(f"API key {row.prefix} revoked at {row.revoked_at}; refused everywhere within a minute")


async def list_keys(args: argparse.Namespace) -> None:
    partner = await service.by_sp_code(args.sp_code)
    rows = await keys.of_partner(partner.id)
    print(f"{'prefix':<10} {'state':<8} {'created':<20} {'last used':<20} {'uses':>8}  label")
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        last = row.last_used_at.strftime("%Y-%m-%d %H:%M:%S") if row.last_used_at else "-"
        created = row.created_at.strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{row.prefix:<10} {state:<8} {created:<20} {last:<20} {row.use_count:>8}  {row.label}"
        )


async def register_webhook(args: argparse.Namespace) -> None:
    partner = await service.by_sp_code(args.sp_code)
    registered = await webhooks.register(partner_id=partner.id, url=args.url)
    print(registered.secret)
    print(
        f"webhook {registered.endpoint.url} registered for {partner.sp_code}; the signing "
        "secret above is shown once.",
        file=sys.stderr,
    )


async def suspend(args: argparse.Namespace) -> None:
    await service.set_status(sp_code=args.sp_code, status=PartnerStatus.SUSPENDED)
    print(f"partner {args.sp_code} suspended; its keys are refused within a minute")


async def activate(args: argparse.Namespace) -> None:
    await service.set_status(sp_code=args.sp_code, status=PartnerStatus.ACTIVE)
    print(f"partner {args.sp_code} active")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m services.partners.cli", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-partner", help="add a partner (SP) and its intake account")
    p.add_argument("sp_code")
    p.add_argument("--name", required=True)
    p.add_argument("--contact-name", default="")
    p.add_argument("--contact-email", default="")
    p.add_argument("--contact-phone", default="")
    p.add_argument("--department", default="", help="department code its complaints go to")
    p.set_defaults(run=create_partner)
    p = sub.add_parser("add-service", help="register a service of the partner's SP code")
    p.add_argument("sp_code")
    p.add_argument("service_code")
    p.add_argument("--name", required=True)
    p.add_argument("--not-monternet", action="store_true", help="not a Monternet service")
    p.set_defaults(run=add_service)
    p = sub.add_parser("issue-key", help="issue an API key (printed once)")
    p.add_argument("sp_code")
    p.add_argument("--label", default="")
    p.set_defaults(run=issue_key)
    p = sub.add_parser("revoke-key", help="revoke an API key by its prefix")
    p.add_argument("prefix")
    p.set_defaults(run=revoke_key)
    p = sub.add_parser("list-keys", help="a partner's keys: prefix, state, last use")
    p.add_argument("sp_code")
    p.set_defaults(run=list_keys)
    p = sub.add_parser("register-webhook", help="set the partner's webhook URL (secret printed)")
    p.add_argument("sp_code")
    p.add_argument("url")
    p.set_defaults(run=register_webhook)
    for name, run in (("suspend", suspend), ("activate", activate)):
        p = sub.add_parser(name, help=f"{name} a partner")
        p.add_argument("sp_code")
        p.set_defaults(run=run)
    return top


async def _run(
    command: Callable[[argparse.Namespace], Awaitable[None]], args: argparse.Namespace
) -> None:
    await runtime.start()
    try:
        await command(args)
    finally:
        await keys.flush_uses()
        await db.close()


def main(argv: list[str] | None = None) -> int:
    logs.configure("WARNING")
    args = parser().parse_args(argv)
    try:
        asyncio.run(_run(args.run, args))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
