"""The operator's SMS centre over SMPP 3.4 (aiosmpplib), with delivery receipts.

One transceiver session per worker process, bound at start-up and kept bound: aiosmpplib sends
enquire_link when the line is quiet and binds again, with a growing pause, after the connection
drops or the centre unbinds. What this module adds:

- Text: always UCS-2 (data_coding 8), the customers' texts being Chinese. Up to 70 characters
  go as one SMS; a longer text goes in parts of at most 67 characters, each starting with a
  concatenation UDH (05 00 03 ref total seq, esm_class 0x40) so the handset joins them. A
  surrogate pair is never cut. Every part is a submit_sm of its own with its own message id.
- Window: at most `window` submit_sm wait for their submit_sm_resp at once (across notices).
- Throughput: at most `max_per_second` submit_sm a second, if set (the centre's contract).
- Answers: ESME_ROK takes the part (its message id is kept); ESME_RTHROTTLED and ESME_RMSGQFUL
  pause this session's sending and retry the part with back-off (`throttle_retries` times, then
  the notice is retried later by the delivery loop); address and content refusals fail the
  notice for good (PERMANENT_STATUSES); anything else, or no answer within
  `submit_timeout_seconds` (a dropped connection), is transient. A part given up on is never
  sent late: it is struck from the queue.
- Receipts: every deliver_sm receipt (`id:… stat:DELIVRD done date:…`) is handed to
  `on_receipt` before it is acknowledged; if storing it fails, the session is dropped without
  the acknowledgement, so the centre sends the receipt again after the re-bind.

The library's own log lines hold whole PDUs (phone numbers): they go through `scrub` into the
"aiosmpplib" logger, at WARNING and above only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from aiosmpplib import (
    ESME,
    AbstractBroker,
    AbstractHook,
    AbstractRateLimiter,
    AbstractThrottleHandler,
    DeliverSm,
    GenericNack,
    PhoneNumber,
    SmppCommandStatus,
    SmppMessage,
    SmppSessionState,
    SubmitSm,
    SubmitSmResp,
)
from aiosmpplib.retrytimer import SimpleExponentialBackoff

from services import clock
from services.logs import scrub
from services.notices.gateways.base import (
    Message,
    OnReceipt,
    ReceiptReport,
    ReceiptState,
    SendResult,
    SendStatus,
)

log = logging.getLogger(__name__)

SINGLE_UCS2 = 70  # characters in one SMS without a header
PART_UCS2 = 67  # characters in one part of a concatenated SMS (6 octets of UDH)
UDHI = 0x40

S = SmppCommandStatus
THROTTLED = {S.ESME_RTHROTTLED, S.ESME_RMSGQFUL}
PERMANENT_STATUSES = {
    S.ESME_RINVDSTADR: "invalid destination address",
    S.ESME_RINVSRCADR: "invalid source address (check SMPP_SOURCE_ADDR)",
    S.ESME_RINVDSTTON: "invalid destination TON",
    S.ESME_RINVDSTNPI: "invalid destination NPI",
    S.ESME_RINVMSGLEN: "message length refused",
    S.ESME_RINVESMCLASS: "esm_class refused",
    S.ESME_RX_P_APPN: "refused for good by the centre",
    S.ESME_RX_R_APPN: "refused by the centre (barred or blacklisted)",
}

# receipt `stat` values that are final; ENROUTE, ACCEPTD, UNKNOWN are not
RECEIPT_STATES = {
    "DELIVRD": ReceiptState.DELIVERED,
    "EXPIRED": ReceiptState.EXPIRED,
    "UNDELIV": ReceiptState.UNDELIVERED,
    "REJECTD": ReceiptState.UNDELIVERED,
    "DELETED": ReceiptState.UNDELIVERED,
}


def split_ucs2(text: str, ref: int) -> list[bytes]:
    """The UCS-2 short_message of each SMS part: one without header up to 70 characters,
    else parts of at most 67 characters each behind a 6-octet concatenation header."""
    data = text.encode("utf-16-be")
    units = len(data) // 2
    if units <= SINGLE_UCS2:
        return [data]
    chunks: list[bytes] = []
    start = 0
    while start < units:
        end = min(start + PART_UCS2, units)
        if end < units and 0xD8 <= data[2 * end - 2] <= 0xDB:  # a high surrogate ends the part
            end -= 1
        chunks.append(data[2 * start : 2 * end])
        start = end
    if len(chunks) > 255:
        raise ValueError("a text of more than 255 parts")
    return [bytes([5, 0, 3, ref & 0xFF, len(chunks), n + 1]) + c for n, c in enumerate(chunks)]


def parts_of(text: str) -> int:
    """How many SMS parts a text goes as (what the customer's phone counts)."""
    return len(split_ucs2(text, 0))


def receipt_of(message: DeliverSm, *, gateway: str, zone: ZoneInfo) -> ReceiptReport | None:
    """A deliver_sm receipt as a report, or None when it is not final (or not a receipt)."""
    data = message.parse_receipt()
    stat = str(data.get("stat", "")).upper()
    message_id = str(data.get("id", ""))
    state = RECEIPT_STATES.get(stat)
    if state is None or not message_id:
        return None
    done = data.get("done date")
    at = done.replace(tzinfo=zone) if isinstance(done, datetime) else clock.now()
    return ReceiptReport(
        gateway=gateway,
        message_id=message_id,
        state=state,
        at=at,
        detail=f"stat:{stat} err:{data.get('err', '')}",
    )


class _Queue(AbstractBroker):
    """The library's send queue; a part given up on (timed out) is skipped, never sent late."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[SmppMessage] = asyncio.Queue()
        self.abandoned: set[str] = set()

    async def enqueue(self, message: SmppMessage) -> None:
        await self.queue.put(message)

    async def dequeue(self) -> SmppMessage:
        while True:
            message = await self.queue.get()
            if isinstance(message, SubmitSm) and message.log_id in self.abandoned:
                self.abandoned.discard(message.log_id)
                continue
            return message


class _Pace(AbstractRateLimiter):
    """At most `per_second` submit_sm a second (0: no cap)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self.next_at = 0.0

    async def limit(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        wait = self.next_at - now
        self.next_at = max(now, self.next_at) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)


class _Backoff(AbstractThrottleHandler):
    """After a throttling answer the session sends nothing for a while: `base` seconds,
    doubling with each throttling answer in a row, at most `cap`; any other answer resets it."""

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap = base, cap
        self.streak = 0
        self.paused_until = 0.0

    async def throttled(self) -> None:
        self.streak += 1
        pause = min(self.cap, self.base * 2 ** (self.streak - 1))
        self.paused_until = max(self.paused_until, time.monotonic() + pause)

    async def not_throttled(self) -> None:
        self.streak = 0

    async def allow_request(self) -> bool:
        return time.monotonic() >= self.paused_until

    async def throttle_delay(self) -> float:
        return max(0.001, self.paused_until - time.monotonic())


class _ScrubbedLog(logging.Handler):
    """The library's log records, phone numbers masked, into the "aiosmpplib" logger."""

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            logging.getLogger("aiosmpplib").log(record.levelno, scrub(record.getMessage())[:500])


class _Esme(ESME):
    """aiosmpplib's ESME, closing the old socket before it connects again (it leaves it open)."""

    async def connect(self) -> None:
        old = self._writer
        if old is not None and self.session_state != self.bind_mode.session_state:
            old.close()
        await super().connect()

    async def shut(self) -> None:
        writer = self._writer
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.stop(), 2)
        for stream in (writer, self._writer):
            if stream is not None:
                stream.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(stream.wait_closed(), 1)


