"""The admin CLI: every command parsed and run against the real database."""

from __future__ import annotations

from services.partners import cli, keys
from services.partners.models import Partner, PartnerApiKey, PartnerService, WebhookEndpoint


async def run(*argv: str) -> None:
    args = cli.parser().parse_args(list(argv))
    await args.run(args)


async def test_an_admin_sets_up_a_partner_rotates_and_revokes_keys(capsys):
    await run("create-partner", "901234", "--name", "乐享科技", "--contact-email", "ops@sp.cn")
    await run("add-service", "901234", "MUSIC-VIP", "--name", "音乐包月")
    await run("add-service", "901234", "NEWS", "--name", "资讯", "--not-monternet")
    await run("issue-key", "901234", "--label", "prod-2026")
    first = capsys.readouterr().out.strip().splitlines()[-1]
    await run("issue-key", "901234", "--label", "rotation")
    second = capsys.readouterr().out.strip().splitlines()[-1]
    await run("register-webhook", "901234", "https://sp.example.com/tousu")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    await keys.authenticate(first)
    await run("revoke-key", keys.split(first)[0])  # type: ignore[index]
    capsys.readouterr()
    await run("list-keys", "901234")
    listing = capsys.readouterr().out

    partner = await Partner.get(sp_code="901234")
    assert {(s.service_code, s.monternet) for s in await PartnerService.all()} == {
        ("MUSIC-VIP", True),
        ("NEWS", False),
    }
    assert first.startswith("tsk_") and second.startswith("tsk_") and first != second
    assert secret.startswith("whsec_")
    assert (await WebhookEndpoint.get(partner_id=partner.id)).url == "https://sp.example.com/tousu"
    lines = listing.splitlines()[1:]
    assert [line.split()[1] for line in lines] == ["revoked", "active"]
    assert first not in listing and second not in listing  # never the keys, only prefixes
    assert await PartnerApiKey.filter(revoked_at__isnull=True).count() == 1
