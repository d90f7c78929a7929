"""Customer e-mail through the operator's SMTP relay (aiosmtplib), for customers who prefer it
(C-9: in writing, by SMS or e-mail).

One plain-text UTF-8 message per notice: the notice's subject and text, From SMTP_SENDER, a
Message-ID made from the notice key (the same for every retry, so a relay or a mail client can
drop a repeat). E-mail has no delivery receipt: the relay's 250 is the last word this service
gets, so an accepted e-mail counts as delivered (`SendStatus.DELIVERED`).

- 250 → delivered;
- a 5xx answer (recipient refused, message refused) → failed for good, flagged for a person;
- a 4xx answer, a refused or dropped connection, a timeout → retried;
- 535 authentication failed → retried (a person fixes SMTP_USERNAME/SMTP_PASSWORD), flagged
  when the attempts run out.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from services.notices.gateways.base import Message, SendResult, SendStatus

AUTH_FAILED = 535


def build(message: Message, *, sender: str, domain: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.email
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    digest = hashlib.sha256(message.reference.encode()).hexdigest()[:32]
    mail["Message-ID"] = f"<notice.{digest}@{domain}>"
    mail.set_content(message.text, charset="utf-8")
    return mail


def _classify(code: int, text: str) -> SendResult:
    if code == AUTH_FAILED or code < 500:
        return SendResult(SendStatus.TRANSIENT, code=f"SMTP-{code}", detail=text[:200])
    return SendResult(SendStatus.PERMANENT, code=f"SMTP-{code}", detail=text[:200])


class EmailGateway:
    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout_seconds: float = 10.0,
    ):
        self.host, self.port, self.sender = host, port, sender
        self.username, self._password = username, password
        self.starttls = starttls
        self.timeout = timeout_seconds
        self.domain = sender.rpartition("@")[2] or "localhost"

    async def send(self, message: Message) -> SendResult:
        if not message.email:
            return SendResult(SendStatus.PERMANENT, code="no-address", detail="no e-mail address")
        mail = build(message, sender=self.sender, domain=self.domain)
        try:
            _refused, reply = await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username or None,
                password=self._password or None,
                start_tls=self.starttls,
                use_tls=False,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            if refused is None:
                return SendResult(SendStatus.PERMANENT, code="SMTP-550", detail="refused")
            return _classify(refused.code, refused.message)
        except aiosmtplib.SMTPResponseException as exc:
            return _classify(exc.code, exc.message)
        except aiosmtplib.SMTPTimeoutError as exc:
            return SendResult(SendStatus.TRANSIENT, code="timeout", detail=type(exc).__name__)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return SendResult(SendStatus.TRANSIENT, code="smtp-error", detail=type(exc).__name__)
        return SendResult(
            SendStatus.DELIVERED,
            message_id=mail["Message-ID"][:64],
            code="SMTP-250",
            detail=reply[:200],
        )

    async def close(self) -> None:
        return None
