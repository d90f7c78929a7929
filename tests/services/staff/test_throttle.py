"""Login throttling (issue 11): per address and per account, in PostgreSQL, exponential back-off,
and no way for an outsider to lock a named account out of an address with a good history."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from services.errors import ErrorCode, Unauthenticated
from services.staff import service, throttle
from services.staff.models import LoginCounter
from services.staff.service import log_in
from services.staff.throttle import (
    ACCOUNT,
    ADDRESS,
    FORGET_AFTER,
    LoginThrottled,
    account_key,
    wall_now,
)
from tests import factories as f

HOME = "10.0.0.1"


async def attempt(username: str, password: str, address: str) -> str:
    """What the person at `address` is told: ok, wrong or throttled."""
    try:
        await log_in(username=username, password=password, address=address)
    except LoginThrottled:
        return "throttled"
    except Unauthenticated:
        return "wrong"
    return "ok"


async def test_i11_forty_wrong_passwords_then_the_right_one_is_throttled():
    staff = await f.staff()

    answers = [await attempt(staff.username, f"guess {n}", HOME) for n in range(40)]
    with pytest.raises(LoginThrottled) as refused:
        await log_in(username=staff.username, password=f.PASSWORD, address=HOME)

    assert answers.count("wrong") == ADDRESS.free == 5
    assert answers.count("throttled") == 35
    assert refused.value.code == ErrorCode.RATE_LIMITED
    assert 0 < refused.value.retry_after_seconds <= 15


async def test_i11_a_burst_of_parallel_guesses_reaches_the_password_check_five_times():
    staff = await f.staff()

    answers = await asyncio.gather(
        *(attempt(staff.username, f"guess {n}", HOME) for n in range(20))
    )

    assert answers.count("wrong") == 5
    assert answers.count("throttled") == 15


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """No attempt gives up waiting for those in flight, however slow a busy machine checks."""
    monkeypatch.setattr(throttle, "WAIT_FOR_IN_FLIGHT", timedelta(minutes=5))


async def test_i11_twelve_staff_logging_in_at_once_from_one_address_all_get_in(patient):
    """An office behind one NAT address at shift start (before: 4 of 12 got in)."""
    office = [await f.staff(username=f"clerk{n}") for n in range(12)]

    answers = await asyncio.gather(*(attempt(s.username, f.PASSWORD, HOME) for s in office))

    assert answers == ["ok"] * 12
    assert await LoginCounter.filter(failures__gt=0).count() == 0  # nothing left counted


async def test_i11_a_guesser_among_a_crowd_of_right_logins_still_reaches_the_check_five_times(
    patient,
):
    office = [await f.staff(username=f"clerk{n}") for n in range(12)]
    target = await f.staff(username="boss")

    answers = await asyncio.gather(
        *(attempt(s.username, f.PASSWORD, HOME) for s in office),
        *(attempt(target.username, f"guess {n}", HOME) for n in range(20)),
    )
    guesses = answers[12:]

    assert guesses.count("wrong") == ADDRESS.free
    assert guesses.count("throttled") == 20 - ADDRESS.free
    assert await attempt(target.username, f.PASSWORD, HOME) == "throttled"  # the address is locked


async def test_i11_strangers_guessing_cannot_lock_the_owner_out_of_a_known_address():
    owner = await f.staff(username="admin")
    assert await attempt("admin", f.PASSWORD, HOME) == "ok"  # the owner's address, now known

    strangers = [await attempt("admin", "guess", f"203.0.113.{n}") for n in range(1, 31)]

    assert strangers[: ACCOUNT.free] == ["wrong"] * ACCOUNT.free
    assert strangers[ACCOUNT.free] == "throttled"
    assert await attempt("admin", f.PASSWORD, HOME) == "ok"
    assert owner.is_active


async def test_i11_the_account_lock_holds_a_new_address_back_a_minute_at_most():
    await f.staff(username="admin")
    for n in range(ACCOUNT.free):
        await attempt("admin", "guess", f"203.0.113.{n}")

    with pytest.raises(LoginThrottled) as refused:
        await log_in(username="admin", password=f.PASSWORD, address="198.51.100.7")
    await LoginCounter.filter(key=account_key("admin")).update(locked_until=wall_now())
    answer = await attempt("admin", f.PASSWORD, "198.51.100.7")

    assert 0 < refused.value.retry_after_seconds <= 60
    assert answer == "ok"


async def test_i11_failures_from_one_unknown_address_slow_only_that_address():
    await f.staff(username="admin")
    for _n in range(8):
        await attempt("admin", "guess", "203.0.113.9")

    assert await attempt("admin", f.PASSWORD, "203.0.113.9") == "throttled"
    assert await attempt("admin", f.PASSWORD, "198.51.100.7") == "ok"


async def test_i11_usernames_differing_in_case_share_one_account_counter():
    await f.staff(username="admin")
    for n in range(ACCOUNT.free):
        await attempt("ADMIN" if n % 2 else "Admin", "guess", f"203.0.113.{n}")

    assert await attempt("admin", f.PASSWORD, "198.51.100.7") == "throttled"


async def test_i11_a_counter_forgets_an_hour_after_the_last_failure():
    staff = await f.staff()
    for n in range(ADDRESS.free):
        await attempt(staff.username, f"guess {n}", HOME)
    assert await attempt(staff.username, f.PASSWORD, HOME) == "throttled"

    an_hour_ago = wall_now() - FORGET_AFTER - timedelta(seconds=1)
    await LoginCounter.all().update(last_failure_at=an_hour_ago)

    assert await attempt(staff.username, f.PASSWORD, HOME) == "ok"


async def test_i11_a_right_password_takes_its_attempt_back():
    staff = await f.staff()

    for _n in range(3 * ADDRESS.free):
        assert await attempt(staff.username, f.PASSWORD, HOME) == "ok"

    assert await LoginCounter.filter(failures__gt=0).count() == 0


def test_i11_back_off_doubles_from_the_first_lock_up_to_its_cap():
    assert [ADDRESS.lock_for(n) for n in (4, 5, 6, 7)] == [
        None,
        timedelta(seconds=15),
        timedelta(seconds=30),
        timedelta(seconds=60),
    ]
    assert ADDRESS.lock_for(10_000) == timedelta(minutes=15)
    assert ACCOUNT.lock_for(ACCOUNT.free + 2) == timedelta(seconds=20)
    assert ACCOUNT.lock_for(10_000) == timedelta(seconds=60)


@pytest.mark.parametrize(
    "username",
    ["u" * 65, "u" * 5000, "ad\x00min", "ad\ud800min"],
    ids=["65", "5000", "nul", "surrogate"],
)
async def test_i11_an_impossible_username_is_wrong_credentials_and_still_counted(username: str):
    with pytest.raises(Unauthenticated) as refused:
        await log_in(username=username, password="guess", address=HOME)

    assert refused.value.code == ErrorCode.INVALID_CREDENTIALS
    assert (await LoginCounter.get(key=f"addr:{HOME}")).failures == 1


@pytest.mark.parametrize("password", ["p" * 1025, "pass\ud800word"], ids=["long", "surrogate"])
async def test_i11_an_impossible_password_is_wrong_credentials(password: str):
    staff = await f.staff()

    with pytest.raises(Unauthenticated) as refused:
        await log_in(username=staff.username, password=password, address=HOME)

    assert refused.value.code == ErrorCode.INVALID_CREDENTIALS


async def test_i11_argon2_verification_runs_off_the_event_loop_thread(monkeypatch):
    staff = await f.staff()
    threads: list[threading.Thread] = []
    hasher = service._hasher

    class Spy:
        def verify(self, password_hash: str, password: str) -> bool:
            threads.append(threading.current_thread())
            return hasher.verify(password_hash, password)

    monkeypatch.setattr(service, "_hasher", Spy())

    await log_in(username=staff.username, password=f.PASSWORD, address=HOME)
    await attempt(staff.username, "guess", HOME)

    assert len(threads) == 2
    assert threading.main_thread() not in threads
