"""Partner accounts and their services, managed by admins (CLI `python -m services.partners.cli`).

Each partner gets a system account in `staff` (`partner:<SP code>`, complaint-handler role, no
usable password): complaints and refunds a partner submits are taken under it, so history says
who took them (C-2 first contact) and the refund rules see an ordinary requester. The
complaint lands in the department its category routes to (C-8), or the partner's department
if one is given; a lead there hands it to a person with `assignComplaint`.
"""

from __future__ import annotations

import re

from tortoise.transactions import in_transaction

from services.errors import Conflict, ErrorCode, InvalidInput, NotFound
from services.partners.models import Partner, PartnerService, PartnerStatus
from services.staff.models import Department, Role, Staff

_SP_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$")
_SERVICE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}$")
NO_LOGIN = "!partner-intake: no password, no login"  # not an argon2 hash: every login fails


def intake_username(sp_code: str) -> str:
    return f"partner:{sp_code}"


async def create_partner(
    *,
    sp_code: str,
    name: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    department_code: str = "",
) -> Partner:
    """A partner and its intake account, in one transaction."""
    sp_code = sp_code.strip()
    if not _SP_CODE.match(sp_code):
        raise InvalidInput("The SP code is 1-32 letters, digits or dashes.", field="spCode")
    if not name.strip():
        raise InvalidInput("name is required.", code=ErrorCode.REQUIRED, field="name")
    department = None
    if department_code.strip():
        department = await Department.get_or_none(code=department_code.strip())
        if department is None:
            raise NotFound("No department has this code.", field="department")
    if await Partner.exists(sp_code=sp_code):
        raise Conflict(f"A partner with SP code {sp_code} exists already.")
    async with in_transaction():
        staff = await Staff.create(
            username=intake_username(sp_code),
            display_name=f"合作方接口 {sp_code} {name.strip()}"[:100],
            password_hash=NO_LOGIN,
            roles=[Role.HANDLER.value],
            department=department,
        )
        return await Partner.create(
            sp_code=sp_code,
            name=name.strip(),
            contact_name=contact_name.strip(),
            contact_email=contact_email.strip(),
            contact_phone=contact_phone.strip(),
            intake_staff=staff,
        )


async def by_sp_code(sp_code: str) -> Partner:
    partner = await Partner.get_or_none(sp_code=sp_code.strip())
    if partner is None:
        raise NotFound("No partner has this SP code.", field="spCode")
    return partner


async def set_status(*, sp_code: str, status: PartnerStatus) -> Partner:
    """Suspend or reactivate; its keys follow within the key cache window."""
    from services.partners import keys

    partner = await by_sp_code(sp_code)
    partner.status = status
    await partner.save(update_fields=["status", "updated_at"])
    keys.forget()
    return partner


async def add_service(
    *, sp_code: str, service_code: str, name: str, monternet: bool = True
) -> PartnerService:
    """Register a service billed under the partner's SP code (only these can be disputed)."""
    partner = await by_sp_code(sp_code)
    service_code = service_code.strip()
    if not _SERVICE_CODE.match(service_code):
        raise InvalidInput(
            "The service code is 1-64 letters, digits, dashes, dots or underscores.",
            field="serviceCode",
        )
    if await PartnerService.exists(partner_id=partner.id, service_code=service_code):
        raise Conflict(f"Service {service_code} is registered already.")
    return await PartnerService.create(
        partner=partner,
        service_code=service_code,
        name=name.strip() or service_code,
        monternet=monternet,
    )


async def services_of(partner_id: int) -> list[PartnerService]:
    return await PartnerService.filter(partner_id=partner_id).order_by("service_code")
