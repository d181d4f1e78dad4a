from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fairlane.accounts import services
from fairlane.accounts.models import SmsCode, User
from fairlane.accounts.tests.factories import PASSWORD, register_citizen, send_code
from fairlane.core.audit import AuditAction
from fairlane.core.errors import InvalidInput, Throttled
from fairlane.integrity.models import AuditEvent

pytestmark = pytest.mark.django_db

GOOD_ID = "11010519491231002X"
GOOD_PHONE = "13912345678"


def _register(**overrides: str) -> User:
    fields = {"name": "王小明", "id_number": GOOD_ID, "phone": GOOD_PHONE, "code": "", "password": PASSWORD}
    fields.update(overrides)
    if not fields["code"]:
        fields["code"] = send_code(fields["phone"]) if fields["phone"] == GOOD_PHONE else "123456"
    return services.account_register(**fields)


def test_register_creates_citizen_bound_to_id_number() -> None:
    # when
    user = _register(id_number=GOOD_ID.lower())

    # then
    assert user.id_number == GOOD_ID
    assert user.phone == GOOD_PHONE
    assert user.role == "citizen"
    assert list(user.groups.values_list("name", flat=True)) == ["citizen"]
    assert user.check_password(PASSWORD)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.object_id) == (
        AuditAction.ACCOUNT_REGISTERED,
        user.pk,
        str(user.pk),
    )


@pytest.mark.parametrize(
    ("_case", "field", "value"),
    [
        ("id too short", "id_number", "11010519491231002"),
        ("id bad check character", "id_number", "110105194912310021"),
        ("id impossible birth date", "id_number", "110105194902300029"),
        ("id letters", "id_number", "11010519491231ABCD"),
        ("phone too short", "phone", "1391234567"),
        ("phone bad prefix", "phone", "12912345678"),
        ("name with digits", "name", "王2"),
        ("password too short", "password", "ab1!"),
        ("password common", "password", "password123"),
        ("code not digits", "code", "12a456"),
    ],
)
def test_register_rejects_bad_field_with_message(_case: str, field: str, value: str) -> None:
    # when
    with pytest.raises(InvalidInput) as caught:
        _register(**{field: value})

    # then
    assert list(caught.value.fields) == [field]
    assert caught.value.fields[field]
    assert User.objects.count() == 0


def test_register_reports_every_invalid_field_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        services.account_register(name="", id_number="x", phone="y", code="", password="")

    assert sorted(caught.value.fields) == ["code", "id_number", "name", "password", "phone"]


def test_second_account_for_same_id_number_is_refused() -> None:
    # given
    _register()

    # when
    with pytest.raises(InvalidInput) as caught:
        _register(phone="13712345678", code=send_code("13712345678"))

    # then
    assert list(caught.value.fields) == ["id_number"]
    assert User.objects.count() == 1


