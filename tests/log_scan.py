"""After the whole session, a scan of everything it logged: no phone number in any line (C-12).

Every record that reaches the root logger, at DEBUG and above, is written to
`<rootdir>/.data/test-logs-<pid>.log` by a handler like the production one (its format, its
filter), with the record cleaning every process installs at start-up
(`services.logs.install_cleaning`). At the end each line is searched for phone numbers in every
form `services.phones` knows; a hit fails the run and is listed, masked. Only log records are in
the file (plus one `### <test id>` line per test, which is not scanned), so test data that never
went through logging is not flagged. The file is removed when the scan passes, kept until the
next run when it fails.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MARK = "### "


@dataclass
class Scan:
    path: Path
    handler: logging.FileHandler
    hits: list[tuple[int, str, str]] = field(default_factory=list)  # line number, test, line
    lines: int = 0
    seconds: float = 0.0

    def attach(self) -> None:
        """Root at DEBUG, our handler on it: again before each test, whatever the last one did."""
        root = logging.getLogger()
        if self.handler not in root.handlers:
            root.addHandler(self.handler)
        if root.level > logging.DEBUG:
            root.setLevel(logging.DEBUG)

    def mark(self, test: str) -> None:
        """Which test the lines after this one come from (not a log record: never scanned)."""
        self.handler.acquire()
        try:
            if self.handler.stream:
                self.handler.stream.write(f"{MARK}{test}\n")
        finally:
            self.handler.release()

    def run(self) -> None:
        from services.phones import mask_in_text, phones_in

        logging.getLogger().removeHandler(self.handler)
        self.handler.close()
        started, test = time.perf_counter(), "(before the first test)"
        with self.path.open(encoding="utf-8", errors="replace") as log:
            for line in log:
                self.lines += 1
                if line.startswith(MARK):
                    test = line[len(MARK) :].strip()
                elif phones_in(line):
                    self.hits.append((self.lines, test, mask_in_text(line.rstrip("\n"))))
        self.seconds = time.perf_counter() - started


_scan: Scan | None = None


def _forget_dead_runs(folder: Path) -> None:
    """Logs kept by runs whose process is gone (a failed scan, a killed run): kept until now."""
    for old in folder.glob("test-logs-*.log"):
        try:
            os.kill(int(old.stem.removeprefix("test-logs-")), 0)
        except ProcessLookupError:
            old.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            continue


def pytest_configure(config: pytest.Config) -> None:
    global _scan
    from services import logs

    path = config.rootpath / ".data" / f"test-logs-{os.getpid()}.log"
    path.parent.mkdir(exist_ok=True)
    _forget_dead_runs(path.parent)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    handler.addFilter(logs.PhoneScrubber())
    logs.install_cleaning()
    _scan = Scan(path, handler)
    _scan.attach()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _scan is not None:
        _scan.attach()
        _scan.mark(item.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if _scan is not None:
        _scan.attach()  # a fixture may have configured logging again


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    if _scan is not None:
        _scan.attach()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _scan is None:
        return
    _scan.run()
    if _scan.hits:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        _scan.path.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _scan is None or not _scan.lines:
        return
    size = f"{_scan.lines:,} log lines scanned in {_scan.seconds:.1f} s"
    if not _scan.hits:
        terminalreporter.write_line(f"log scan: {size}, no phone number", green=True)
        return
    terminalreporter.section("log scan: phone numbers in the logs", red=True)
    for number, test, line in _scan.hits[:50]:
        terminalreporter.write_line(f"{_scan.path.name}:{number} [{test}] {line[:300]}")
    terminalreporter.write_line(
        f"log scan: {size}, {len(_scan.hits)} with a phone number (shown masked); "
        f"the whole log is kept in {_scan.path}",
        red=True,
    )
