"""Validators for the identifiers a vehicle office handles every day.

Every `validate_*` takes whatever the user typed and either returns the normalised value
or raises `ValidationError` with a translated reason and a stable code. They never raise
anything else, whatever the input, so forms and the API can call them on raw input. They
also work as Django field validators (Django ignores the return value).

Rules and their sources are in reference/china-dmv-facts.md §5.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CHINA_TZ: Final = ZoneInfo("Asia/Shanghai")
_DIGITS: Final = frozenset("0123456789")
# Chinese input methods often produce full-width forms (１２３ＡＢＣ) and the ideographic space.
_FULLWIDTH_TO_ASCII: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ASCII_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def _prepare(value: object) -> str:
    """Return the stripped text with full-width characters folded to ASCII, or refuse it."""
    if not isinstance(value, str):
        raise ValidationError(_("Enter the value as text."), code="type")
    text = value.translate(_FULLWIDTH_TO_ASCII).strip()
    if not text:
        raise ValidationError(_("This field is required."), code="required")
    return text


def _upper_ascii(text: str) -> str:
    # Only ASCII is upper-cased: "ſ".upper() is "S", which must not sneak into a code.
    return text.translate(_ASCII_UPPER)


def _all_digits(text: str) -> bool:
    # str.isdigit() would accept other scripts' digits and superscripts.
    return all(ch in _DIGITS for ch in text)


def _today_in_china() -> date:
    return datetime.now(_CHINA_TZ).date()


# --- Resident ID number (GB 11643-1999) --------------------------------------------------

# Province-level codes of GB/T 2260, plus 81/82/83 used by the residence permits of Hong
# Kong, Macao and Taiwan residents (810000, 820000, 830000).
ID_PROVINCE_CODES: Final = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65", "71", "81", "82", "83"}
)
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS: Final = "10X98765432"
_ID_EARLIEST_BIRTH: Final = date(1900, 1, 1)


def id_number_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not _all_digits(first17):
        raise ValueError("expected 17 ASCII digits")
    total = sum(int(ch) * weight for ch, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _parse_birth_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def validate_id_number(value: object, *, today: date | None = None) -> str:
    """Check an 18-character resident ID number and return it with an upper-case X."""
    text = _prepare(value)
    if len(text) != 18:
        raise ValidationError(_("A resident ID number has exactly 18 characters."), code="length")
    body, last = text[:17], _upper_ascii(text[17])
    if not _all_digits(body) or last not in _ID_CHECK_CHARS:
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or the letter X."), code="characters"
        )
    if body[:2] not in ID_PROVINCE_CODES:
        raise ValidationError(
            _("The first two digits are not the code of a province-level region."), code="region"
        )
    birth = _parse_birth_date(body[6:14])
    if birth is None:
        raise ValidationError(
            _("Digits 7 to 14 must be a real date of birth written as YYYYMMDD."), code="birth_date"
        )
    if birth > (_today_in_china() if today is None else today):
        raise ValidationError(_("The date of birth in the ID number is in the future."), code="birth_future")
    if birth < _ID_EARLIEST_BIRTH:
        raise ValidationError(_("The date of birth in the ID number is before 1900."), code="birth_too_early")
    # Not telling which character is expected: the mistake is usually a mistyped digit elsewhere.
    if id_number_check_char(body) != last:
        raise ValidationError(
            _("The check character does not match the other 17 characters; please check each digit."),
            code="check_char",
        )
    return body + last


def _require_validated_id(valid_id: str) -> None:
    if len(valid_id) != 18 or not _all_digits(valid_id[:17]):
        raise ValueError("not a validated ID number")


def id_number_birth_date(valid_id: str) -> date:
    """The date of birth in an ID number that has passed `validate_id_number`."""
    _require_validated_id(valid_id)
    birth = _parse_birth_date(valid_id[6:14])
    if birth is None:
        raise ValueError("not a validated ID number")
    return birth


def id_number_is_male(valid_id: str) -> bool:
    """The 17th digit (end of the sequence number) is odd for men and even for women."""
    _require_validated_id(valid_id)
    return int(valid_id[16]) % 2 == 1


# --- Mainland mobile number --------------------------------------------------------------

_MOBILE_SEPARATORS: Final = re.compile(r"[ \-]+")


def _strip_country_code(digits: str, had_plus: bool) -> str:
    if had_plus:
        if not digits.startswith("86"):
            raise ValidationError(
                _("Only mainland China mobile numbers (+86) are accepted."), code="country_code"
            )
        return digits[2:]
    if len(digits) == 15 and digits.startswith("0086"):
        return digits[4:]
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits


def validate_mobile(value: object) -> str:
    """Check a mainland mobile number; return its 11 digits without country code or separators."""
    text = _prepare(value)
    had_plus = text.startswith("+")
    digits = _MOBILE_SEPARATORS.sub("", text[1:] if had_plus else text)
    if not _all_digits(digits):
        raise ValidationError(
            _("A mobile number may contain only digits, spaces, dashes and a leading +86."),
            code="characters",
        )
    number = _strip_country_code(digits, had_plus)
    if len(number) != 11:
        raise ValidationError(_("A mainland mobile number has 11 digits."), code="length")
    if number[0] != "1" or number[1] not in "3456789":
        raise ValidationError(
            _("A mainland mobile number starts with 1 followed by a digit from 3 to 9."), code="prefix"
        )
    return number


# --- Licence plate (GA 36-2018) ----------------------------------------------------------

PLATE_PROVINCES: Final = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# I and O are never used, so they cannot be confused with 1 and 0.
PLATE_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_PLATE_SERIAL_CHARS: Final = frozenset(PLATE_LETTERS + "0123456789")
# D A B C E: battery-electric; F G H J K: other new-energy (plug-in hybrid, fuel cell, …).
PLATE_ENERGY_LETTERS: Final = "DABCEFGHJK"
PLATE_BATTERY_ELECTRIC_LETTERS: Final = "DABCE"
# 挂 trailer, 学 driving-school car, 警 police, 领 consulate; 港/澳 only on 粤Z plates.
PLATE_SUFFIXES: Final = "挂学警领港澳"
_CROSS_BORDER_SUFFIXES: Final = "港澳"
_CROSS_BORDER_PREFIX: Final = "粤Z"
# A dot or space is often typed after the authority letter, as printed on the plate (沪A·12345).
_PLATE_SEPARATORS: Final = "·•・. -"


def _plate_serial_error() -> ValidationError:
    return ValidationError(
        _("The plate serial may contain only digits and the letters A to Z except I and O."), code="serial"
    )


def _energy_letter_error() -> ValidationError:
    return ValidationError(
        _(
            "A six-character serial is a new-energy plate: it must start (small vehicles) or end "
            "(large vehicles) with an energy letter: D, A, B, C or E for battery-electric, "
            "F, G, H, J or K for other new-energy vehicles."
        ),
        code="energy_letter",
    )


def _check_ordinary_serial(serial: str) -> None:
    if not all(ch in _PLATE_SERIAL_CHARS for ch in serial):
        raise _plate_serial_error()


def _check_new_energy_serial(serial: str) -> None:
    if not all(ch in _PLATE_SERIAL_CHARS for ch in serial):
        raise _plate_serial_error()
    if serial[0] in _DIGITS:
        # Large vehicle: five digits, then the energy letter.
        if not _all_digits(serial[:5]):
            raise ValidationError(
                _("A large new-energy plate has five digits before the energy letter."), code="serial"
            )
        if serial[5] not in PLATE_ENERGY_LETTERS:
            raise _energy_letter_error()
        return
    # Small vehicle: the energy letter, a letter or digit, then four digits.
    if serial[0] not in PLATE_ENERGY_LETTERS:
        raise _energy_letter_error()
    if not _all_digits(serial[2:]):
        raise ValidationError(
            _("After the energy letter, a small new-energy plate has one letter or digit, then four digits."),
            code="serial",
        )


def _check_special_serial(prefix: str, serial: str, suffix: str) -> None:
    if suffix in _CROSS_BORDER_SUFFIXES and prefix != _CROSS_BORDER_PREFIX:
        raise ValidationError(
            _("Hong Kong and Macao plates (港/澳) are issued only as 粤Z plates."), code="special"
        )
    if len(serial) != 4:
        raise ValidationError(
            _("A plate ending in a special character has four characters before it."), code="length"
        )
    _check_ordinary_serial(serial)


def _drop_separator(rest: str) -> str:
    if len(rest) > 1 and rest[1] in _PLATE_SEPARATORS:
        return rest[0] + rest[2:]
    return rest


def validate_plate(value: object) -> str:
    """Check a plate number; return it upper-case without separator, e.g. "沪AD12345"."""
    text = _prepare(value)
    province, rest = text[0], _drop_separator(text[1:])
    if province not in PLATE_PROVINCES:
        raise ValidationError(
            _("A plate starts with the one-character abbreviation of a province, such as 沪 or 京."),
            code="province",
        )
    suffix = rest[-1] if rest and rest[-1] in PLATE_SUFFIXES else ""
    rest = rest[: len(rest) - len(suffix)]
    rest = _upper_ascii(rest)
    if not rest or rest[0] not in PLATE_LETTERS:
        raise ValidationError(
            _("The second character is the issuing authority: a letter from A to Z except I and O."),
            code="authority",
        )
    serial = rest[1:]
    if suffix:
        _check_special_serial(province + rest[0], serial, suffix)
    elif len(serial) == 5:
        _check_ordinary_serial(serial)
    elif len(serial) == 6:
        _check_new_energy_serial(serial)
    else:
        raise ValidationError(
            _("After the province and authority letter a plate has 5 characters, or 6 for new-energy."),
            code="length",
        )
    return province + rest + suffix


def plate_is_new_energy(valid_plate: str) -> bool:
    """Whether a plate returned by `validate_plate` is a (green) new-energy plate."""
    return len(valid_plate) == 8


def plate_is_battery_electric(valid_plate: str) -> bool:
    """Whether a new-energy plate's energy letter says battery-electric."""
    if not plate_is_new_energy(valid_plate):
        return False
    letter = valid_plate[2] if valid_plate[2] not in _DIGITS else valid_plate[7]
    return letter in PLATE_BATTERY_ELECTRIC_LETTERS


