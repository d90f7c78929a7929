"""Handler assist (S-2, S-3): suggestions for 10,000 customer texts, as a ratio to the plain
matcher over the same texts, and the time an admin's edit takes to be live.

Texts: the labelled utterances of tests/data/assist_utterances.tsv, each padded with ordinary
words to a typical intake length (about 60 characters), repeated to 10,000 (2,000 with
--quick). Measured, taking turns over rounds (median of the rounds, each over every text):
- plain matcher: the Aho-Corasick automaton's `iter` over the raw text, nothing else;
- fold only: traditional to simplified, full-width, punctuation (services.assist.text.fold);
- suggestions: `policy.suggest` (fold, match, negation, intensity, scoring, ranking);
- wording check: `policy.check_wording` over the same texts.
Rebuild: `library.build` (parse the keyword library, build the automaton) after an edit, and
`save_keywords` + `library.current()` in the editing process; other processes re-read within
library.CACHE_SECONDS (3 s) by design.

Standalone: `python -m bench.bench_assist [--quick]`; the runner `python -m bench` calls run().
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import common

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "assist_utterances.tsv"
FILLER = "我家在城东，用的是移动的号，前几天去营业厅问过一次，"


def texts(count: int) -> list[str]:
    rows = [
        line.split("\t")[0]
        for line in DATA.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return [(FILLER + rows[i % len(rows)])[-60:] for i in range(count)]


def _time_all(fn: Any, batch: list[str]) -> float:
    start = time.perf_counter()
    for text in batch:
        fn(text)
    return time.perf_counter() - start


async def run() -> dict[str, Any]:
    from services.assist import library, policy
    from services.assist import service as assist
    from services.assist.models import AssistVersion
    from services.assist.text import fold
    from services.staff.models import Role

    count = common.scale(10_000, 2_000)
    rounds = common.scale(7, 3)
    batch = texts(count)
    current = await library.current()
    matcher = current.matcher
    cases = {
        "plain matcher (automaton.iter, raw text)": lambda t: list(matcher.automaton.iter(t)),
        "fold only": fold,
        "suggestions (policy.suggest)": lambda t: policy.suggest(matcher, t),
        "wording check (policy.check_wording)": policy.check_wording,
    }
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    for fn in cases.values():
        _time_all(fn, batch[:200])  # warm-up
    for _ in range(rounds):
        for name, fn in cases.items():
            seconds[name].append(_time_all(fn, batch))
    plain = statistics.median(seconds["plain matcher (automaton.iter, raw text)"])
    rows = []
    for name, samples in seconds.items():
        median = statistics.median(samples)
        rows.append(
            {
                "case": name,
                "texts": count,
                "s median": round(median, 4),
                "us per text": round(median / count * 1e6, 1),
                "x plain matcher": round(median / plain, 1),
            }
        )

    rows_stored = await AssistVersion.all()
    builds = []
    for _ in range(common.scale(20, 5)):
        start = time.perf_counter()
        library.build(list(rows_stored))
        builds.append(time.perf_counter() - start)
    admin = await common.make_staff(Role.ADMIN)
    edits = []
    for i in range(common.scale(10, 3)):
        text = current.keywords_text + f"\n基准词{i} | HARDLINE:5 | |"
        start = time.perf_counter()
        await assist.save_keywords(actor=admin, text=text, reason="基准")
        seen = await library.current()
        edits.append(time.perf_counter() - start)
        assert f"基准词{i}" in seen.keywords_text
    return {
        "rows": rows,
        "rebuild": {
            "keywords": len(matcher.keywords),
            "library.build ms median": round(statistics.median(builds) * 1000, 1),
            "save + live in this process ms median": round(statistics.median(edits) * 1000, 1),
            "other processes within s": library.CACHE_SECONDS,
        },
        "notes": [
            f"{rounds} rounds over {count} texts of about 60 characters, cases taking turns",
            "x plain matcher: how many times the plain automaton pass each case costs",
        ],
    }


if __name__ == "__main__":
    common.options.quick = "--quick" in sys.argv

    async def main() -> None:
        servers = common.Servers()
        servers.start()
        try:
            await common.prepare(servers)
            print(common.render("assist", await run()))
        finally:
            await common.finish()
            servers.stop()

    asyncio.run(main())
