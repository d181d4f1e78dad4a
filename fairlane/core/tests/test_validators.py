from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlane.core.validators import (
    CREDIT_CODE_CHARS,
    ID_PROVINCE_CODES,
    credit_code_check_char,
    format_plate,
    id_number_birth_date,
    id_number_check_char,
    id_number_is_male,
    organization_code_check_char,
    plate_is_battery_electric,
    plate_is_new_energy,
    validate_credit_code,
    validate_id_number,
    validate_licence_file_number,
    validate_mobile,
    validate_plate,
    validate_vin,
    vin_check_digit,
)

Validator = Callable[[object], str]
ALL_VALIDATORS: list[Validator] = [
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_vin,
    validate_licence_file_number,
    validate_credit_code,
]
FIXED_TODAY = date(2025, 6, 1)
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def error_of(validate: Callable[[str], str], value: object) -> ValidationError:
    with pytest.raises(ValidationError) as exc_info:
        validate(value)  # type: ignore[arg-type]
    return exc_info.value


def code_of(validate: Callable[[str], str], value: object) -> str | None:
    return error_of(validate, value).code


def with_id_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def with_credit_check(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


# --- shared behaviour ---------------------------------------------------------------------


@pytest.mark.parametrize("validate", ALL_VALIDATORS)
@pytest.mark.parametrize("value", [None, 12345678901, b"13812345678", ["x"]])
def test_every_validator_rejects_non_text(validate: Validator, value: object) -> None:
    assert code_of(validate, value) == "type"


@pytest.mark.parametrize("validate", ALL_VALIDATORS)
@pytest.mark.parametrize("value", ["", "   ", "\u3000\t\n"])
def test_every_validator_rejects_blank_text(validate: Validator, value: str) -> None:
    assert code_of(validate, value) == "required"


@settings(max_examples=150, deadline=None)
@given(value=st.text(max_size=25))
def test_every_validator_is_total_on_any_text(value: str) -> None:
    for validate in ALL_VALIDATORS:
        try:
            result = validate(value)
        except ValidationError as error:
            assert error.code
        else:
            # An accepted value is already normalised: validating it again changes nothing.
            assert validate(result) == result


# Text made of the characters the validators care about reaches the deeper checks.
RELEVANT_TEXT = st.text(alphabet="0123456789Xx13698ADFGLZIOQ沪粤京警港挂·+- ", min_size=5, max_size=20)


@settings(max_examples=300, deadline=None)
@given(value=RELEVANT_TEXT)
def test_every_validator_is_total_on_relevant_characters(value: str) -> None:
    for validate in ALL_VALIDATORS:
        try:
            validate(value)
        except ValidationError as error:
            assert error.code


# --- resident ID number -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["11010519491231002X", "53010219200508011X"])
def test_id_number_accepts_examples_from_the_fact_sheet(value: str) -> None:
    assert validate_id_number(value) == value


def test_id_number_normalises_lowercase_x_and_surrounding_space() -> None:
    assert validate_id_number("  53010219200508011x\n") == "53010219200508011X"


def test_id_number_folds_full_width_digits() -> None:
    assert validate_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


@pytest.mark.parametrize("region", ["810000", "820000", "830000", "650102"])
def test_id_number_accepts_residence_permit_and_border_regions(region: str) -> None:
    value = with_id_check(f"{region}19900101123")
    assert validate_id_number(value) == value


def test_id_number_rejects_wrong_length() -> None:
    # given a 17-character value (the check character is missing)
    error = error_of(validate_id_number, "11010519491231002")

    # then the reason is the length, with a message that does not echo the input
    assert error.code == "length"
    with translation.override("en"):
        assert error.messages == ["A resident ID number has exactly 18 characters."]


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002Y",  # check character may only be a digit or X
        "1101051949123100X2",  # X only in the last place
        "110105 9491231002X",  # inner space
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢٨",  # Arabic-Indic digits are digits to str.isdigit(), not to us
    ],
)
def test_id_number_rejects_bad_characters(value: str) -> None:
    assert code_of(validate_id_number, value) == "characters"


