"""Each test starts with no cached API keys and no pending use counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.partners import keys


@pytest.fixture(autouse=True)
def fresh_key_cache() -> Iterator[None]:
    keys.reset()
    yield
    keys.reset()
