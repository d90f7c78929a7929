"""Notice gateways behind one small interface (`base.Gateway`): SMS chosen by NOTICE_GATEWAY
(outbox | http | smpp), e-mail by NOTICE_EMAIL_GATEWAY (outbox | smtp); `Gateways` routes
each notice to its channel's (C-9)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.config import Settings
from services.notices.gateways.base import Gateway, Gateways, OnReceipt


def sms_from_settings(config: Settings, *, on_receipt: OnReceipt | None = None) -> Gateway:
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
    if kind == "smpp":
        from services.notices.gateways.smpp import SmppGateway

        if not config.smpp_system_id:
            raise RuntimeError("NOTICE_GATEWAY=smpp needs SMPP_SYSTEM_ID (and SMPP_PASSWORD)")
        return SmppGateway(
            host=config.smpp_host,
            port=config.smpp_port,
            system_id=config.smpp_system_id,
            password=str(config.smpp_password),
            system_type=config.smpp_system_type,
            source_addr=config.smpp_source_addr,
            window=config.smpp_window,
            max_per_second=config.smpp_max_per_second,
            enquire_link_seconds=config.smpp_enquire_link_seconds,
            submit_timeout_seconds=config.smpp_submit_timeout_seconds,
            on_receipt=on_receipt,
            zone=ZoneInfo(config.timezone),
        )
    raise RuntimeError(f"NOTICE_GATEWAY must be outbox, http or smpp, not {kind!r}")


def email_from_settings(config: Settings) -> Gateway:
    kind = config.notice_email_gateway
    if kind == "outbox":
        from services.notices.gateways.outbox import OutboxGateway

        return OutboxGateway()
    if kind == "smtp":
        from services.notices.gateways.email import EmailGateway

        if not config.smtp_sender:
            raise RuntimeError("NOTICE_EMAIL_GATEWAY=smtp needs SMTP_SENDER")
        return EmailGateway(
            host=config.smtp_host,
            port=config.smtp_port,
            sender=config.smtp_sender,
            username=config.smtp_username,
            password=str(config.smtp_password),
            starttls=config.smtp_starttls,
            timeout_seconds=config.smtp_timeout_seconds,
        )
    raise RuntimeError(f"NOTICE_EMAIL_GATEWAY must be outbox or smtp, not {kind!r}")


def from_settings(config: Settings, *, on_receipt: OnReceipt | None = None) -> Gateways:
    """`on_receipt` stores a receipt the SMPP session hears (delivery.record_report)."""
    return Gateways(
        sms=sms_from_settings(config, on_receipt=on_receipt), email=email_from_settings(config)
    )
