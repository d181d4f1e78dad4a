from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fairlane.catalogue import rules
from fairlane.catalogue.tests.factories import bi, make_item

RENEW = make_item(
    "DL-RENEW",
    name=bi("期满换证", "Renewal on expiry"),
    synonyms_zh=["驾照到期", "驾驶证过期"],
    synonyms_en=["licence expired", "renew driving licence"],
)
LOST = make_item(
    "DL-LOST",
    name=bi("遗失补证", "Replacement of a lost licence"),
    synonyms_zh=["驾驶证丢了", "驾照丢失"],
    synonyms_en=["lost licence", "lost my driving licence"],
)
MARK = make_item(
    "VH-MARK-EXEMPT",
    category="vehicle",
    name=bi("免检车申领检验合格标志", "Inspection mark for an exempt car"),
    synonyms_zh=["年检", "六年免检"],
    synonyms_en=["annual inspection", "inspection sticker"],
)
ITEMS = [RENEW, LOST, MARK]


def first(query: str) -> str | None:
    matches = rules.search(ITEMS, query)
    return matches[0].code if matches else None


def test_exact_name_and_synonym() -> None:
    assert first("期满换证") == "DL-RENEW"
    assert first("lost licence") == "DL-LOST"


def test_colloquial_words_are_folded() -> None:
    # 驾照 is folded to 驾驶证 and 年审 to 年检 before matching.
    assert first("驾照过期") == "DL-RENEW"
    assert first("年审") == "VH-MARK-EXEMPT"
    assert first("Lost License") == "DL-LOST"


def test_containment_and_overlap() -> None:
    assert first("我的驾驶证丢了怎么办") == "DL-LOST"
    assert first("how do I renew my driving licence") == "DL-RENEW"


def test_nothing_for_unrelated_or_empty() -> None:
    assert rules.search(ITEMS, "") == []
    assert rules.search(ITEMS, "   ") == []
    assert rules.search(ITEMS, "weather tomorrow") == []


@given(st.text(max_size=200))
def test_search_is_total(query: str) -> None:
    matches = rules.search(ITEMS, query)
    assert len({match.code for match in matches}) == len(matches)
    assert all(match.score >= rules.MIN_SCORE for match in matches)
