"""The shape of a business item in the catalogue data files (`catalogue/data/*.toml`).

The files are the source of truth kept in the repository; `manage.py load_catalogue`
checks them against these models and publishes a new version of every item that changed.
Every text is bilingual: {zh = "…", en = "…"}, both required and non-empty.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CODE_PATTERN = r"^[A-Z]{2,4}(-[A-Z0-9]{2,12})+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(Strict):
    zh: Text
    en: Text


class Category(StrEnum):
    LICENCE = "licence"  # 驾驶证业务
    LEARNER = "learner"  # 考试和学习驾驶
    VEHICLE = "vehicle"  # 机动车业务
    VIOLATION = "violation"  # 违法和事故


class Applicant(StrEnum):
    SELF_ONLY = "self_only"  # the person themself, after real-name verification
    AGENT_ALLOWED = "agent_allowed"  # or a licensed agent inside a confirmed authorisation
    OFFICIAL_CHANNEL = "official_channel"  # also through a hospital, post office or dealer point


class Channel(StrEnum):
    ONLINE = "online"  # done entirely online
    ONLINE_MAIL = "online_mail"  # applied online, the document arrives by post
    BOOKED_VISIT = "booked_visit"  # booked online, finished at an office
    WINDOW = "window"  # at a window without booking


class Regulation(StrEnum):
    # Keys of the source table in china-dmv-facts.md §0.
    L_DL = "L-DL"  # 机动车驾驶证申领和使用规定
    L_VR = "L-VR"  # 机动车登记规定
    L_PT = "L-PT"  # 道路交通安全违法行为记分管理办法
    L_VP = "L-VP"  # 道路交通安全违法行为处理程序规定
    L_AC = "L-AC"  # 道路交通事故处理程序规定
    L_RTSL = "L-RTSL"  # 道路交通安全法
    L_IR = "L-IR"  # 道路交通安全法实施条例
    L_APL = "L-APL"  # 行政处罚法


class LegalBasis(Strict):
    regulation: Regulation
    article: Text  # as the regulation numbers it: "第63条", "第54–56条"


class Material(Strict):
    name: Bilingual
    # Waived when the office can check it online (e.g. the ID card after real-name login).
    waived_online: bool = False
    note: Bilingual | None = None


class Faq(Strict):
    q: Bilingual
    a: Bilingual


class OfficeSetting(StrEnum):
    # Facts the reference marks unconfirmed: each office sets its own, the data holds the
    # default shown until it does.
    FEE = "fee"
    TIME_LIMIT = "time_limit"


class Item(Strict):
    code: Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
    category: Category
    name: Bilingual
    summary: Bilingual
    legal_basis: list[LegalBasis] = Field(min_length=1)
    applicant: Applicant
    conditions: list[Bilingual] = Field(min_length=1)
    materials: list[Material]
    fee_fen: int = Field(ge=0)
    fee_note: Bilingual | None = None
    time_limit_days: int = Field(ge=0)  # working days; 0 = on the spot
    channels: list[Channel] = Field(min_length=1)
    steps: list[Bilingual] = Field(min_length=2)
    faqs: list[Faq] = Field(min_length=1)
    related: list[str] = []
    synonyms_zh: list[Text] = Field(min_length=2)
    synonyms_en: list[Text] = Field(min_length=2)
    office_settings: list[OfficeSetting] = []
    # Four eyes: the staff member who accepted an application for a sensitive item may not
    # also approve it (items whose misuse yields a second document or a new identity).
    sensitive: bool = False

    @field_validator("channels")
    @classmethod
    def _channels_unique(cls, channels: list[Channel]) -> list[Channel]:
        if len(set(channels)) != len(channels):
            raise ValueError("a channel is listed twice")
        return channels

    @model_validator(mode="after")
    def _not_related_to_itself(self) -> Item:
        if self.code in self.related:
            raise ValueError("an item cannot be related to itself")
        return self

    @property
    def online(self) -> bool:
        return Channel.ONLINE in self.channels or Channel.ONLINE_MAIL in self.channels


class CatalogueFile(Strict):
    items: list[Item] = Field(min_length=1)
