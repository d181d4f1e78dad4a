"""Finding the right item for what a person types: pure functions, no database.

People type "驾照到期", "丢了驾驶证" or "renew my licence", not item names. Each item
carries synonyms; a query is scored against names and synonyms with exact, containment and
overlap matches (character pairs for Chinese, words for English).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from fairlane.catalogue.schema import Item

MAX_QUERY_LENGTH = 60
MIN_SCORE = 20.0
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOT_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")
# Words that say nothing about which business is meant.
_STOP_WORDS = frozenset(
    {"a", "an", "the", "my", "i", "me", "to", "of", "for", "how", "do", "does", "can", "is", "want"}
    | {"need", "please", "get", "your", "on", "in", "at", "with"}
    | {
        "我",
        "我的",
        "要",
        "想",
        "怎么",
        "如何",
        "办理",
        "办",
        "了",
        "的",
        "吗",
        "呢",
        "去",
        "在",
        "哪里",
        "需要",
    }
)
# Colloquial words for the same thing, folded before matching.
_FOLD = (("驾照", "驾驶证"), ("车牌", "号牌"), ("牌照", "号牌"), ("年审", "年检"), ("license", "licence"))


@dataclass(frozen=True)
class Match:
    code: str
    score: float


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().strip()
    for colloquial, standard in _FOLD:
        text = text.replace(colloquial, standard)
    return _NOT_WORD.sub(" ", text).strip()


def _bigrams(text: str) -> set[str]:
    chars = "".join(_CJK.findall(text))
    return {chars[i : i + 2] for i in range(len(chars) - 1)} or ({chars} if chars else set())


def _words(text: str) -> set[str]:
    words = {word.rstrip("s") if len(word) > 3 else word for word in text.split() if word.isascii()}
    return words - _STOP_WORDS


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class _Prepared:
    text: str  # normalised
    compact: str  # without spaces
    pairs: frozenset[str]  # Chinese character pairs
    words: frozenset[str]  # other words, stop words left out


def _prepare(text: str) -> _Prepared:
    """A phrase or query made ready for matching."""
    normal = normalise(text)
    return _Prepared(normal, normal.replace(" ", ""), frozenset(_bigrams(normal)), frozenset(_words(normal)))


# Phrases repeat on every search and are few (the catalogue's names and synonyms), so they
# are prepared once and remembered; queries, which anyone can type, are not.
_prepare_phrase = lru_cache(maxsize=8192)(_prepare)


def _score_phrase(query: _Prepared, phrase: _Prepared) -> float:
    if not phrase.text:
        return 0.0
    if query.text == phrase.text:
        return 100.0
    if len(query.compact) >= 2 and (query.compact in phrase.compact or phrase.compact in query.compact):
        shorter, longer = sorted((len(query.compact), len(phrase.compact)))
        return 60.0 + 30.0 * shorter / longer
    return 60.0 * max(_overlap(query.pairs, phrase.pairs), _overlap(query.words, phrase.words))


def _phrases(item: Item) -> list[_Prepared]:
    return [
        _prepare_phrase(text) for text in (item.name.zh, item.name.en, *item.synonyms_zh, *item.synonyms_en)
    ]


def _coverage(query: _Prepared, phrases: list[_Prepared]) -> float:
    """How much of the query the item's phrases explain together, 0 to 1: "剐蹭事故" is
    covered by "剐蹭了怎么办" and "轻微事故" although neither phrase alone is close."""
    parts = []
    if query.pairs:
        pairs = frozenset().union(*(p.pairs for p in phrases))
        parts.append(len(query.pairs & pairs) / len(query.pairs))
    if query.words:
        words = frozenset().union(*(p.words for p in phrases))
        parts.append(len(query.words & words) / len(query.words))
    return max(parts, default=0.0)


def search(items: Sequence[Item], query: str) -> list[Match]:
    """Items matching `query`, best first; at most one match per item."""
    prepared = _prepare(query[:MAX_QUERY_LENGTH])
    if not prepared.text:
        return []
    matches = []
    for position, item in enumerate(items):
        phrases = _phrases(item)
        best_phrase = max(_score_phrase(prepared, phrase) for phrase in phrases)
        score = max(best_phrase, 50.0 * _coverage(prepared, phrases))
        if score >= MIN_SCORE:
            # Earlier items win ties: the catalogue lists the common business first.
            matches.append((score, -position, item.code))
    return [Match(code, score) for score, _, code in sorted(matches, reverse=True)]
