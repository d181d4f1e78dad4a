"""Paying fines through the simulated gateway, late fees, and the services that wait for a
vehicle's violations and a licence's fines to be settled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from fairlane.accounts.models import User
from fairlane.applications import services as applications
from fairlane.applications.handlers.base import ALL, Facts
from fairlane.applications.handlers.licence.renewal import Renewal
from fairlane.applications.handlers.vehicle.marks import ExemptMark, MarkReplacement
from fairlane.applications.tests.flow import desk_make, draft_complete
from fairlane.applications.tests.vehicle_builders import make_facts, make_vehicle
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.payments import services as payments
from fairlane.payments.models import OrderStatus, PaymentOrder
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DriverLicence, HealthCertificate, LicenceStatus, Vehicle
from fairlane.violations import bindings
from fairlane.violations.fines import fine_pay
from fairlane.violations.handling import violation_handle
from fairlane.violations.models import Fine, FineStatus
from fairlane.violations.tests.factories import Driver, driver_make, violation_make


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")


def morning(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=SHANGHAI)


def handled_fine(driver: Driver, code: str = "1625") -> Fine:
    violation = violation_make(vehicle=driver.vehicle, code=code)
    decision = violation_handle(actor=driver.user, violation=violation)
    return Fine.objects.select_related("decision").get(decision=decision)


def pay_at_gateway(payer: User, order: PaymentOrder) -> PaymentOrder:
    payments.payment_start(actor=payer, order=order)
    order.refresh_from_db()
    return payments.simulated_payment_decide(actor=payer, gateway_reference=order.gateway_reference, pay=True)


def order_lines(order: PaymentOrder) -> list[tuple[str, int]]:
    return list(order.lines.order_by("position").values_list("kind", "amount_fen"))


@pytest.mark.django_db
def test_paying_the_fine_at_the_gateway_marks_it_paid() -> None:
    # given
    driver = driver_make()
    fine = handled_fine(driver)

    # when
    order = fine_pay(actor=driver.user, fine=fine)
    paid = pay_at_gateway(driver.user, order)

    # then
    assert (order.subject, order.amount_fen, order.office) == (
        f"fine:{fine.decision.number}",
        20_000,
        fine.decision.office,
    )
    assert order_lines(order) == [("fine", 20_000)]
    assert paid.status == OrderStatus.PAID
    fine.refresh_from_db()
    assert (fine.status, fine.late_fee_fen, fine.paid_at, fine.payment_reference) == (
        FineStatus.PAID,
        0,
        paid.paid_at,
        order.reference,
    )
    event = AuditEvent.objects.get(action=AuditAction.FINE_PAID)
    assert (event.object_id, event.reason) == (str(fine.pk), order.reference)


@pytest.mark.django_db
def test_a_fine_paid_two_days_late_adds_3_percent_a_day() -> None:
    # given: due in 15 days; paid on the 17th day
    driver = driver_make()
    fine = handled_fine(driver)
    late_day = fine.due_on + timedelta(days=2)

    # when
    with time_machine.travel(morning(late_day), tick=False):
        order = fine_pay(actor=driver.user, fine=fine)
        pay_at_gateway(driver.user, order)

    # then
    assert order_lines(order) == [("fine", 20_000), ("late_fee", 1_200)]
    fine.refresh_from_db()
    assert (fine.status, fine.late_fee_fen) == (FineStatus.PAID, 1_200)


@pytest.mark.django_db
def test_an_order_from_an_earlier_day_is_replaced_with_todays_late_fee() -> None:
    # given: an order made one day late and left unpaid
    driver = driver_make()
    fine = handled_fine(driver)
    with time_machine.travel(morning(fine.due_on + timedelta(days=1)), tick=False):
        stale = fine_pay(actor=driver.user, fine=fine)

    # when: paid the day after
    with time_machine.travel(morning(fine.due_on + timedelta(days=2)), tick=False):
        again_same_day = fine_pay(actor=driver.user, fine=fine)
        fresh = fine_pay(actor=driver.user, fine=fine)

    # then
    stale.refresh_from_db()
    assert stale.status == OrderStatus.CANCELLED
    assert order_lines(stale) == [("fine", 20_000), ("late_fee", 600)]
    assert again_same_day == fresh
    assert order_lines(fresh) == [("fine", 20_000), ("late_fee", 1_200)]


@pytest.mark.django_db
def test_the_late_fee_never_passes_the_fine() -> None:
    # given: two months late
    driver = driver_make()
    fine = handled_fine(driver, code="6011")  # ¥50

    # when
    with time_machine.travel(morning(fine.due_on + timedelta(days=60)), tick=False):
        order = fine_pay(actor=driver.user, fine=fine)

    # then
    assert order_lines(order) == [("fine", 5_000), ("late_fee", 5_000)]


@pytest.mark.django_db
def test_the_vehicles_owner_may_pay_the_bound_drivers_fine() -> None:
    # given: a driver handled a violation of the owner's car
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        binding = bindings.binding_request(driver=driver.user, plate=owner.vehicle.plate)
        bindings.binding_decide(owner=owner.user, binding=binding, confirm=True)
    violation = violation_make(vehicle=owner.vehicle, occurred_at=timezone.now() - timedelta(days=1))
    decision = violation_handle(actor=driver.user, violation=violation)

    # when
    order = fine_pay(actor=owner.user, fine=decision.fine)
    pay_at_gateway(owner.user, order)

    # then
    assert order.payer == owner.user
    decision.fine.refresh_from_db()
    assert decision.fine.status == FineStatus.PAID


@pytest.mark.django_db
def test_a_stranger_cannot_pay_and_nothing_changes() -> None:
    # given
    driver = driver_make()
    stranger = driver_make(seed=3, name="张三")
    fine = handled_fine(driver)

    # when / then
    with pytest.raises(NotFound):
        fine_pay(actor=stranger.user, fine=fine)
    assert PaymentOrder.objects.count() == 0


@pytest.mark.django_db
def test_a_paid_fine_cannot_be_paid_again() -> None:
    # given
    driver = driver_make()
    fine = handled_fine(driver)
    pay_at_gateway(driver.user, fine_pay(actor=driver.user, fine=fine))
    fine.refresh_from_db()

    # when
    with pytest.raises(ApiError) as refused:
        fine_pay(actor=driver.user, fine=fine)

    # then
    assert (refused.value.status, refused.value.code) == (409, "not_payable")
    assert PaymentOrder.objects.count() == 1


# --- Services that wait for arrears ------------------------------------------------------------


def test_an_inspection_mark_waits_for_the_vehicles_violations() -> None:
    # given: a vehicle eligible for both mark items, but with 2 unsettled violations
    facts = make_facts(make_vehicle(), unsettled_violations=2)

    # when
    problems = {
        handler.code: [(p.field, str(p.message)) for p in handler.problems(facts, {})]
        for handler in (ExemptMark(), MarkReplacement())
    }

    # then
    message = (
        "This vehicle has 2 violation(s) not yet settled: handle them and pay their fines first "
        "(on the Violations page, or at a window)."
    )
    assert problems == {"VH-MARK-EXEMPT": [(ALL, message)], "VH-MARK-LOST": [(ALL, message)]}


def test_an_inspection_mark_without_arrears_has_no_such_problem() -> None:
    facts = make_facts(make_vehicle(), unsettled_violations=0)
    assert ExemptMark().problems(facts, {}) == []


def _renewable_facts(unpaid_fines: int) -> Facts:
    today = date(2026, 6, 15)
    licence = DriverLicence(
        id_number="310101199003071234",
        holder_name="王小明",
        classes="C1",
        first_issued_on=date(2020, 7, 1),
        valid_from=date(2020, 7, 1),
        valid_until=date(2026, 7, 1),
        validity="6",
        status=LicenceStatus.NORMAL,
        cycle_start=date(2025, 7, 1),
    )
    # The health certificate is the only other thing renewal checks: a valid one.
    certificate = HealthCertificate(
        id_number=licence.id_number, issued_on=today - timedelta(days=10), fit_to_drive=True, classes_fit="C1"
    )
    return make_facts(
        None, today=today, licence=licence, health_certificate=certificate, unpaid_fines=unpaid_fines
    )


def test_renewal_waits_for_the_licences_unpaid_fines() -> None:
    # when
    with_fines = [(p.field, str(p.message)) for p in Renewal().problems(_renewable_facts(1), {})]
    without = Renewal().problems(_renewable_facts(0), {})

    # then
    assert with_fines == [
        (
            ALL,
            "1 fine(s) on this licence are not paid yet: pay them first (on the Violations page), then renew.",
        )
    ]
    assert without == []


@pytest.mark.django_db
def test_checkout_of_an_inspection_mark_is_refused_while_a_violation_is_unhandled() -> None:
    # given: a car whose 4-year inspection needs only the mark, a draft, then a violation
    desk = desk_make("VH-MARK-EXEMPT")
    driver = driver_make()
    today = timezone.localdate()
    registered_on = registry_rules.add_months(today, -46)
    Vehicle.objects.filter(pk=driver.vehicle.pk).update(
        manufactured_on=registered_on - timedelta(days=90),
        registered_on=registered_on,
        inspection_valid_until=registry_rules.add_months(registered_on, 48),
        insurance_valid_until=today + timedelta(days=200),
    )
    application = draft_complete(driver.user, "VH-MARK-EXEMPT", desk.office, {"vehicle": driver.vehicle.pk})
    violation_make(vehicle=driver.vehicle)

    # when
    with pytest.raises(ApiError) as refused:
        applications.application_checkout(actor=driver.user, application=application)

    # then
    assert refused.value.status == 422
    assert "1 violation(s) not yet settled" in " ".join(refused.value.fields.values()) + str(
        refused.value.message
    )
    application.refresh_from_db()
    assert application.status == "draft"
    assert PaymentOrder.objects.count() == 0