def format_plate(valid_plate: str) -> str:
    """The plate as printed: a middle dot after the authority letter ("沪A·12345")."""
    return f"{valid_plate[:2]}·{valid_plate[2:]}"


# --- Vehicle identification number (ISO 3779 / GB 16735-2019) ---------------------------

_VIN_LETTER_VALUES: Final = {
    **dict.fromkeys("AJ", 1),
    **dict.fromkeys("BKS", 2),
    **dict.fromkeys("CLT", 3),
    **dict.fromkeys("DMU", 4),
    **dict.fromkeys("ENV", 5),
    **dict.fromkeys("FW", 6),
    **dict.fromkeys("GPX", 7),
    **dict.fromkeys("HY", 8),
    **dict.fromkeys("RZ", 9),
}
_VIN_VALUES: Final = {str(d): d for d in range(10)} | _VIN_LETTER_VALUES
_VIN_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_FORBIDDEN_LETTERS: Final = frozenset("IOQ")


def vin_check_digit(vin17: str) -> str:
    """The check digit (position 9) a 17-character VIN should have; its current 9th char is ignored."""
    candidate = _upper_ascii(vin17)
    if len(candidate) != 17:
        raise ValueError("expected 17 characters")
    candidate = candidate[:8] + "0" + candidate[9:]
    if not all(ch in _VIN_VALUES for ch in candidate):
        raise ValueError("expected digits and letters other than I, O and Q")
    remainder = sum(_VIN_VALUES[ch] * weight for ch, weight in zip(candidate, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: object) -> str:
    """Check a VIN, including its mandatory check digit; return it upper-case."""
    text = _prepare(value)
    if len(text) != 17:
        raise ValidationError(_("A VIN has exactly 17 characters."), code="length")
    if not text.isascii() or not text.isalnum():
        raise ValidationError(_("A VIN contains only digits and the letters A to Z."), code="characters")
    vin = _upper_ascii(text)
    if any(ch in _VIN_FORBIDDEN_LETTERS for ch in vin):
        raise ValidationError(
            _("A VIN never contains the letters I, O or Q; they are easily confused with 1 and 0."),
            code="letters_ioq",
        )
    if vin_check_digit(vin) != vin[8]:
        raise ValidationError(
            _("The check digit (9th character) does not match the rest of the VIN; please check each one."),
            code="check_digit",
        )
    return vin


# --- Driving-licence file number (档案编号) ----------------------------------------------


def validate_licence_file_number(value: object) -> str:
    """Check the 12-digit file number printed on a driving licence."""
    text = _prepare(value)
    if not _all_digits(text):
        raise ValidationError(_("A licence file number contains only digits."), code="characters")
    if len(text) != 12:
        raise ValidationError(_("A licence file number has exactly 12 digits."), code="length")
    return text


# --- Unified social credit code (GB 32100-2015) ------------------------------------------

# The 31 characters of the code, in value order: no I, O, Z, S or V.
CREDIT_CODE_CHARS: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_VALUES: Final = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARS)}
# 3**i mod 31 for positions 1–17.
_CREDIT_CODE_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authorities: 1 编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会,
# 9 市场监管 (工商), A 军队编制, N 农业, Y 其他.
CREDIT_CODE_AUTHORITIES: Final = "123456789ANY"
_ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_check_char(first17: str) -> str:
    """The MOD 31 check character (position 18) for the first 17 characters of a credit code."""
    if len(first17) != 17 or not all(ch in _CREDIT_CODE_VALUES for ch in first17):
        raise ValueError("expected 17 characters of the credit-code alphabet")
    total = sum(
        _CREDIT_CODE_VALUES[ch] * weight for ch, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def organization_code_check_char(first8: str) -> str:
    """The GB 11714 check character of a 9-character organisation code (positions 9–17 of a credit code).

    Not enforced by `validate_credit_code`: the MOD 31 check already catches typing errors,
    and refusing a real code over a rule we could not check against every issuer would lock
    a real agency out.
    """
    if len(first8) != 8 or not (first8.isascii() and first8.isalnum()):
        raise ValueError("expected 8 digits or letters")
    total = sum(
        int(ch, 36) * weight for ch, weight in zip(_upper_ascii(first8), _ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(value: object) -> str:
    """Check an 18-character unified social credit code; return it upper-case."""
    text = _prepare(value)
    if len(text) != 18:
        raise ValidationError(_("A unified social credit code has exactly 18 characters."), code="length")
    code = _upper_ascii(text)
    if not all(ch in _CREDIT_CODE_VALUES for ch in code):
        raise ValidationError(
            _("A unified social credit code uses digits and letters except I, O, Z, S and V."),
            code="characters",
        )
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        raise ValidationError(
            _("The first character is not a known registration-authority code."), code="authority"
        )
    if not _all_digits(code[2:8]):
        raise ValidationError(
            _("Characters 3 to 8 must be the six-digit region code of the registering office."), code="region"
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character does not match the other 17 characters; please check each character."),
            code="check_char",
        )
    return code
