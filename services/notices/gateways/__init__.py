"""SMS gateways behind one small interface (`base.Gateway`), chosen by NOTICE_GATEWAY."""

from __future__ import annotations

from services.config import Settings
from services.notices.gateways.base import Gateway


def from_settings(config: Settings) -> Gateway:
    kind = config.notice_gateway
    if kind == "outbox":
        from services.notices.gateways.outbox import OutboxGateway

        return OutboxGateway()
    if kind == "http":
        from services.notices.gateways.http import HttpGateway

        if not config.notice_http_url:
            raise RuntimeError("NOTICE_GATEWAY=http needs NOTICE_HTTP_URL")
        return HttpGateway(
            url=config.notice_http_url,
            account=config.notice_http_account,
            secret=str(config.notice_http_secret),
            timeout_seconds=config.notice_http_timeout_seconds,
        )
    raise RuntimeError(f"NOTICE_GATEWAY must be outbox or http, not {kind!r}")
