"""The question bank and the study sections of online point reduction, read once from
`data/quiz.toml` and `data/lessons.toml` and checked as they are read: a broken file fails
loudly at the first use, not with a quiz that cannot be passed."""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "data"
CHOICE_KEYS = ("a", "b", "c", "d")
MIN_QUESTIONS = 30


@dataclass(frozen=True)
class Question:
    id: str
    text_zh: str
    text_en: str
    choices: tuple[tuple[str, str, str], ...]  # (key, Chinese, English)
    answer: str  # the key of the correct choice
    source: str  # the article it comes from

    def text(self, english: bool) -> str:
        return self.text_en if english else self.text_zh

    def choice_texts(self, english: bool) -> list[tuple[str, str]]:
        return [(key, en if english else zh) for key, zh, en in self.choices]


@dataclass(frozen=True)
class Lesson:
    id: str
    title_zh: str
    title_en: str
    body_zh: tuple[str, ...]  # paragraphs
    body_en: tuple[str, ...]

    def title(self, english: bool) -> str:
        return self.title_en if english else self.title_zh

    def paragraphs(self, english: bool) -> tuple[str, ...]:
        return self.body_en if english else self.body_zh


def english() -> bool:
    """Whether the page is in English (otherwise Chinese, the default language)."""
    return (get_language() or "").startswith("en")


def _question(raw: Mapping[str, Any]) -> Question:
    qid = raw["id"]
    zh, en = list(raw["choices_zh"]), list(raw["choices_en"])
    if not 3 <= len(zh) <= 4 or len(zh) != len(en):
        raise ValueError(f"quiz question {qid}: 3 or 4 choices, the same in both languages")
    keys = CHOICE_KEYS[: len(zh)]
    if raw["answer"] not in keys:
        raise ValueError(f"quiz question {qid}: the answer is not one of its choices")
    return Question(
        id=qid,
        text_zh=raw["zh"],
        text_en=raw["en"],
        choices=tuple(zip(keys, zh, en, strict=True)),
        answer=raw["answer"],
        source=raw["source"],
    )


@cache
def quiz_bank() -> dict[str, Question]:
    """Every question by id, in the file's order."""
    with (DATA / "quiz.toml").open("rb") as file:
        raw = tomllib.load(file)
    questions = [_question(item) for item in raw["question"]]
    bank = {question.id: question for question in questions}
    if len(bank) != len(questions):
        raise ValueError("quiz: question ids must be unique")
    if len(bank) < MIN_QUESTIONS:
        raise ValueError(f"quiz: at least {MIN_QUESTIONS} questions are needed")
    return bank


@cache
def lessons() -> tuple[Lesson, ...]:
    with (DATA / "lessons.toml").open("rb") as file:
        raw = tomllib.load(file)

    def paragraphs(text: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in text.strip().split("\n\n") if part.strip())

    return tuple(
        Lesson(
            id=item["id"],
            title_zh=item["title_zh"],
            title_en=item["title_en"],
            body_zh=paragraphs(item["body_zh"]),
            body_en=paragraphs(item["body_en"]),
        )
        for item in raw["lesson"]
    )


def quiz_draw(count: int) -> list[str]:
    """`count` different question ids drawn at random (a cryptographic generator: the draw
    cannot be predicted from earlier ones)."""
    return secrets.SystemRandom().sample(list(quiz_bank()), count)


def quiz_questions(ids: Sequence[str]) -> list[Question]:
    bank = quiz_bank()
    return [bank[qid] for qid in ids]


def quiz_score(ids: Sequence[str], answers: Mapping[str, str]) -> int:
    """Correct answers among the questions `ids`."""
    bank = quiz_bank()
    return sum(1 for qid in ids if answers.get(qid) == bank[qid].answer)