@pytest.mark.parametrize("first17", ["99010519491231002", "00010519491231002", "72010519491231002"])
def test_id_number_rejects_unknown_province_code(first17: str) -> None:
    assert code_of(validate_id_number, with_id_check(first17)) == "region"


@pytest.mark.parametrize("birth", ["19490231", "19491301", "19490000", "20230229"])
def test_id_number_rejects_a_date_of_birth_that_does_not_exist(birth: str) -> None:
    assert code_of(validate_id_number, with_id_check(f"110105{birth}002")) == "birth_date"


def test_id_number_accepts_a_leap_day() -> None:
    value = with_id_check("11010520000229002")
    assert validate_id_number(value) == value


def test_id_number_rejects_a_date_of_birth_in_the_future() -> None:
    # given an ID born the day after "today"
    value = with_id_check("11010520250602002")

    # when / then
    assert code_of(lambda v: validate_id_number(v, today=FIXED_TODAY), value) == "birth_future"
    assert validate_id_number(with_id_check("11010520250601002"), today=FIXED_TODAY).startswith("110105")


def test_id_number_future_check_uses_the_date_in_china_by_default() -> None:
    # given someone "born" tomorrow in Shanghai
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    value = with_id_check(f"310101{tomorrow:%Y%m%d}002")

    # then
    assert code_of(validate_id_number, value) == "birth_future"


def test_id_number_rejects_a_date_of_birth_before_1900() -> None:
    # given the fact sheet's 1880 example: its check character is right
    assert id_number_check_char("44052418800101001") == "4"

    # then it is refused only for the date
    assert code_of(validate_id_number, "440524188001010014") == "birth_too_early"
    assert validate_id_number(with_id_check("44052419000101001")) == with_id_check("44052419000101001")


def test_id_number_rejects_a_wrong_check_character_without_suggesting_one() -> None:
    # given the fact sheet's example with its X replaced by 1
    error = error_of(validate_id_number, "110105194912310021")

    # then
    assert error.code == "check_char"
    with translation.override("en"):
        assert error.messages == [
            "The check character does not match the other 17 characters; please check each digit."
        ]


def test_id_number_check_char_maps_every_remainder() -> None:
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_check_char("53010219200508011") == "X"
    assert id_number_check_char("00000000000000000") == "1"


