"""The finder against the real catalogue: what people type finds the right item first."""

from __future__ import annotations

import pytest

from fairlane.catalogue import rules
from fairlane.catalogue.data_files import read_catalogue

PHRASINGS = [
    ("驾照到期", "DL-RENEW"),
    ("驾驶证快过期了", "DL-RENEW"),
    ("丢了驾驶证", "DL-LOST"),
    ("驾照丢了", "DL-LOST"),
    ("驾驶证坏了", "DL-DAMAGED"),
    ("身份证号变了换驾照", "DL-INFOCHG"),
    ("外地驾照转入", "DL-TRANSFER"),
    ("驾照体检", "DL-HEALTH"),
    ("驾照注销", "DL-CANCEL"),
    ("扣满12分", "DL-FULLPTS"),
    ("学法减分", "DL-POINTS-STUDY"),
    ("电子驾照", "DL-ELECTRONIC"),
    ("预约考试", "LN-EXAM-BOOK"),
    ("取消考试", "LN-EXAM-CANCEL"),
    ("学习驾驶证明", "LN-PERMIT"),
    ("年检", "VH-INSPECT-BOOK"),
    ("年检预约", "VH-INSPECT-BOOK"),
    ("六年免检", "VH-MARK-EXEMPT"),
    ("选车牌", "VH-PLATE-SELECT"),
    ("车牌丢了", "VH-PLATE-LOST"),
    ("行驶证丢了", "VH-LICENCE-REPLACE"),
    ("绿本丢了", "VH-CERT-REPLACE"),
    ("临时牌照", "VH-TEMP-PLATE"),
    ("换手机号", "VH-CONTACT"),
    ("过户", "VH-TRANSFER-BOOK"),
    ("车辆报废", "VH-DEREG-BOOK"),
    ("保留原车牌", "VH-KEEP-PLATE"),
    ("查违章", "VI-QUERY"),
    ("处理违章", "VI-HANDLE"),
    ("交罚款", "VI-FINE-PAY"),
    ("违章申诉", "VI-OBJECTION"),
    ("剐蹭事故", "VI-ACCIDENT"),
    ("renew driving licence", "DL-RENEW"),
    ("lost my driving licence", "DL-LOST"),
    ("pay a fine", "VI-FINE-PAY"),
    ("book a driving test", "LN-EXAM-BOOK"),
    ("annual inspection", "VH-INSPECT-BOOK"),
    ("choose a plate number", "VH-PLATE-SELECT"),
    ("learner permit", "LN-PERMIT"),
    ("minor accident", "VI-ACCIDENT"),
]
ITEMS = read_catalogue()


@pytest.mark.parametrize(("query", "code"), PHRASINGS)
def test_common_phrasing_finds_the_right_item_first(query: str, code: str) -> None:
    matches = rules.search(ITEMS, query)
    assert [m.code for m in matches[:1]] == [code], [(m.code, round(m.score)) for m in matches[:3]]


def test_there_are_at_least_thirty_phrasings() -> None:
    assert len(PHRASINGS) >= 30
    assert len({code for _, code in PHRASINGS}) >= 25
