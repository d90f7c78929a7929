"""An unknown username is checked against a written-out dummy hash: it must cost what a real
password's check costs, i.e. carry the hasher's current parameters."""

from __future__ import annotations

import pytest
from argon2.exceptions import VerifyMismatchError

from services.staff import service


def test_the_dummy_hash_has_the_hashers_parameters_and_matches_no_password():
    assert service._hasher.check_needs_rehash(service._DUMMY_HASH) is False
    with pytest.raises(VerifyMismatchError):
        service._hasher.verify(service._DUMMY_HASH, "not-a-real-password")
