"""Logging for every process; no phone number and no whole user input reaches a log line (C-12).

`configure` installs a record factory, so every record is cleaned once, when it is made, before
any handler (ours, pytest's, uvicorn's or arq's own) sees it: the formatted message and the
rendered traceback have every phone number masked (`services.phones.mask_in_text`), each is
capped, and long quoted values are shortened, so input echoed by an error message never
comes out whole. `PhoneScrubber` does the same as a handler filter for `dictConfig` files.

Every record carries the request id of the request it was made for (`request_id`, set by the
API for each request and carried into the jobs that request queued), `-` outside one. Lines are
text (`FORMAT`) or, with `LOG_FORMAT=json`, one JSON object each (`JsonFormatter`).

Quiet when idle: arq's line for every job start and end and its health line are DEBUG (the
worker's own jobs say at INFO what they did, when they did something; durations are metrics).
"""

from __future__ import annotations

import json
import logging
import re
import time
from contextvars import ContextVar
from typing import Any

from services.phones import mask_in_text

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MESSAGE_LIMIT = 500  # characters of one message
LINE_LIMIT = 300  # characters of one traceback line (an exception's message may quote input)
TRACEBACK_LIMIT = 8000
QUOTED_LIMIT = 64  # a quoted value longer than this is shortened: it is someone's input
_SLACK = 64  # longer than any written phone number, so a cut never leaves one half-masked
# a quote opens after a delimiter and closes before one: never from one quoted value to the next
_QUOTED = re.compile(rf"'(?<![^\s(\[{{=,:]')([^'\n]{{{QUOTED_LIMIT + 1},}})'(?=[\s)\]}},:;.]|$)")
_OWN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "arq", "arq.worker")

# the id of the request this code runs for (the API's middleware; a job queued by a request)
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def scrub(text: str) -> str:
    """Mask every phone number in the text: 13812341234 → 138****1234."""
    return mask_in_text(text)


def clean(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Phone numbers masked, long quoted values shortened, at most `limit` characters kept."""
    masked = scrub(text[: limit + _SLACK])[:limit]  # masking keeps lengths: the cut is safe
    if len(text) > limit:
        masked += f"… [{len(text) - limit} more characters]"
    return _QUOTED.sub(lambda m: f"'{m.group(1)[:24]}…' ({len(m.group(1))} characters)", masked)


def _clean_traceback(text: str) -> str:
    """Line by line, whole lines only, up to TRACEBACK_LIMIT characters."""
    shown: list[str] = []
    size = 0
    for line in text.splitlines():
        if size > TRACEBACK_LIMIT:
            shown.append("… [traceback cut]")
            break
        shown.append(clean(line, LINE_LIMIT))
        size += len(shown[-1]) + 1
    return "\n".join(shown)


def clean_record(record: logging.LogRecord) -> None:
    """Rewrite the record in place; the raw arguments and exception are not kept on it."""
    if getattr(record, "_tousu_cleaned", False):
        return
    try:
        message = record.getMessage()
        formatted = True
    except Exception:  # bad arguments: logging would print them raw in its error report
        message, formatted = f"{record.msg} (unformattable arguments: {record.args!r})", False
    cleaned = clean(message)
    if cleaned != message or not formatted:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text, record.exc_info = _clean_traceback(record.exc_text), None
    if record.stack_info:
        record.stack_info = _clean_traceback(record.stack_info)
    if not hasattr(record, "request_id"):
        record.request_id = request_id.get() or "-"
    record._tousu_cleaned = True


class PhoneScrubber(logging.Filter):
    """A handler filter doing what the record factory does, for `dictConfig` files."""

    def filter(self, record: logging.LogRecord) -> bool:
        clean_record(record)
        return True


class _CleaningFactory:
    def __init__(self, make: Any) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.make(*args, **kwargs)
        clean_record(record)
        return record


def install_cleaning() -> None:
    """Clean every record this process makes from now on (idempotent)."""
    if not isinstance(logging.getLogRecordFactory(), _CleaningFactory):
        logging.setLogRecordFactory(_CleaningFactory(logging.getLogRecordFactory()))


class TextFormatter(logging.Formatter):
    """FORMAT, with `[request <id>]` before the message of a record made for a request."""

    def __init__(self) -> None:
        super().__init__(FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        rid = getattr(record, "request_id", "-")
        if rid != "-":
            head, sep, message = line.partition(": ")
            line = f"{head} [request {rid}]{sep}{message}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id,
    and the cleaned traceback as `exc` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        elif record.exc_info:
            entry["exc"] = _clean_traceback(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)

    converter = staticmethod(time.gmtime)


def formatter(kind: str = "text") -> logging.Formatter:
    """`LOG_FORMAT`: text (the default) or json."""
    return JsonFormatter() if kind == "json" else TextFormatter()


class QuietJobLines(logging.Filter):
    """arq's per-job start/end lines and its health line, INFO → DEBUG: an idle worker runs a
    dozen cron jobs a minute, each of which would print two lines. Failures stay as they are."""

    _ROUTINE = re.compile(r"^\s*\d+\.\d+s [→←] |^recording health")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and self._ROUTINE.search(record.getMessage()):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


class ConsoleHandler(logging.StreamHandler):
    """The process's own handler: stderr, one line per record, filtered; `LOG_FORMAT`'s."""

    def __init__(self, kind: str | None = None) -> None:
        super().__init__()
        if kind is None:
            from services.config import settings

            kind = settings.log_format
        self.setFormatter(formatter(kind))
        self.addFilter(PhoneScrubber())


def configure(level: str = "INFO", kind: str | None = None) -> None:
    """Clean every record; one console handler on the root; uvicorn and arq log through it.

    Handlers others put on the root (a test's log capture) stay; a root already more verbose
    than `level` stays so, while the console shows `level` and above.
    """
    install_cleaning()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, ConsoleHandler)]:
        root.removeHandler(old)
    handler = ConsoleHandler(kind)
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(min(root.level, handler.level) if root.level else logging.NOTSET)
    for name in _OWN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    arq_worker = logging.getLogger("arq.worker")
    if not any(isinstance(f, QuietJobLines) for f in arq_worker.filters):
        arq_worker.addFilter(QuietJobLines())
