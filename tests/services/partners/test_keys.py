"""API keys: shown once, stored as a hash, several at once, revocable within the cache window."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from services import clock
from services.errors import ErrorCode, Unauthenticated
from services.partners import keys
from services.partners import service as partners
from services.partners.models import PartnerApiKey, PartnerStatus
from services.staff.service import authenticate as staff_login
from tests import factories as f


async def test_a_key_is_shown_once_and_stored_only_as_its_hash_with_a_visible_prefix():
    partner = await f.partner()

    issued = await keys.issue(partner_id=partner.id, label="prod")

    row = await PartnerApiKey.get(id=issued.row.id)
    assert issued.key.startswith(f"tsk_{row.prefix}_") and len(row.prefix) == 8
    assert row.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in {row.key_hash, row.prefix, row.label}
    assert (await keys.authenticate(issued.key)).partner_id == partner.id


async def test_several_keys_are_active_at_once_for_rotation():
    partner = await f.partner()
    old, new = await f.partner_key(partner), await f.partner_key(partner)

    found = {(await keys.authenticate(k)).key_id for k in (old, new)}

    assert len(found) == 2
    await keys.revoke(prefix=keys.split(old)[0])  # type: ignore[index]
    assert (await keys.authenticate(new)).partner_id == partner.id
    with pytest.raises(Unauthenticated):
        await keys.authenticate(old)


async def test_a_key_revoked_elsewhere_is_refused_once_the_cache_window_passes(monkeypatch):
    partner = await f.partner()
    key = await f.partner_key(partner)
    monkeypatch.setattr(keys, "CACHE_SECONDS", 0.05)
    await keys.authenticate(key)
    # another process revokes it: this one only learns it when its cached look-up expires
    await PartnerApiKey.filter(partner_id=partner.id).update(revoked_at=clock.now())

    assert (await keys.authenticate(key)).partner_id == partner.id  # still cached
    await asyncio.sleep(0.06)
    with pytest.raises(Unauthenticated) as refused:
        await keys.authenticate(key)

    assert refused.value.code == ErrorCode.UNAUTHENTICATED


async def test_the_cache_window_is_within_a_minute():
    assert keys.CACHE_SECONDS <= 60


async def test_a_wrong_secret_with_a_real_prefix_and_a_malformed_key_are_refused():
    partner = await f.partner()
    key = await f.partner_key(partner)
    prefix = keys.split(key)[0]  # type: ignore[index]

    for bad in (f"tsk_{prefix}_{'x' * 40}", "tsk_short", "Bearer nonsense", ""):
        with pytest.raises(Unauthenticated):
            await keys.authenticate(bad)


async def test_a_suspended_partners_keys_are_refused():
    partner = await f.partner()
    key = await f.partner_key(partner)

    await partners.set_status(sp_code=partner.sp_code, status=PartnerStatus.SUSPENDED)

    with pytest.raises(Unauthenticated):
        await keys.authenticate(key)


async def test_each_use_is_counted_and_written_at_most_every_flush_interval(monkeypatch):
    partner = await f.partner()
    key = await f.partner_key(partner)

    for _ in range(5):
        await keys.authenticate(key)
    row = await PartnerApiKey.get(partner_id=partner.id)
    assert row.last_used_at is not None and row.use_count == 1  # the first use wrote at once

    monkeypatch.setattr(keys, "USE_FLUSH_SECONDS", 0.0)
    await keys.authenticate(key)
    row = await PartnerApiKey.get(partner_id=partner.id)
    assert row.use_count == 6


async def test_the_partner_intake_account_cannot_log_in():
    partner = await f.partner()
    staff = await partner.intake_staff

    with pytest.raises(Unauthenticated):
        await staff_login(username=staff.username, password="")
    assert staff.username == f"partner:{partner.sp_code}"
