"""A small real SMS centre on loopback, speaking SMPP 3.4 with aiosmpplib's PDU codecs.

It binds transceivers (checking system id and password), answers enquire_link, and answers
each submit_sm as `respond` says: taken with a message id, refused with a status (throttled,
invalid address …), late, never, or by dropping the connection. It keeps every part it took,
joins concatenated parts (UDH) into the texts a handset would show, and sends delivery
receipts (deliver_sm) when a test asks, in any order, each acknowledged or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiosmpplib import (
    BindTransceiver,
    BindTransceiverResp,
    DeliverSm,
    EnquireLinkResp,
    PhoneNumber,
    SmppCommand,
    SmppCommandStatus,
    SmppMessage,
    SubmitSm,
    SubmitSmResp,
    UnbindResp,
)
from aiosmpplib.protocol import PDU_HEADER_LENGTH

_NOW = datetime(2026, 3, 10, 10, 0)  # a receipt sent before its submit is answered
SYSTEM_ID = "tousu"
PASSWORD = "loopback"


@dataclass
class Part:
    msisdn: str
    text: str  # this part's text (without the header)
    data_coding: int
    udh: bytes  # the concatenation header, b"" for a single SMS
    message_id: str = ""

    @property
    def ref(self) -> int:
        return self.udh[3] if self.udh else 0

    @property
    def total(self) -> int:
        return self.udh[4] if self.udh else 1

    @property
    def seq(self) -> int:
        return self.udh[5] if self.udh else 1


@dataclass
class Answer:
    status: SmppCommandStatus = SmppCommandStatus.ESME_ROK
    delay: float = 0.0
    silent: bool = False  # never answer
    drop: bool = False  # close the connection instead of answering
    receipt_first: str = ""  # send this receipt (e.g. DELIVRD) before the submit_sm_resp


Respond = Callable[[Part, int], Answer]  # the part, and how many submits came before it


@dataclass
class Smsc:
    respond: Respond = field(default=lambda part, n: Answer())
    taken: list[Part] = field(default_factory=list)  # parts answered ESME_ROK
    submits: int = 0  # every submit_sm seen, answered or not
    binds: int = 0
    enquire_links: int = 0
    outstanding: int = 0  # submits read and not answered yet
    max_outstanding: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _seq: Any = field(default_factory=lambda: itertools.count(1))
    _acks: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> Smsc:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self.drop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def drop(self) -> None:
        """Cut every connection, as a centre restarting or a network fault would."""
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def wait_bound(self, count: int = 1, within: float = 5.0) -> None:
        for _ in range(int(within * 100)):
            if self.binds >= count and self._writers:
                return
            await asyncio.sleep(0.01)
        raise TimeoutError(f"{self.binds} binds, not {count}")

    def texts(self) -> list[tuple[str, str]]:
        """(msisdn, text) as the handsets show them: parts joined by their UDH reference."""
        joined: dict[tuple[str, int, int], dict[int, str]] = {}
        for n, part in enumerate(self.taken):
            key = (part.msisdn, part.ref, part.total) if part.udh else (part.msisdn, -1, n)
            joined.setdefault(key, {})[part.seq] = part.text
        return [
            (key[0], "".join(parts[i] for i in sorted(parts)))
            for key, parts in joined.items()
            if len(parts) == key[2] or key[1] == -1
        ]

    async def receipt(
        self, message_id: str, stat: str = "DELIVRD", *, done: datetime, ack_within: float = 5.0
    ) -> bool:
        """Send a delivery receipt for a message id; True once the client acknowledged it."""
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        sequence = self._write_receipt(self._writers[-1], message_id, stat, done)
        self._acks[sequence] = ack
        try:
            await asyncio.wait_for(ack, ack_within)
            return True
        except TimeoutError:
            return False
        finally:
            self._acks.pop(sequence, None)

    def _write_receipt(
        self, writer: asyncio.StreamWriter, message_id: str, stat: str, done: datetime
    ) -> int:
        sequence = next(self._seq)
        text = DeliverSm.encode_receipt(
            {
                "id": message_id,
                "sub": 1,
                "dlvrd": 1 if stat == "DELIVRD" else 0,
                "submit date": done,
                "done date": done,
                "stat": stat,
                "err": 0,
                "text": "",
            }
        )
        message = DeliverSm(
            sequence_num=sequence,
            short_message=text,
            source=PhoneNumber("13800000000"),
            destination=PhoneNumber("10086"),
            esm_class=0x04,
            registered_delivery=0,
        )
        writer.write(message.pdu())
        return sequence

    async def _send(self, writer: asyncio.StreamWriter, message: SmppMessage) -> None:
        writer.write(message.pdu())
        with contextlib.suppress(ConnectionError):
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            while True:
                head = await reader.readexactly(PDU_HEADER_LENGTH)
                header = SmppMessage.parse_header(head)
                pdu = head + await reader.readexactly(header.pdu_length - PDU_HEADER_LENGTH)
                command = header.smpp_command
                if command == SmppCommand.BIND_TRANSCEIVER:
                    bind = BindTransceiver.from_pdu(pdu, header)
                    assert isinstance(bind, BindTransceiver)
                    ok = (bind.system_id, bind.password) == (SYSTEM_ID, PASSWORD)
                    status = SmppCommandStatus.ESME_ROK if ok else SmppCommandStatus.ESME_RINVPASWD
                    await self._send(
                        writer,
                        BindTransceiverResp(
                            sequence_num=header.sequence_num,
                            command_status=status,
                            system_id="smsc",
                        ),
                    )
                    if ok:
                        self.binds += 1
                elif command == SmppCommand.ENQUIRE_LINK:
                    self.enquire_links += 1
                    await self._send(writer, EnquireLinkResp(header.sequence_num))
                elif command == SmppCommand.UNBIND:
                    await self._send(writer, UnbindResp(header.sequence_num))
                    return
                elif command == SmppCommand.DELIVER_SM_RESP:
                    ack = self._acks.get(header.sequence_num)
                    if ack is not None and not ack.done():
                        ack.set_result(None)
                elif command == SmppCommand.SUBMIT_SM:  # answered concurrently, as a centre
                    self.outstanding += 1
                    self.max_outstanding = max(self.max_outstanding, self.outstanding)
                    task = asyncio.create_task(self._submit(pdu, header, writer))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            writer.close()

    async def _submit(self, pdu: bytes, header: Any, writer: asyncio.StreamWriter) -> None:
        try:
            await self._answer(pdu, header, writer)
        except (ConnectionError, OSError):
            pass
        finally:
            self.outstanding -= 1

    async def _answer(self, pdu: bytes, header: Any, writer: asyncio.StreamWriter) -> None:
        body_at = PDU_HEADER_LENGTH
        submit = SubmitSm.from_pdu(pdu, header)
        assert isinstance(submit, SubmitSm)
        raw = _short_message(pdu, body_at)
        udh = raw[: raw[0] + 1] if submit.esm_class & 0x40 else b""
        part = Part(
            msisdn=submit.destination.number,
            text=raw[len(udh) :].decode("utf-16-be") if _coding(pdu, body_at) == 8 else "",
            data_coding=_coding(pdu, body_at),
            udh=udh,
        )
        n = self.submits
        self.submits += 1
        answer = self.respond(part, n)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.drop:
            writer.close()
            return
        if answer.silent:
            return
        if answer.status == SmppCommandStatus.ESME_ROK:
            part.message_id = f"s{next(self._ids):06d}"
            self.taken.append(part)
            if answer.receipt_first:
                self._write_receipt(writer, part.message_id, answer.receipt_first, _NOW)
        await self._send(
            writer,
            SubmitSmResp(
                sequence_num=header.sequence_num,
                command_status=answer.status,
                message_id=part.message_id,
            ),
        )


def _fields(pdu: bytes, at: int) -> tuple[int, int]:
    """(offset of data_coding, offset of sm_length) in a submit_sm body starting at `at`."""
    at = pdu.index(0, at) + 1  # service_type
    at += 2
    at = pdu.index(0, at) + 1  # source
    at += 2
    at = pdu.index(0, at) + 1  # destination
    at += 3  # esm_class, protocol_id, priority_flag
    at = pdu.index(0, at) + 1  # schedule_delivery_time
    at = pdu.index(0, at) + 1  # validity_period
    at += 2  # registered_delivery, replace_if_present_flag
    return at, at + 2


def _coding(pdu: bytes, at: int) -> int:
    return pdu[_fields(pdu, at)[0]]


def _short_message(pdu: bytes, at: int) -> bytes:
    length_at = _fields(pdu, at)[1]
    return pdu[length_at + 1 : length_at + 1 + pdu[length_at]]
