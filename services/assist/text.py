"""Text folding for matching (S-2): one output character per input character, so a match's
span is the same in what the person typed.

Traditional characters become simplified (OpenCC t2s), full-width forms half-width (NFKC),
letters lower case, every punctuation mark one boundary mark; the customer's "！" are counted
before they are folded (intensity).
"""

from __future__ import annotations

import functools
import unicodedata

import opencc

BOUNDARY = "|"
_T2S = opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    if folded.isspace():
        return " "
    category = unicodedata.category(folded)
    if category[0] in "PS" and folded not in "%+":
        return BOUNDARY
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded  # "İ".lower() is two characters


def simplified(text: str) -> str:
    """Traditional to simplified, character for character (a phrase conversion that changes
    the length is redone one character at a time, so spans stay aligned)."""
    converted = _T2S.convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := _T2S.convert(ch)) == 1 else ch for ch in text)


def fold(text: str) -> str:
    """The text as the matcher sees it; `len(fold(t)) == len(t)`."""
    return "".join(_fold_char(ch) for ch in simplified(text))


def fold_phrase(phrase: str) -> str:
    """A keyword as stored: folded, with spaces and boundary marks at its ends removed."""
    return fold(phrase.strip()).strip(BOUNDARY + " ")