def test_wrong_code_is_refused_and_counted() -> None:
    # given
    code = send_code(GOOD_PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    # when
    with pytest.raises(InvalidInput) as caught:
        _register(code=wrong)

    # then
    assert list(caught.value.fields) == ["code"]
    assert SmsCode.objects.get().failed_attempts == 1
    assert User.objects.count() == 0


def test_code_dies_after_five_wrong_guesses() -> None:
    code = send_code(GOOD_PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(InvalidInput):
            _register(code=wrong)

    with pytest.raises(InvalidInput) as caught:
        _register(code=code)

    assert list(caught.value.fields) == ["code"]


def test_code_is_single_use() -> None:
    code = send_code(GOOD_PHONE)
    assert services.sms_code_consume(phone=GOOD_PHONE, purpose="register", code=code) is True
    assert services.sms_code_consume(phone=GOOD_PHONE, purpose="register", code=code) is False


def test_code_expires_after_ten_minutes() -> None:
    code = send_code(GOOD_PHONE)
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        assert services.sms_code_consume(phone=GOOD_PHONE, purpose="register", code=code) is False


def test_new_code_replaces_the_old_one() -> None:
    first = send_code(GOOD_PHONE)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        second = send_code(GOOD_PHONE)
        assert services.sms_code_consume(phone=GOOD_PHONE, purpose="register", code=first) is (
            first == second
        )
        assert services.sms_code_consume(phone=GOOD_PHONE, purpose="register", code=second) is (
            first != second
        )


def test_sms_sending_is_rate_limited_per_phone() -> None:
    send_code(GOOD_PHONE)
    with pytest.raises(Throttled):
        services.sms_code_send(phone=GOOD_PHONE, ip="10.0.0.2")
    assert SmsCode.objects.count() == 1


def test_sms_sending_is_rate_limited_per_ip() -> None:
    phones = [f"1390000{n:04d}" for n in range(21)]
    for phone in phones[:20]:
        send_code(phone, ip="10.9.9.9")
    with pytest.raises(Throttled):
        services.sms_code_send(phone=phones[20], ip="10.9.9.9")
    assert SmsCode.objects.count() == 20


def test_registration_name_must_match_office_records() -> None:
    # given: the office's records know this ID number under another name
    from fairlane.registry.tests.factories import make_licence, make_office

    make_licence(id_number=GOOD_ID, holder_name="赵六", office=make_office())

    # when
    with pytest.raises(InvalidInput) as caught:
        _register(name="王小明")

    # then
    assert list(caught.value.fields) == ["name"]
    assert User.objects.count() == 0


def test_register_citizen_factory_makes_distinct_people() -> None:
    a = register_citizen(seed=1)
    b = register_citizen(seed=2)
    assert a.id_number != b.id_number


VALID_VIN = "LSVAU2180N2183294"  # position 9 is replaced by the real check digit in _vin()
VALID_PLATE = "沪AD12345"


def _vin() -> str:
    from fairlane.core.validators import vin_check_digit

    return VALID_VIN[:8] + vin_check_digit(VALID_VIN) + VALID_VIN[9:]


@pytest.mark.parametrize(
    ("_case", "plate", "vin", "fields"),
    [
        ("plate unknown province", "X A12345", None, ["plate"]),
        ("plate with letter O", "沪AO1234", None, ["plate"]),
        ("plate too short", "沪A1234", None, ["plate"]),
        ("new-energy plate without energy letter", "沪A123456", None, ["plate"]),
        ("vin too short", VALID_PLATE, "LSVAU2180N218329", ["vin"]),
        ("vin with letter I", VALID_PLATE, "LSVAU2I80N2183294", ["vin"]),
        ("vin wrong check digit", VALID_PLATE, "wrong-check", ["vin"]),
        ("plate without vin", VALID_PLATE, "", ["vin"]),
        ("vin without plate", "", None, ["plate"]),
    ],
)
def test_register_rejects_bad_vehicle_fields(
    _case: str, plate: str, vin: str | None, fields: list[str]
) -> None:
    # given
    good_vin = _vin()
    if vin == "wrong-check":
        vin = good_vin[:8] + ("0" if good_vin[8] != "0" else "1") + good_vin[9:]
    elif vin is None:
        vin = good_vin

    # when
    with pytest.raises(InvalidInput) as caught:
        _register(plate=plate, vin=vin)

    # then
    assert sorted(caught.value.fields) == fields
    assert User.objects.count() == 0


def test_owner_confirms_a_vehicle_registered_to_them() -> None:
    # given
    from fairlane.registry.tests.factories import make_office, make_vehicle

    office = make_office()
    make_vehicle(owner_id_number=GOOD_ID, owner_name="王小明", office=office, plate=VALID_PLATE, vin=_vin())

    # when
    user = _register(plate="沪A·d12345", vin=_vin().lower())

    # then
    assert user.id_number == GOOD_ID
    assert AuditEvent.objects.get().changes == {"vehicle_confirmed": [None, True]}


def test_vehicle_of_someone_else_is_refused() -> None:
    # given: the car exists but belongs to another ID number
    from fairlane.registry.tests.factories import make_office, make_vehicle

    make_vehicle(
        owner_id_number="110105194912310097",
        owner_name="李四",
        office=make_office(),
        plate=VALID_PLATE,
        vin=_vin(),
    )

    # when
    with pytest.raises(InvalidInput) as caught:
        _register(plate=VALID_PLATE, vin=_vin())

    # then
    assert list(caught.value.fields) == ["plate"]
    assert User.objects.count() == 0
