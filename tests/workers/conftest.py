"""Worker tests run arq against the real Redis, which reads the machine's clock: the domain clock
does too here (under faketime both move together)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _workers_read_the_wall_clock(wall_clock: None) -> None:
    """See tests/conftest.py `domain_clock`."""