class ReceiptNotStored(ConnectionError):
    """Storing a receipt failed: drop the session unacknowledged, the centre sends it again."""


class _Hook(AbstractHook):
    def __init__(self, gateway: SmppGateway) -> None:
        self.gateway = gateway

    async def sending(self, smpp_message: SmppMessage, pdu: bytes, client_id: str) -> None:
        if isinstance(smpp_message, SubmitSm) and not isinstance(smpp_message, DeliverSm):
            if smpp_message.log_id in self.gateway._queue.abandoned:
                # given up on between the queue and the wire: the library drops it (ValueError)
                self.gateway._queue.abandoned.discard(smpp_message.log_id)
                raise ValueError("abandoned submit")
            self.gateway._by_sequence[smpp_message.sequence_num] = smpp_message.log_id

    async def received(self, smpp_message: SmppMessage | None, pdu: bytes, client_id: str) -> None:
        if isinstance(smpp_message, DeliverSm):
            await self.gateway._receipt(smpp_message)
        elif isinstance(smpp_message, SubmitSmResp | GenericNack):
            log_id = self.gateway._by_sequence.pop(smpp_message.sequence_num, "")
            log_id = log_id or getattr(smpp_message, "log_id", "")
            future = self.gateway._waiting.get(log_id)
            if future is not None and not future.done():
                message_id = getattr(smpp_message, "message_id", "")
                future.set_result((smpp_message.command_status, message_id))

    async def send_error(self, smpp_message: SmppMessage, error: Exception, client_id: str) -> None:
        if isinstance(smpp_message, SubmitSm):
            future = self.gateway._waiting.get(smpp_message.log_id)
            if future is not None and not future.done() and str(error) != "abandoned submit":
                future.set_exception(error)


