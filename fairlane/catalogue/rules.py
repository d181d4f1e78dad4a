"""Finding the right item for what a person types: pure functions, no database.

People type "驾照到期", "丢了驾驶证" or "renew my licence", not item names. Each item
carries synonyms; a query is scored against names and synonyms with exact, containment and
overlap matches (character pairs for Chinese, words for English).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _score_phrase(query: str, phrase: str) -> float:
    phrase = normalise(phrase)
    if not phrase:
        return 0.0
    if query == phrase:
        return 100.0
    compact_query, compact_phrase = query.replace(" ", ""), phrase.replace(" ", "")
    if len(compact_query) >= 2 and (compact_query in compact_phrase or compact_phrase in compact_query):
        shorter, longer = sorted((len(compact_query), len(compact_phrase)))
        return 60.0 + 30.0 * shorter / longer
    return 60.0 * max(
        _overlap(_bigrams(query), _bigrams(phrase)),
        _overlap(_words(query), _words(phrase)),
    )


def _phrases(item: Item) -> Iterable[str]:
    yield item.name.zh
    yield item.name.en
    yield from item.synonyms_zh
    yield from item.synonyms_en


def _coverage(query: str, item: Item) -> float:
    """How much of the query the item's phrases explain together, 0 to 1: "剐蹭事故" is
    covered by "剐蹭了怎么办" and "轻微事故" although neither phrase alone is close."""
    phrases = [normalise(phrase) for phrase in _phrases(item)]
    query_pairs, query_words = _bigrams(query), _words(query)
    pairs = set().union(*(_bigrams(p) for p in phrases)) if query_pairs else set()
    words = set().union(*(_words(p) for p in phrases)) if query_words else set()
    parts = [len(query_pairs & pairs) / len(query_pairs)] if query_pairs else []
    parts += [len(query_words & words) / len(query_words)] if query_words else []
    return max(parts, default=0.0)


def search(items: Sequence[Item], query: str) -> list[Match]:
    """Items matching `query`, best first; at most one match per item."""
    query = normalise(query[:MAX_QUERY_LENGTH])
    if not query:
        return []
    matches = []
    for position, item in enumerate(items):
        best_phrase = max(_score_phrase(query, phrase) for phrase in _phrases(item))
        score = max(best_phrase, 50.0 * _coverage(query, item))
        if score >= MIN_SCORE:
            # Earlier items win ties: the catalogue lists the common business first.
            matches.append((score, -position, item.code))
    return [Match(code, score) for score, _, code in sorted(matches, reverse=True)]
