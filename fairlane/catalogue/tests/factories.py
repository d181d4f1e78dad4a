"""Catalogue items for tests that must not depend on the real data files."""

from __future__ import annotations

from typing import Any

from fairlane.catalogue.schema import Item


def bi(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def make_item(code: str = "DL-TEST", **fields: Any) -> Item:
    values: dict[str, Any] = {
        "code": code,
        "category": "licence",
        "name": bi("测试业务", "Test business"),
        "summary": bi("用于测试。", "For tests."),
        "legal_basis": [{"regulation": "L-DL", "article": "第63条"}],
        "applicant": "agent_allowed",
        "conditions": [bi("任何人", "Anyone")],
        "materials": [{"name": bi("居民身份证", "Resident ID card"), "waived_online": True}],
        "fee_fen": 1000,
        "time_limit_days": 1,
        "channels": ["online_mail"],
        "steps": [bi("提交", "Submit"), bi("领取", "Collect")],
        "faqs": [{"q": bi("需要代办吗？", "Do I need an agent?"), "a": bi("不需要。", "No.")}],
        "synonyms_zh": ["测试一", "测试二"],
        "synonyms_en": ["test one", "test two"],
    }
    values.update(fields)
    return Item.model_validate(values)