class SmppGateway:
    name = "smpp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        system_id: str,
        password: str,
        system_type: str = "",
        source_addr: str = "",
        window: int = 10,
        max_per_second: float = 0.0,
        enquire_link_seconds: float = 30.0,
        submit_timeout_seconds: float = 10.0,
        throttle_retries: int = 5,
        throttle_backoff_seconds: float = 0.2,
        rebind_min_ms: int = 200,
        on_receipt: OnReceipt | None = None,
        zone: ZoneInfo | None = None,
    ):
        self.host, self.port = host, port
        self.system_id, self._password, self.system_type = system_id, password, system_type
        self.source_addr = source_addr
        self.window = max(1, window)
        self.submit_timeout = submit_timeout_seconds
        self.throttle_retries = throttle_retries
        self.throttle_backoff = throttle_backoff_seconds
        self.on_receipt = on_receipt
        self.zone = zone or ZoneInfo("Asia/Shanghai")
        self._queue = _Queue()
        self._waiting: dict[str, asyncio.Future[tuple[SmppCommandStatus, str]]] = {}
        self._by_sequence: dict[int, str] = {}
        self._ids = itertools.count(1)
        self._refs = itertools.count(1)
        self._slots: asyncio.Semaphore | None = None
        self._task: asyncio.Task[None] | None = None
        self._pace = _Pace(max_per_second)
        self._backoff = _Backoff(throttle_backoff_seconds, 10.0)
        self._enquire_link_seconds = float(enquire_link_seconds)
        self._rebind_min_ms = rebind_min_ms
        self.esme: _Esme | None = None

    @property
    def bound(self) -> bool:
        return self.esme is not None and self.esme.session_state == SmppSessionState.BOUND_TRX

    async def start(self) -> None:
        """Open the session (binding happens in the background; sends wait for it)."""
        if self._task is not None and not self._task.done():
            return
        self._slots = asyncio.Semaphore(self.window)
        self.esme = _Esme(
            smsc_host=self.host,
            smsc_port=self.port,
            system_id=self.system_id,
            password=self._password,
            system_type=self.system_type,
            enquire_link_interval=self._enquire_link_seconds,
            log_level=logging.WARNING,
            log_handler=_ScrubbedLog(),
            hook=_Hook(self),
            broker=self._queue,
            rate_limiter=self._pace,
            throttle_handler=self._backoff,
            retry_timer=SimpleExponentialBackoff(min_delay=self._rebind_min_ms, max_increases=5),
            socket_timeout=float(max(1.0, self.submit_timeout)),
        )
        self._task = asyncio.create_task(self.esme.start(), name="smpp-session")

    async def wait_bound(self, within: float = 5.0) -> bool:
        deadline = time.monotonic() + within
        while not self.bound:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def send(self, message: Message) -> SendResult:
        await self.start()
        try:
            payloads = split_ucs2(message.text, next(self._refs))
        except ValueError as exc:
            return SendResult(SendStatus.PERMANENT, code="too-long", detail=str(exc))
        udh = len(payloads) > 1
        results = await asyncio.gather(
            *(self._submit(message.msisdn, payload, udh) for payload in payloads)
        )
        ids = tuple(message_id for _, _, message_id in results)
        for status, code, _ in results:
            if status == SendStatus.PERMANENT:
                return SendResult(status, code=code, detail=self._why(code), parts=len(payloads))
        for status, code, _ in results:
            if status == SendStatus.TRANSIENT:
                return SendResult(status, code=code, detail=self._why(code), parts=len(payloads))
        return SendResult(
            SendStatus.ACCEPTED,
            message_id=ids[0],
            code="ESME_ROK",
            detail=f"{len(payloads)} part(s)",
            parts=len(payloads),
            part_ids=ids,
        )

    @staticmethod
    def _why(code: str) -> str:
        for status, why in PERMANENT_STATUSES.items():
            if status.name == code:
                return why
        return {
            "no-response": "no submit_sm_resp in time (connection dropped or centre busy)",
            "ESME_RTHROTTLED": "throttled by the centre, retries used up",
            "ESME_RMSGQFUL": "the centre's queue is full, retries used up",
        }.get(code, "the centre refused it for now")

    async def _submit(self, msisdn: str, payload: bytes, udh: bool) -> tuple[SendStatus, str, str]:
        assert self._slots is not None
        status: SmppCommandStatus = S.ESME_RSYSERR
        for attempt in range(self.throttle_retries + 1):
            log_id = f"p{next(self._ids)}"
            submit = SubmitSm(
                short_message="-",  # the PDU carries the encoded bytes set below
                source=PhoneNumber(self.source_addr),
                destination=PhoneNumber(msisdn),
                esm_class=UDHI if udh else 0,
                encoding="ucs2",
                registered_delivery=1,
                log_id=log_id,
            )
            submit.set_encoded_message(payload)
            future: asyncio.Future[tuple[SmppCommandStatus, str]] = (
                asyncio.get_running_loop().create_future()
            )
            async with self._slots:
                self._waiting[log_id] = future
                try:
                    await self._queue.enqueue(submit)
                    status, message_id = await asyncio.wait_for(future, self.submit_timeout)
                except TimeoutError:
                    self._queue.abandoned.add(log_id)
                    return SendStatus.TRANSIENT, "no-response", ""
                except (OSError, ValueError) as exc:
                    return SendStatus.TRANSIENT, "send-error", type(exc).__name__
                finally:
                    self._waiting.pop(log_id, None)
            if status == S.ESME_ROK:
                return SendStatus.ACCEPTED, "ESME_ROK", message_id
            if status in PERMANENT_STATUSES:
                return SendStatus.PERMANENT, status.name, ""
            if status not in THROTTLED:
                return SendStatus.TRANSIENT, status.name, ""
            await asyncio.sleep(min(10.0, self.throttle_backoff * 2**attempt))
        return SendStatus.TRANSIENT, status.name, ""

    async def _receipt(self, message: DeliverSm) -> None:
        report = receipt_of(message, gateway=self.name, zone=self.zone)
        if report is None or self.on_receipt is None:
            return
        try:
            await self.on_receipt(report)
        except Exception as exc:
            log.exception("receipt for message %s not stored; not acknowledged", report.message_id)
            raise ReceiptNotStored(type(exc).__name__) from exc

    async def close(self) -> None:
        if self.esme is not None and self._task is not None:
            await self.esme.shut()
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        self._task = None
        self.esme = None