@pytest.mark.parametrize("value", ["", "1234567890123456", "1101051949123100A", "110105194912310021"])
def test_id_number_check_char_refuses_anything_but_17_digits(value: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        id_number_check_char(value)


def test_id_number_birth_date_and_sex() -> None:
    assert id_number_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_number_is_male("11010519491231002X") is False  # 17th digit 2
    assert id_number_is_male("53010219200508011X") is True  # 17th digit 1


@pytest.mark.parametrize("helper", [id_number_birth_date, id_number_is_male])
def test_id_number_helpers_refuse_unvalidated_values(helper: Callable[[str], object]) -> None:
    with pytest.raises(ValueError, match="not a validated ID number"):
        helper("1101051949")


ID_FIRST17 = st.builds(
    lambda province, area, birth, seq: f"{province}{area}{birth:%Y%m%d}{seq}",
    st.sampled_from(sorted(ID_PROVINCE_CODES)),
    st.text(alphabet=string.digits, min_size=4, max_size=4),
    st.dates(min_value=date(1900, 1, 1), max_value=FIXED_TODAY),
    st.text(alphabet=string.digits, min_size=3, max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(first17=ID_FIRST17, last=st.sampled_from("0123456789Xx"))
def test_id_number_accepts_exactly_the_correct_check_character(first17: str, last: str) -> None:
    # given a well-formed candidate with some last character
    value = first17 + last
    correct = id_number_check_char(first17)

    # when / then: accepted if and only if the last character is the right one
    if last.upper() == correct:
        assert validate_id_number(value, today=FIXED_TODAY) == first17 + correct
    else:
        assert code_of(lambda v: validate_id_number(v, today=FIXED_TODAY), value) == "check_char"


@settings(max_examples=100, deadline=None)
@given(first17=ID_FIRST17, position=st.integers(0, 16), delta=st.integers(1, 9))
def test_id_number_check_char_catches_every_single_digit_typo(
    first17: str, position: int, delta: int
) -> None:
    # given a valid number with one digit changed
    valid = with_id_check(first17)
    typo = valid[:position] + str((int(valid[position]) + delta) % 10) + valid[position + 1 :]

    # then it is never accepted
    with pytest.raises(ValidationError):
        validate_id_number(typo, today=FIXED_TODAY)


# --- mobile number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        " 13812345678 ",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "8613812345678",
        "86 13812345678",
        "008613812345678",
        "0086 138 1234 5678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_accepts_common_spellings_and_normalises_to_11_digits(value: str) -> None:
    assert validate_mobile(value) == "13812345678"


@pytest.mark.parametrize("value", ["13012345678", "14512345678", "16612345678", "19912345678"])
def test_mobile_accepts_second_digits_3_to_9(value: str) -> None:
    assert validate_mobile(value) == value


@pytest.mark.parametrize("value", ["138a2345678", "138.1234.5678", "(86)13812345678", "1381234567８x"])
def test_mobile_rejects_other_characters(value: str) -> None:
    assert code_of(validate_mobile, value) == "characters"


@pytest.mark.parametrize("value", ["+1 415 555 2671", "+85291234567", "+"])
def test_mobile_rejects_foreign_country_codes(value: str) -> None:
    assert code_of(validate_mobile, value) == "country_code"


@pytest.mark.parametrize("value", ["1381234567", "138123456789", "+86", "861381234567", "00861381234567"])
def test_mobile_rejects_wrong_length(value: str) -> None:
    assert code_of(validate_mobile, value) == "length"


@pytest.mark.parametrize("value", ["12812345678", "11012345678", "23812345678", "+86 10 1234 56789"])
def test_mobile_rejects_numbers_that_are_not_mobile_prefixes(value: str) -> None:
    assert code_of(validate_mobile, value) == "prefix"


# --- licence plate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("沪A·12345", "沪A12345"),  # the fact sheet's example
        ("沪A12345", "沪A12345"),
        ("沪a 1b2c3", "沪A1B2C3"),
        ("京N•ZZ999", "京NZZ999"),
        ("沪A·D12345", "沪AD12345"),  # the fact sheet's new-energy example
        ("沪Afa1234", "沪AFA1234"),
        ("沪AK91234", "沪AK91234"),
        ("粤B12345D", "粤B12345D"),  # large new-energy
        ("粤B·12345F", "粤B12345F"),
        ("京A1234警", "京A1234警"),
        ("沪A0123学", "沪A0123学"),
        ("沪D1234挂", "沪D1234挂"),
        ("沪A1234领", "沪A1234领"),
        ("粤Z·1234港", "粤Z1234港"),
        ("粤ZA123澳", "粤ZA123澳"),
        ("沪Ａ１２３４５", "沪A12345"),
    ],
)
def test_plate_accepts_and_normalises(value: str, expected: str) -> None:
    assert validate_plate(value) == expected


@pytest.mark.parametrize("value", ["AA12345", "港A12345", "使012345", "上A12345", "1A12345"])
def test_plate_rejects_an_unknown_province(value: str) -> None:
    assert code_of(validate_plate, value) == "province"


@pytest.mark.parametrize("value", ["沪I12345", "沪O12345", "沪112345", "沪", "沪·12345", "沪挂"])
def test_plate_rejects_a_bad_authority_letter(value: str) -> None:
    assert code_of(validate_plate, value) == "authority"


@pytest.mark.parametrize("value", ["沪A1234", "沪A", "沪A1234567", "沪A123学", "沪A12345警"])
def test_plate_rejects_a_wrong_serial_length(value: str) -> None:
    assert code_of(validate_plate, value) == "length"


@pytest.mark.parametrize(
    "value",
    [
        "沪A1234O",  # O is never used
        "沪A12I45",  # nor I
        "沪A12·45",  # a dot only after the authority letter
        "沪A1234ſ",  # upper-cases to S in Python, must not be accepted
        "沪A12沪45",
        "沪AD1234A",  # small new-energy: last four are digits
        "粤B1234AD",  # large new-energy: first five are digits
        "京A12O4警",
    ],
)
def test_plate_rejects_bad_serial_characters(value: str) -> None:
    assert code_of(validate_plate, value) == "serial"


@pytest.mark.parametrize("value", ["沪AL12345", "沪AZ12345", "粤B123456", "粤B12345L"])
def test_plate_rejects_a_six_character_serial_without_an_energy_letter(value: str) -> None:
    assert code_of(validate_plate, value) == "energy_letter"


@pytest.mark.parametrize("value", ["沪A1234港", "粤B1234澳"])
def test_plate_rejects_hong_kong_and_macao_suffixes_outside_yue_z(value: str) -> None:
    assert code_of(validate_plate, value) == "special"


@pytest.mark.parametrize(
    ("plate", "new_energy", "battery_electric"),
    [
        ("沪AD12345", True, True),
        ("沪AA12345", True, True),
        ("沪AF12345", True, False),
        ("粤B12345D", True, True),
        ("粤B12345K", True, False),
        ("沪A12345", False, False),
        ("京A1234警", False, False),
    ],
)
def test_plate_energy_helpers(plate: str, new_energy: bool, battery_electric: bool) -> None:
    assert plate_is_new_energy(plate) is new_energy
    assert plate_is_battery_electric(plate) is battery_electric


def test_format_plate_puts_the_dot_after_the_authority_letter() -> None:
    assert format_plate("沪AD12345") == "沪A·D12345"
    assert validate_plate(format_plate("粤Z1234港")) == "粤Z1234港"


# --- VIN ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["LDC613P23A1305189", "LSJA24U62JG269225", "1M8GDM9AXKP042788"])
def test_vin_accepts_examples_from_the_fact_sheet(value: str) -> None:
    assert validate_vin(value) == value


def test_vin_normalises_case_and_space() -> None:
    assert validate_vin(" ldc613p23a1305189 ") == "LDC613P23A1305189"


@pytest.mark.parametrize("value", ["LDC613P23A130518", "LDC613P23A13051890", "LDC613P23 A1305189"])
def test_vin_rejects_wrong_length(value: str) -> None:
    assert code_of(validate_vin, value) == "length"


@pytest.mark.parametrize("value", ["LDC613P23A130518-", "LDC613P23A13051é9", "LDC613P23A1305 89"])
def test_vin_rejects_characters_other_than_letters_and_digits(value: str) -> None:
    assert code_of(validate_vin, value) == "characters"


@pytest.mark.parametrize("value", ["LDC613P23A13O5189", "IDC613P23A1305189", "LDC613P23Q1305189"])
def test_vin_rejects_the_letters_i_o_q(value: str) -> None:
    assert code_of(validate_vin, value) == "letters_ioq"


def test_vin_rejects_a_wrong_check_digit() -> None:
    error = error_of(validate_vin, "LDC613P24A1305189")

    assert error.code == "check_digit"
    with translation.override("en"):
        assert error.messages == [
            "The check digit (9th character) does not match the rest of the VIN; please check each one."
        ]


def test_vin_check_digit_ignores_the_current_ninth_character() -> None:
    assert vin_check_digit("LDC613P2?A1305189") == "3"
    assert vin_check_digit("1M8GDM9A0KP042788") == "X"


@pytest.mark.parametrize("value", ["", "LDC613P23A130518", "LDC613P23A130518O", "LDC613P23A130518é"])
def test_vin_check_digit_refuses_malformed_candidates(value: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        vin_check_digit(value)


@settings(max_examples=200, deadline=None)
@given(candidate=st.text(alphabet=VIN_CHARS, min_size=17, max_size=17), other=st.sampled_from("0123456789X"))
def test_vin_check_digit_round_trip(candidate: str, other: str) -> None:
    # given a candidate with the computed check digit put in place
    check = vin_check_digit(candidate)
    vin = candidate[:8] + check + candidate[9:]

    # then it validates, and any other 9th character does not
    assert validate_vin(vin) == vin
    assert vin_check_digit(vin) == check
    if other != check:
        assert code_of(validate_vin, vin[:8] + other + vin[9:]) == "check_digit"


# --- driving-licence file number ----------------------------------------------------------


def test_file_number_accepts_the_fact_sheet_example() -> None:
    assert validate_licence_file_number(" 430101758218 ") == "430101758218"


@pytest.mark.parametrize("value", ["43010175821A", "4301-0175-8218", "４３０１０１７５８２１８x"])
def test_file_number_rejects_non_digits(value: str) -> None:
    assert code_of(validate_licence_file_number, value) == "characters"


@pytest.mark.parametrize("value", ["43010175821", "4301017582180"])
def test_file_number_rejects_wrong_length(value: str) -> None:
    assert code_of(validate_licence_file_number, value) == "length"


# --- unified social credit code -----------------------------------------------------------


@pytest.mark.parametrize("value", ["9144030071526726XG", "91330100716105852F"])
def test_credit_code_accepts_published_codes(value: str) -> None:
    assert validate_credit_code(value) == value


def test_credit_code_normalises_case() -> None:
    assert validate_credit_code(" 9144030071526726xg ") == "9144030071526726XG"


def test_credit_code_check_chars() -> None:
    assert credit_code_check_char("9144030071526726X") == "G"
    assert organization_code_check_char("71526726") == "X"
    assert organization_code_check_char("71610585") == "2"


@pytest.mark.parametrize("value", ["9144030071526726X", "9144030071526726XGG"])
def test_credit_code_rejects_wrong_length(value: str) -> None:
    assert code_of(validate_credit_code, value) == "length"


@pytest.mark.parametrize(
    "value",
    [
        "9144030071526726OG",  # O
        "914403007152672SXG",  # S
        "91440300715267Z6XG",  # Z
        "9144030071526726-G",
        "9144030071526726ſG",
    ],
)
def test_credit_code_rejects_characters_outside_its_alphabet(value: str) -> None:
    assert code_of(validate_credit_code, value) == "characters"


@pytest.mark.parametrize("first17", ["B144030071526726X", "0144030071526726X", "X144030071526726X"])
def test_credit_code_rejects_an_unknown_registration_authority(first17: str) -> None:
    assert code_of(validate_credit_code, with_credit_check(first17)) == "authority"


@pytest.mark.parametrize("first17", ["91A40300715267260", "9144030Y715267260"])
def test_credit_code_rejects_a_region_that_is_not_six_digits(first17: str) -> None:
    assert code_of(validate_credit_code, with_credit_check(first17)) == "region"


def test_credit_code_rejects_a_wrong_check_character() -> None:
    assert code_of(validate_credit_code, "9144030071526726XH") == "check_char"


@pytest.mark.parametrize("helper", [credit_code_check_char, organization_code_check_char])
def test_credit_code_helpers_refuse_malformed_input(helper: Callable[[str], str]) -> None:
    with pytest.raises(ValueError, match="expected"):
        helper("91-4403")


@settings(max_examples=200, deadline=None)
@given(
    authority=st.sampled_from("123456789ANY"),
    rest=st.text(alphabet=CREDIT_CODE_CHARS, min_size=1, max_size=1),
    region=st.text(alphabet=string.digits, min_size=6, max_size=6),
    body=st.text(alphabet=CREDIT_CODE_CHARS, min_size=9, max_size=9),
    other=st.sampled_from(CREDIT_CODE_CHARS),
)
def test_credit_code_accepts_exactly_the_correct_check_character(
    authority: str, rest: str, region: str, body: str, other: str
) -> None:
    first17 = authority + rest + region + body
    check = credit_code_check_char(first17)

    assert validate_credit_code(first17 + check) == first17 + check
    if other != check:
        assert code_of(validate_credit_code, first17 + other) == "check_char"
