"""Logging for every process; no phone number and no whole user input reaches a log line (C-12).

`configure` installs a record factory, so every record is cleaned once, when it is made, before
any handler (ours, pytest's, uvicorn's or arq's own) sees it: the formatted message and the
rendered traceback have every phone number masked (`services.phones.mask_in_text`), each is
capped, and long quoted values are shortened, so input echoed by an error message never
comes out whole. `PhoneScrubber` does the same as a handler filter for `dictConfig` files.
"""

from __future__ import annotations

import logging
import re
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


class ConsoleHandler(logging.StreamHandler):
    """The process's own handler: stderr, one line per record, filtered."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))
        self.addFilter(PhoneScrubber())


def configure(level: str = "INFO") -> None:
    """Clean every record; one console handler on the root; uvicorn and arq log through it.

    Handlers others put on the root (a test's log capture) stay; a root already more verbose
    than `level` stays so, while the console shows `level` and above.
    """
    install_cleaning()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, ConsoleHandler)]:
        root.removeHandler(old)
    handler = ConsoleHandler()
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(min(root.level, handler.level) if root.level else logging.NOTSET)
    for name in _OWN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
