"""Every test starts from the shipped libraries (the cache is per process)."""

from __future__ import annotations

import pytest

from services.assist import library


@pytest.fixture(autouse=True)
def fresh_assist_library() -> None:
    library.forget()
