"""Revocation and the staff life cycle (issue 11): every step but reactivation moves the token
version on, so bearer tokens and console sessions issued before it stop working."""

from __future__ import annotations

import pytest

from services import cli
from services.errors import ErrorCode, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from services.staff import lifecycle, sessions
from services.staff.models import Role, Staff
from services.staff.service import authenticate, issue_token, log_in, staff_for_token
from services.staff.throttle import LoginThrottled
from tests import factories as f

NEW_PASSWORD = "a brand new passphrase"


async def assert_revoked(token: str) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as refused:
        await staff_for_token(token)
    assert refused.value.code == ErrorCode.UNAUTHENTICATED
    return refused.value


async def test_i11_a_token_issued_before_a_password_change_is_refused():
    staff = await f.staff()
    token = issue_token(staff)

    changed = await lifecycle.change_password(staff_id=staff.id, new_password=NEW_PASSWORD, by=None)

    assert "revoked" in (await assert_revoked(token)).message
    assert (await staff_for_token(issue_token(changed))).id == staff.id
    assert (await authenticate(username=staff.username, password=NEW_PASSWORD)).id == staff.id
    with pytest.raises(Unauthenticated):
        await authenticate(username=staff.username, password=f.PASSWORD)


async def test_i11_log_out_everywhere_ends_every_token_and_console_session():
    staff = await f.staff(Role.ADMIN)
    token = issue_token(staff)
    keys = [await sessions.open_session(staff) for _n in range(3)]

    await lifecycle.log_out_everywhere(staff_id=staff.id, by=None)

    await assert_revoked(token)
    assert [await sessions.staff_for_session(k) for k in keys] == [None, None, None]
    assert (await authenticate(username=staff.username, password=f.PASSWORD)).id == staff.id


async def test_i11_deactivation_ends_every_session_and_reactivation_does_not_revive_them():
    staff = await f.staff(Role.ADMIN)
    token = issue_token(staff)
    key = await sessions.open_session(staff)

    await lifecycle.deactivate(staff_id=staff.id, by=None)
    with pytest.raises(Unauthenticated):
        await authenticate(username=staff.username, password=f.PASSWORD)
    await lifecycle.reactivate(staff_id=staff.id, by=None)

    await assert_revoked(token)
    assert await sessions.staff_for_session(key) is None
    assert (await authenticate(username=staff.username, password=f.PASSWORD)).is_active


async def test_i11_an_admin_cannot_deactivate_their_own_account():
    admin = await f.staff(Role.ADMIN)

    with pytest.raises(PermissionDenied):
        await lifecycle.deactivate(staff_id=admin.id, by=admin)

    assert (await Staff.get(id=admin.id)).is_active


@pytest.mark.parametrize("password", ["short", "x" * 1025, "null\x00in the middle"])
async def test_i11_a_new_password_too_short_too_long_or_with_nul_is_refused(password: str):
    staff = await f.staff()
    token = issue_token(staff)

    with pytest.raises(InvalidInput) as refused:
        await lifecycle.change_password(staff_id=staff.id, new_password=password, by=None)

    assert refused.value.field == "new_password"
    assert (await staff_for_token(token)).id == staff.id  # nothing changed


async def test_i11_changing_ones_own_password_checks_the_current_one_through_the_throttle():
    staff = await f.staff()
    for n in range(5):
        with pytest.raises(Unauthenticated):
            await lifecycle.change_own_password(
                staff=staff,
                current_password=f"guess {n}",
                new_password=NEW_PASSWORD,
                address="10.0.0.1",
            )

    with pytest.raises(LoginThrottled):
        await log_in(username=staff.username, password=f.PASSWORD, address="10.0.0.1")
    assert (await authenticate(username=staff.username, password=f.PASSWORD)).id == staff.id


async def test_i11_an_unknown_username_is_not_found():
    with pytest.raises(NotFound):
        await lifecycle.staff_by_username("nobody")


# the CLI: `python -m services.cli <command> USERNAME`


async def run(*argv: str) -> None:
    args = cli.parser().parse_args(list(argv))
    await args.run(args)


async def test_i11_the_cli_deactivates_reactivates_and_logs_out_everywhere(capsys):
    staff = await f.staff(username="wang")
    tokens = [issue_token(staff)]

    await run("deactivate", "wang")
    deactivated = await Staff.get(id=staff.id)
    await run("reactivate", "wang")
    tokens.append(issue_token(await Staff.get(id=staff.id)))
    await run("logout-everywhere", "wang")

    assert not deactivated.is_active
    assert (await Staff.get(id=staff.id)).is_active
    for token in tokens:
        await assert_revoked(token)
    assert capsys.readouterr().out.splitlines() == [
        "wang deactivated; every token and console session ended",
        "wang active again",
        "every token and console session of wang ended",
    ]


async def test_i11_the_cli_changes_a_password_asked_twice(monkeypatch, capsys):
    staff = await f.staff(username="li")
    token = issue_token(staff)
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": NEW_PASSWORD)

    await run("change-password", "li")

    await assert_revoked(token)
    assert (await authenticate(username="li", password=NEW_PASSWORD)).id == staff.id
    assert "password of li changed" in capsys.readouterr().out


async def test_i11_the_cli_refuses_two_different_passwords(monkeypatch):
    await f.staff(username="zhao")
    answers = iter([NEW_PASSWORD, NEW_PASSWORD + "!"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))

    with pytest.raises(InvalidInput):
        await run("change-password", "zhao")

    assert (await authenticate(username="zhao", password=f.PASSWORD)).username == "zhao"


async def test_i11_the_cli_names_an_unknown_username():
    with pytest.raises(NotFound) as refused:
        await run("deactivate", "nobody-at-all")

    assert refused.value.message == "No member of staff has this username."
