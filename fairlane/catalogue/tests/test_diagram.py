from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fairlane.catalogue.diagram import _width, steps_svg, wrap


def test_chinese_wraps_between_characters() -> None:
    lines = wrap("在本平台提交申请并上传身体条件证明", max_units=6)
    assert lines == ["在本平台提交", "申请并上传身", "体条件证明"]


def test_closing_punctuation_never_starts_a_line() -> None:
    assert wrap("提交申请；领取新证", max_units=4) == ["提交申请；", "领取新证"]


def test_english_wraps_at_spaces() -> None:
    assert wrap("Submit the application on this platform", max_units=12) == [
        "Submit the",
        "application on this",
        "platform",
    ]


def test_svg_escapes_text_and_numbers_steps() -> None:
    svg = str(steps_svg(["<b>提交</b>", "领取 & 完成"], title="步骤"))
    assert "<b>" not in svg
    assert "&lt;b&gt;提交&lt;/b&gt;" in svg
    assert "领取 &amp; 完成" in svg
    assert svg.count('class="flow__box"') == 2
    assert svg.count('class="flow__arrow"') == 1
    assert '<title id="flow-title">步骤</title>' in svg


@given(st.text(max_size=120), st.floats(min_value=4, max_value=40))
def test_wrapped_lines_keep_every_visible_character_and_fit(text: str, units: float) -> None:
    lines = wrap(text, max_units=units)
    assert "".join("".join(lines).split()) == "".join(text.split())
    for line in lines:
        # A line is only wider than allowed when it is one unbreakable word.
        # (or ends with one closing punctuation mark that may not start the next line).
        assert _width(line) <= units or " " not in line.strip() or _width(line[:-1]) <= units
