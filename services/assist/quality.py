"""How well the keyword library suggests (S-2) and the wording check finds (S-3), measured on
labelled sets (tests/data/): a test holds the figures above a floor, the bench reports them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.assist import policy


@dataclass(frozen=True)
class Utterance:
    text: str
    scenario: str | None
    category: str | None


def read_utterances(path: Path) -> list[Utterance]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, scenario, category = line.split("\t")
        rows.append(
            Utterance(
                text, None if scenario == "-" else scenario, None if category == "-" else category
            )
        )
    return rows


@dataclass(frozen=True)
class SuggestionQuality:
    total: int
    top1: float  # the expected scenario first (or nothing suggested when none is expected)
    top3: float  # the expected scenario among the three (or nothing suggested)
    category: float  # the expected category first (or none suggested)
    misses: list[str]


def measure_suggestions(matcher: policy.Matcher, rows: list[Utterance]) -> SuggestionQuality:
    top1 = top3 = category = 0
    misses = []
    for row in rows:
        found = policy.suggest(matcher, row.text)
        codes = [s.key for s in found.scenarios]
        cats = [c.key for c in found.categories]
        ok1 = codes[:1] == [row.scenario] if row.scenario else not codes
        ok3 = row.scenario in codes if row.scenario else not codes
        okc = cats[:1] == [row.category] if row.category else not cats
        top1 += ok1
        top3 += ok3
        category += okc
        if not (ok1 and okc):
            misses.append(f"{row.text}: want {row.scenario}/{row.category}, got {codes}/{cats}")
    n = len(rows)
    return SuggestionQuality(n, top1 / n, top3 / n, category / n, misses)


@dataclass(frozen=True)
class WordingQuality:
    sentences: int
    precision: float
    recall: float
    misses: list[str]


def read_wording(path: Path) -> list[tuple[str, set[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, rules = line.split("\t")
        rows.append((text, set() if rules == "-" else set(rules.split(","))))
    return rows


def measure_wording(rows: list[tuple[str, set[str]]]) -> WordingQuality:
    """Per (sentence, rule): a rule found that the label has is a true positive."""
    tp = fp = fn = 0
    misses = []
    for text, expected in rows:
        found = {f.rule for f in policy.check_wording(text)}
        tp += len(found & expected)
        fp += len(found - expected)
        fn += len(expected - found)
        if found != expected:
            misses.append(f"{text}: want {sorted(expected)}, got {sorted(found)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return WordingQuality(len(rows), precision, recall, misses)
