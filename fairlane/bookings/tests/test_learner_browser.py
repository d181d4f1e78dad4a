"""A learner driver in a real browser: sees on their exam page that subject 2 can be
requested, sends a request in the exam batch (the page's script does the proof of work),
sees the published result once the batch is allocated, and on the exam day is checked in at
the hall's desk; the counter calls the ticket and the hall's call screen shows it.

The clock is moved with time_machine, which the live server's thread shares; the office's
allocation run is the service the `allocate_batches` command calls. Screenshots go to
var/screenshots/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import PASSWORD
from fairlane.bookings.batches import batch_allocate
from fairlane.bookings.models import BookableService, Booking, BookingStatus, Ticket, TicketStatus
from fairlane.bookings.tests.batch_setup import EXAM_DAY, opened, slots_make
from fairlane.bookings.tests.exam_setup import learner_with_permit
from fairlane.bookings.tests.hall import MONDAY, at, hall_make, person_make
from fairlane.web.tests.conftest import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]


def sign_in(page: Page, url: str, user: User, *, totp: bool = False) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", user.phone)
    page.fill("#id_password", PASSWORD)
    if totp:
        device = TOTPDevice.objects.get(user=user)
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        page.fill("#id_otp_token", f"{code:06d}")
    with page.expect_navigation():
        page.click(".form__actions button")


def test_a_learner_requests_a_seat_sees_the_result_and_is_called_on_the_day(
    browser: Browser,
    live_server: LiveServer,
    audit_events_purged: None,
    screenshots: Path,
    time_machine: TimeMachineFixture,
) -> None:
    # given: an office with subject 2 sessions in an open batch, and a learner whose permit
    # was issued 40 days ago
    time_machine.move_to(MONDAY, tick=False)
    hall = hall_make()
    BookableService.objects.filter(pk=hall.exam.pk).update(queue_letter="L")
    learner = person_make(1, "赵学员")
    learner_with_permit(hall, learner, time_machine)
    sessions = slots_make(hall, [1, 1], day=EXAM_DAY, exam=True)
    batch = opened(hall, sessions, service=hall.exam)
    time_machine.move_to(MONDAY + timedelta(minutes=5), tick=True)
    url = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # when: the learner opens their exam page and follows it to the batch's request form
    sign_in(page, url, learner)
    page.goto(f"{url}/bookings/exams/")
    page.screenshot(path=str(screenshots / "learner-exams.png"), full_page=True)
    page.click(f'a[href="/bookings/batches/{batch.pk}/"]')
    page.wait_for_url(f"{url}/bookings/batches/{batch.pk}/")
    page.goto(f"{url}/bookings/batches/{batch.pk}/request/")
    page.select_option("#id_first", str(sessions[1].pk))
    page.select_option("#id_second", str(sessions[0].pk))
    page.screenshot(path=str(screenshots / "learner-exam-request.png"), full_page=True)
    with page.expect_navigation():
        page.click("form[data-pow-form] .form__actions button")

    # then: the request is on record with the ranking time from the learner's record
    request = batch.requests.get(person=learner)
    assert request.preferences == [sessions[1].pk, sessions[0].pk]
    assert request.ranking_time is not None

    # when: the window closes and the office's allocation runs; the learner looks again
    time_machine.move_to(batch.closes_at + timedelta(minutes=1), tick=True)
    batch_allocate(batch=batch, now=timezone.now())
    sign_in(page, url, learner)  # the session ended while the clock moved a day
    page.goto(f"{url}/bookings/batches/{batch.pk}/?find={request.pseudonym}")
    page.screenshot(path=str(screenshots / "learner-exam-result.png"), full_page=True)
    result = page.content()
    page.goto(f"{url}/bookings/mine/")
    mine = page.locator("main").inner_text()

    # then: the published allocation shows their pseudonymous request with its seat, and
    # their bookings list it
    booking = Booking.objects.get(person=learner, status=BookingStatus.ACTIVE)
    assert booking.slot_id == sessions[1].pk
    assert request.pseudonym in result
    assert "2026-03-16 10:00" in mine

    # when: on the exam day the clerk checks the learner in at the desk
    time_machine.move_to(at(EXAM_DAY, 9, 40), tick=True)
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(desk, url, hall.clerk, totp=True)
    desk.goto(f"{url}/hall/desk/")
    desk.fill("#id_check_in-id_number", learner.id_number)
    desk.fill("#id_check_in-name", learner.name)
    with desk.expect_navigation():
        desk.click("#check-in-form .form__actions button")
    desk.screenshot(path=str(screenshots / "hall-desk-ticket.png"), full_page=True)
    ticket = Ticket.objects.get(booking=booking)
    assert ticket.code == "L001"
    assert "L001" in desk.content()

    # ... and calls it to counter 3 from the counter page
    desk.goto(f"{url}/hall/counter/")
    desk.fill("#id_counter", "3")
    desk.check(f'input[name=services][value="{hall.exam.pk}"]')
    with desk.expect_navigation():
        desk.click("section[aria-labelledby=setup-title] .form__actions button")
    with desk.expect_navigation():
        desk.click("#call-next")
    desk.screenshot(path=str(screenshots / "hall-counter.png"), full_page=True)

    # then: the hall's call screen shows the ticket being called to counter 3
    screen = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080}).new_page()
    screen.goto(f"{url}/hall/{hall.office.code}/screen/")
    screen.screenshot(path=str(screenshots / "hall-call-screen.png"))
    latest = screen.locator("#latest").inner_text()
    assert "L001" in latest
    assert "3" in latest
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CALLED
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.ATTENDED
    context.close()
