"""A loopback SMS gateway for the delivery tests, and times inside and outside quiet hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.services.notices.sms_server import SmsServer

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYTIME = datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)  # a Thursday morning in Beijing
NIGHT = datetime(2026, 3, 5, 22, 30, tzinfo=SHANGHAI)


@pytest.fixture
async def sms() -> AsyncIterator[SmsServer]:
    server = await SmsServer().start()
    yield server
    await server.stop()
