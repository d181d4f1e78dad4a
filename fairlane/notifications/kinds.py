"""Every kind of notification and what it says: the one place to add a kind.

A kind names the values it needs (`params`: short codes, references, amounts in fen,
flags; never a name, ID number or phone number) and its words: a title and a body for the
inbox and a short SMS. The words are English msgids with %(name)s placeholders, filled by
`messages` when shown. Besides the params themselves, a placeholder may use `item` (the
service item's name, from item_code), `status` (the label of an application status) and
`amount` (amount_fen in yuan).

To add a kind: a member of `NotificationKind` and its entry in `KINDS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.core.pii import find_unmasked_pii


class NotificationKind(models.TextChoices):
    APPLICATION_STEP = "application_step", _("Application progress")  # to the applicant
    APPLICATION_OVERDUE = "application_overdue", _("Application overdue")  # to the office's supervisors
    PAYMENT_RECEIVED = "payment_received", _("Payment received")  # to the payer
    REFUND_DECIDED = "refund_decided", _("Refund decided")  # to the payer
    RATING_REQUESTED = "rating_requested", _("Rating requested")  # to the applicant, once finished
    RECTIFICATION_OPENED = "rectification_opened", _("Rectification opened")  # to the office's staff
    BOOKING_REQUESTED = "booking_requested", _("Booking request received")  # to the requester
    BOOKING_RESULT = "booking_result", _("Booking lottery result")  # to each requester of a batch
    STRIKE_RECORDED = "strike_recorded", _("Strike recorded")  # to the person, with how to appeal
    APPEAL_DECIDED = "appeal_decided", _("Strike appeal decided")  # to the person who appealed
    BOOKING_REMINDER = "booking_reminder", _("Booking reminder")  # to the person, the day before
    BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")  # to the person, whoever cancelled
    EXAM_RESULT = "exam_result", _("Exam result")  # to the learner, once staff recorded it
    VIOLATION_RECORDED = "violation_recorded", _("Violation recorded")  # to the owner and bound drivers
    PENALTY_DECIDED = "penalty_decided", _("Penalty decided")  # to the licence holder who handled it
    FULL_SCORE_REACHED = "full_score_reached", _("12 points reached")  # to the licence holder
    BINDING_REQUESTED = "binding_requested", _("Vehicle binding requested")  # to the vehicle's owner
    BINDING_DECIDED = "binding_decided", _("Vehicle binding answered")  # to the driver who asked
    OBJECTION_DECIDED = "objection_decided", _("Objection decided")  # to the person who objected
    POINTS_REDUCED = "points_reduced", _("Points reduced by study")  # to the licence holder
    AUTHORISATION_REQUESTED = (
        "authorisation_requested",
        _("Agent asks for an authorisation"),
    )  # to the citizen
    AUTHORISATION_ANSWERED = "authorisation_answered", _("Authorisation answered")  # to the agent
    AGENT_ACTED = "agent_acted", _("Your agent acted for you")  # to the citizen, at every step
    AGENCY_JOB_CLOSED = "agency_job_closed", _("Agent finished: confirm the fee")  # to the citizen
    COMPLAINT_DECIDED = "complaint_decided", _("Complaint decided")  # to the citizen who complained
    AGENCY_DECIDED = "agency_decided", _("Agency licence decided")  # to the agency's manager
    AGENT_INVITED = "agent_invited", _("Invitation to work as an agent")  # to the invited account


@dataclass(frozen=True)
class Texts:
    title: Promise
    body: Promise
    sms: Promise  # short: one SMS holds 70 Chinese characters


@dataclass(frozen=True)
class KindSpec:
    params: Mapping[str, type]  # the values it needs and their JSON types
    texts: Callable[[Mapping[str, Any]], Texts]  # its words, which may depend on the values


def _always(texts: Texts) -> Callable[[Mapping[str, Any]], Texts]:
    return lambda params: texts


_REFUND_APPROVED: Final = Texts(
    title=_("Refund approved"),
    body=_(
        "Your refund of %(amount)s yuan for order %(reference)s was approved. The money goes back the way you paid."
    ),
    sms=_("[fairlane] Your refund of %(amount)s yuan for order %(reference)s was approved."),
)
_REFUND_REFUSED: Final = Texts(
    title=_("Refund refused"),
    body=_("Your refund of %(amount)s yuan for order %(reference)s was refused. The order shows the reason."),
    sms=_(
        "[fairlane] Your refund of %(amount)s yuan for order %(reference)s was refused. Sign in to see why."
    ),
)

# Exam results: `subject` is an ExamSubject value ("4" is the safe and civil driving
# test, 科目四 as learners call it), `outcome` an ExamOutcome value.
_EXAM_PASSED: Final = Texts(
    title=_("Exam passed: subject %(subject)s"),
    body=_("You passed subject %(subject)s. Your learner page shows what you can book next."),
    sms=_("[fairlane] You passed subject %(subject)s. Sign in to see what you can book next."),
)
_EXAM_FAILED: Final = Texts(
    title=_("Exam not passed: subject %(subject)s"),
    body=_(
        "You did not pass subject %(subject)s this time. Your learner page shows when you can book it again."
    ),
    sms=_("[fairlane] You did not pass subject %(subject)s. Sign in to see when you can book again."),
)
_EXAM_ABSENT: Final = Texts(
    title=_("Exam missed: subject %(subject)s"),
    body=_(
        "You did not come to your exam of subject %(subject)s: it counts as not passed, and the "
        "booking earned a strike. Your learner page shows when you can book it again."
    ),
    sms=_("[fairlane] You missed your exam of subject %(subject)s: it counts as not passed."),
)

_PLACE_WON: Final = Texts(
    title=_("You have a place"),
    body=_(
        "The lottery of booking batch %(batch_id)s gave you a place. Your bookings show when and where; "
        "cancel at least one day before if you cannot come."
    ),
    sms=_("[fairlane] Batch %(batch_id)s: you have a place. Sign in to see when and where."),
)
_PLACE_NOT_WON: Final = Texts(
    title=_("No place this time"),
    body=_(
        "The lottery of booking batch %(batch_id)s could not give you a place. You can ask again in the "
        "next batch, and places left over can be booked directly until the day before."
    ),
    sms=_("[fairlane] Batch %(batch_id)s: no place this time. You can ask again in the next batch."),
)

# Strikes: the title says what the strike is for, the body whether it bars booking. Keyed
# by StrikeKind values (kinds.py stays free of the bookings app).
_STRIKE_TITLES: Final[dict[str, Promise]] = {
    "no_show": _("Strike: you did not come to your booking"),
    "outside_time": _("Strike: you came outside your booked time"),
    "not_the_person": _("Strike: a booking made in someone else's name"),
}
_STRIKE_BODY: Final = _(
    "A strike was recorded on your booking %(booking_id)s. Strikes that count now: %(strikes)s; "
    "%(limit)s within a year bar booking. If you think it is wrong, you can appeal it on your "
    "strikes page."
)
_STRIKE_BODY_BARRED: Final = _(
    "A strike was recorded on your booking %(booking_id)s. Strikes that count now: %(strikes)s, so "
    "you may not book until %(until)s. If you think a strike is wrong, you can appeal it on your "
    "strikes page: an upheld appeal lifts the bar at once."
)
_STRIKE_SMS: Final = _(
    "[fairlane] A strike was recorded on booking %(booking_id)s. Sign in to see why or to appeal."
)
_STRIKE_SMS_BARRED: Final = _(
    "[fairlane] A strike was recorded on booking %(booking_id)s; you may not book until %(until)s. Sign in to appeal."
)


def _strike_texts(params: Mapping[str, Any]) -> Texts:
    barred = bool(params.get("barred"))
    return Texts(
        title=_STRIKE_TITLES.get(str(params.get("strike_kind")), _("Strike recorded")),
        body=_STRIKE_BODY_BARRED if barred else _STRIKE_BODY,
        sms=_STRIKE_SMS_BARRED if barred else _STRIKE_SMS,
    )


_APPEAL_UPHELD: Final = Texts(
    title=_("Appeal upheld"),
    body=_(
        "Your appeal against the strike on booking %(booking_id)s was upheld: the strike no longer "
        "counts, and any bar on booking it caused is lifted."
    ),
    sms=_("[fairlane] Your appeal on booking %(booking_id)s was upheld: the strike no longer counts."),
)
_APPEAL_REJECTED: Final = Texts(
    title=_("Appeal rejected"),
    body=_(
        "Your appeal against the strike on booking %(booking_id)s was rejected: the strike stands. "
        "Your strikes page shows the office's reason."
    ),
    sms=_("[fairlane] Your appeal on booking %(booking_id)s was rejected. Sign in to see why."),
)

# Times in booking messages: `hour` a number and `minute` two digits, so they read 9:05.
_REMINDER_WINDOW: Final = Texts(
    title=_("Reminder: %(item)s tomorrow"),
    body=_(
        "Your booking %(booking_id)s for %(item)s is tomorrow, %(day)s at %(hour)s:%(minute)s. Bring "
        "your ID card. If you cannot come, cancel it today: a booking missed without cancelling is a strike."
    ),
    sms=_("[fairlane] Reminder: %(item)s tomorrow %(day)s %(hour)s:%(minute)s. Cannot come? Cancel today."),
)
_REMINDER_EXAM: Final = Texts(
    title=_("Reminder: your driving test tomorrow"),
    body=_(
        "Your driving test, booking %(booking_id)s, is tomorrow, %(day)s at %(hour)s:%(minute)s. Bring "
        "your ID card. If you cannot come, cancel it today: a test missed counts as failed."
    ),
    sms=_(
        "[fairlane] Reminder: driving test tomorrow %(day)s %(hour)s:%(minute)s. Cannot come? Cancel today."
    ),
)
_CANCELLED_BY_PERSON: Final = Texts(
    title=_("Booking cancelled"),
    body=_(
        "Your booking %(booking_id)s for %(day)s at %(hour)s:%(minute)s is cancelled. The place goes "
        "into the next booking batch."
    ),
    sms=_("[fairlane] Your booking %(booking_id)s for %(day)s %(hour)s:%(minute)s is cancelled."),
)
_CANCELLED_BY_OFFICE: Final = Texts(
    title=_("The office cancelled your booking"),
    body=_(
        "The office cancelled your booking %(booking_id)s for %(day)s at %(hour)s:%(minute)s. This is "
        "not a strike against you, and you may book another time."
    ),
    sms=_("[fairlane] The office cancelled your booking %(booking_id)s for %(day)s %(hour)s:%(minute)s."),
)

# Keyed by the kind's value: a NotificationKind member is that string.
# Violations. `bound` tells a driver who bound the vehicle from its owner.
_VIOLATION_TO_OWNER: Final = Texts(
    title=_("Traffic violation recorded: %(reference)s"),
    body=_(
        "A camera recorded a violation (code %(code)s) of your vehicle: a fine of %(amount)s yuan and "
        "%(points)s points. Handle it or object by %(handle_by)s, within 30 days of this notice."
    ),
    sms=_("[fairlane] Violation %(reference)s of your vehicle. Handle it by %(handle_by)s (30 days)."),
)
_VIOLATION_TO_BOUND: Final = Texts(
    title=_("Violation of a vehicle you bound: %(reference)s"),
    body=_(
        "A camera recorded a violation (code %(code)s) of a vehicle you bound: a fine of %(amount)s yuan "
        "and %(points)s points. It must be handled by %(handle_by)s, within 30 days of this notice."
    ),
    sms=_("[fairlane] Violation %(reference)s of a vehicle you bound. Handle it by %(handle_by)s."),
)
_BINDING_CONFIRMED: Final = Texts(
    title=_("Vehicle binding confirmed"),
    body=_(
        "The owner confirmed binding %(binding_id)s. You can handle the vehicle's violations that happen from now on."
    ),
    sms=_("[fairlane] The owner confirmed your vehicle binding %(binding_id)s."),
)
_BINDING_REFUSED: Final = Texts(
    title=_("Vehicle binding refused"),
    body=_("The owner refused binding %(binding_id)s."),
    sms=_("[fairlane] The owner refused your vehicle binding %(binding_id)s."),
)
_BINDING_ENDED: Final = Texts(
    title=_("Vehicle binding ended"),
    body=_("Binding %(binding_id)s was ended by the vehicle's owner."),
    sms=_("[fairlane] Your vehicle binding %(binding_id)s was ended by the owner."),
)
_OBJECTION_UPHELD: Final = Texts(
    title=_("Objection upheld: %(reference)s"),
    body=_(
        "Your objection %(reference)s was upheld: the violation is cancelled, and any points and fine are reversed."
    ),
    sms=_("[fairlane] Objection %(reference)s upheld: the violation is cancelled."),
)
# What an agent may do for a citizen, as AGENT_ACTED names it ("%(action_label)s").
AGENT_ACTIONS: Final[Mapping[str, Promise]] = {
    "application_filed": _("filed an application"),
    "application_changed": _("changed the application form"),
    "material_uploaded": _("uploaded a file"),
    "material_removed": _("removed a file"),
    "delivery_chosen": _("chose how the document reaches you"),
    "application_paid": _("submitted the application, paying the office's fee if one was due"),
    "booking_made": _("booked a visit"),
    "booking_requested": _("requested a place in a lottery"),
    "booking_cancelled": _("cancelled a booking"),
}
# What the office decided on an agency, as AGENCY_DECIDED names it ("%(outcome_label)s").
AGENCY_OUTCOMES: Final[Mapping[str, Promise]] = {
    "licensed": _("licensed"),
    "refused": _("application refused"),
    "suspended": _("suspended"),
    "reinstated": _("suspension lifted"),
    "revoked": _("licence revoked"),
}

_AUTHORISATION_CONFIRMED: Final = Texts(
    title=_("Authorisation %(reference)s confirmed"),
    body=_("The citizen confirmed authorisation %(reference)s: you may act for them inside it."),
    sms=_("[fairlane] Authorisation %(reference)s confirmed."),
)
_AUTHORISATION_DECLINED: Final = Texts(
    title=_("Authorisation %(reference)s declined"),
    body=_("The citizen declined authorisation %(reference)s: you may not act for them."),
    sms=_("[fairlane] Authorisation %(reference)s declined."),
)
_AUTHORISATION_REVOKED: Final = Texts(
    title=_("Authorisation %(reference)s revoked"),
    body=_("Authorisation %(reference)s was revoked: from now on you may not act for the citizen under it."),
    sms=_("[fairlane] Authorisation %(reference)s revoked."),
)
_COMPLAINT_UPHELD: Final = Texts(
    title=_("Complaint %(reference)s upheld"),
    body=_("The office upheld your complaint %(reference)s against the agency. Its page shows the decision."),
    sms=_("[fairlane] Complaint %(reference)s upheld."),
)
_COMPLAINT_DISMISSED: Final = Texts(
    title=_("Complaint %(reference)s dismissed"),
    body=_("The office dismissed your complaint %(reference)s. Its page shows the reason."),
    sms=_("[fairlane] Complaint %(reference)s dismissed. Sign in to see why."),
)
_OBJECTION_REJECTED: Final = Texts(
    title=_("Objection rejected: %(reference)s"),
    body=_("Your objection %(reference)s was rejected. The violation stands; its page shows the reason."),
    sms=_("[fairlane] Objection %(reference)s rejected. Sign in to see the reason."),
)

KINDS: Final[dict[str, KindSpec]] = {
    NotificationKind.APPLICATION_STEP: KindSpec(
        params={"reference": str, "item_code": str, "status": str},
        texts=_always(
            Texts(
                title=_("%(item)s: %(status)s"),
                body=_("Your application %(reference)s for %(item)s is now: %(status)s."),
                sms=_(
                    "[fairlane] Your application %(reference)s is now: %(status)s. Sign in to see the details."
                ),
            )
        ),
    ),
    NotificationKind.APPLICATION_OVERDUE: KindSpec(
        params={"reference": str, "item_code": str},
        texts=_always(
            Texts(
                title=_("Overdue: %(item)s"),
                body=_(
                    "Application %(reference)s for %(item)s is past its time limit and was raised to you."
                ),
                sms=_(
                    "[fairlane] Application %(reference)s is past its time limit. Please sign in and act on it."
                ),
            )
        ),
    ),
    NotificationKind.PAYMENT_RECEIVED: KindSpec(
        params={"reference": str, "amount_fen": int},
        texts=_always(
            Texts(
                title=_("Payment received"),
                body=_("We received your payment of %(amount)s yuan for order %(reference)s."),
                sms=_("[fairlane] We received your payment of %(amount)s yuan for order %(reference)s."),
            )
        ),
    ),
    NotificationKind.REFUND_DECIDED: KindSpec(
        params={"reference": str, "amount_fen": int, "approved": bool},
        texts=lambda params: _REFUND_APPROVED if params.get("approved") else _REFUND_REFUSED,
    ),
    NotificationKind.RATING_REQUESTED: KindSpec(
        params={"reference": str},
        texts=_always(
            Texts(
                title=_("How did we do?"),
                body=_(
                    "Your application %(reference)s is finished. Please rate our service: it takes a minute."
                ),
                sms=_(
                    "[fairlane] Your application %(reference)s is finished. Please sign in and rate our service."
                ),
            )
        ),
    ),
    NotificationKind.RECTIFICATION_OPENED: KindSpec(
        params={"reference": str},
        texts=_always(
            Texts(
                title=_("Rectification task opened"),
                body=_(
                    "The applicant of application %(reference)s was dissatisfied. Call them back and "
                    "put it right within 15 working days."
                ),
                sms=_(
                    "[fairlane] Rectification of application %(reference)s: call the applicant back within 15 working days."
                ),
            )
        ),
    ),
    NotificationKind.BOOKING_REQUESTED: KindSpec(
        params={"batch_id": int},
        texts=_always(
            Texts(
                title=_("Booking request received"),
                body=_(
                    "Your request in booking batch %(batch_id)s was received. Places are allocated by a "
                    "published lottery when the window closes: asking early or more than once gives no "
                    "advantage."
                ),
                sms=_(
                    "[fairlane] Your request in booking batch %(batch_id)s was received. The result follows."
                ),
            )
        ),
    ),
    NotificationKind.BOOKING_RESULT: KindSpec(
        params={"batch_id": int, "won": bool},
        texts=lambda params: _PLACE_WON if params.get("won") else _PLACE_NOT_WON,
    ),
    NotificationKind.EXAM_RESULT: KindSpec(
        params={"subject": str, "outcome": str},
        texts=lambda params: {"passed": _EXAM_PASSED, "absent": _EXAM_ABSENT}.get(
            str(params.get("outcome")), _EXAM_FAILED
        ),
    ),
    NotificationKind.STRIKE_RECORDED: KindSpec(
        # strike_kind: a StrikeKind value; strikes: how many count now; limit: how many bar;
        # until: the day the bar ends (YYYY-MM-DD), "-" when not barred.
        params={
            "booking_id": int,
            "strike_kind": str,
            "strikes": int,
            "limit": int,
            "barred": bool,
            "until": str,
        },
        texts=_strike_texts,
    ),
    NotificationKind.APPEAL_DECIDED: KindSpec(
        params={"appeal_id": int, "booking_id": int, "upheld": bool},
        texts=lambda params: _APPEAL_UPHELD if params.get("upheld") else _APPEAL_REJECTED,
    ),
    NotificationKind.BOOKING_REMINDER: KindSpec(
        # item_code: the catalogue item of a window appointment ("exam-<subject>" for a test).
        params={"booking_id": int, "item_code": str, "exam": bool, "day": str, "hour": int, "minute": str},
        texts=lambda params: _REMINDER_EXAM if params.get("exam") else _REMINDER_WINDOW,
    ),
    NotificationKind.BOOKING_CANCELLED: KindSpec(
        params={"booking_id": int, "day": str, "hour": int, "minute": str, "by_office": bool},
        texts=lambda params: _CANCELLED_BY_OFFICE if params.get("by_office") else _CANCELLED_BY_PERSON,
    ),
    NotificationKind.VIOLATION_RECORDED: KindSpec(
        # code: the violation code; handle_by: YYYY-MM-DD.
        params={
            "reference": str,
            "code": str,
            "amount_fen": int,
            "points": int,
            "handle_by": str,
            "bound": bool,
        },
        texts=lambda params: _VIOLATION_TO_BOUND if params.get("bound") else _VIOLATION_TO_OWNER,
    ),
    NotificationKind.PENALTY_DECIDED: KindSpec(
        # due_on: YYYY-MM-DD, "-" for a warning (nothing to pay).
        params={"number": str, "amount_fen": int, "points": int, "due_on": str},
        texts=_always(
            Texts(
                title=_("Penalty decision %(number)s"),
                body=_(
                    "The violation is handled: decision %(number)s scores %(points)s points and a fine of "
                    "%(amount)s yuan. Pay by %(due_on)s; after that a late fee of 3%% a day is added."
                ),
                sms=_(
                    "[fairlane] Decision %(number)s: %(points)s points, fine %(amount)s yuan, pay by %(due_on)s."
                ),
            )
        ),
    ),
    NotificationKind.FULL_SCORE_REACHED: KindSpec(
        # subjects: driving tests required besides the theory test ("-", "3" or "2-3").
        params={"points": int, "days": int, "subjects": str},
        texts=_always(
            Texts(
                title=_("12 points reached"),
                body=_(
                    "Your licence has %(points)s points in this cycle and is held back. Complete %(days)s days of "
                    "full-score study and pass the theory test (driving tests also required: %(subjects)s), and "
                    "pay your fines, to get it back. Come to the office within 30 days."
                ),
                sms=_(
                    "[fairlane] Your licence reached 12 points and is held back. Sign in to see what to do."
                ),
            )
        ),
    ),
    NotificationKind.BINDING_REQUESTED: KindSpec(
        params={"binding_id": int},
        texts=_always(
            Texts(
                title=_("A driver asks to bind your vehicle"),
                body=_(
                    "A driver asked to bind your vehicle (binding %(binding_id)s) so that they can handle its "
                    "future violations under their own licence. Confirm or refuse in your account; if you do "
                    "not know them, refuse."
                ),
                sms=_("[fairlane] A driver asks to bind your vehicle. Sign in to confirm or refuse."),
            )
        ),
    ),
    NotificationKind.BINDING_DECIDED: KindSpec(
        # outcome: "confirmed", "refused" or "ended".
        params={"binding_id": int, "outcome": str},
        texts=lambda params: {"confirmed": _BINDING_CONFIRMED, "refused": _BINDING_REFUSED}.get(
            str(params.get("outcome")), _BINDING_ENDED
        ),
    ),
    NotificationKind.OBJECTION_DECIDED: KindSpec(
        params={"reference": str, "upheld": bool},
        texts=lambda params: _OBJECTION_UPHELD if params.get("upheld") else _OBJECTION_REJECTED,
    ),
    NotificationKind.POINTS_REDUCED: KindSpec(
        params={"points": int, "reduced": int, "points_now": int},
        texts=_always(
            Texts(
                title=_("Points reduced"),
                body=_(
                    "Your study and test took %(points)s point off: you now have %(points_now)s points. This "
                    "cycle %(reduced)s points have been reduced, of at most 6."
                ),
                sms=_("[fairlane] Study passed: %(points)s point off, %(points_now)s points now."),
            )
        ),
    ),
    NotificationKind.AUTHORISATION_REQUESTED: KindSpec(
        params={"reference": str, "fee_fen": int, "days": int},
        texts=_always(
            Texts(
                title=_("An agent asks you for authorisation %(reference)s"),
                body=_(
                    "A licensed agent asks you to authorise them (%(reference)s) for %(days)s days at a fee of "
                    "%(fee)s yuan. Check the items and the agency in your account; confirm only if you asked "
                    "them, with the code we send you there. You can revoke it at any time."
                ),
                sms=_("[fairlane] An agent asks for your authorisation %(reference)s. Sign in to check it."),
            )
        ),
    ),
    NotificationKind.AUTHORISATION_ANSWERED: KindSpec(
        # outcome: "confirmed", "declined" or "revoked".
        params={"reference": str, "outcome": str},
        texts=lambda params: {"confirmed": _AUTHORISATION_CONFIRMED, "declined": _AUTHORISATION_DECLINED}.get(
            str(params.get("outcome")), _AUTHORISATION_REVOKED
        ),
    ),
    NotificationKind.AGENT_ACTED: KindSpec(
        # action: what the agent did, a key of AGENT_ACTIONS.
        params={"reference": str, "action": str, "item_code": str},
        texts=_always(
            Texts(
                title=_("Your agent acted for you: %(item)s"),
                body=_(
                    "Under authorisation %(reference)s your agent did this for you: %(action_label)s (%(item)s). "
                    "Everything they do is in your account; if you did not ask for it, revoke the authorisation."
                ),
                sms=_("[fairlane] Your agent acted for you under %(reference)s. Sign in to see what."),
            )
        ),
    ),
    NotificationKind.AGENCY_JOB_CLOSED: KindSpec(
        params={"reference": str, "fee_fen": int},
        texts=_always(
            Texts(
                title=_("Your agent finished: confirm the fee"),
                body=_(
                    "The agent closed job %(reference)s. The agency's agreed fee was %(fee)s yuan. Tell us what "
                    "you actually paid the agency, or that you dispute the payment: a higher fee opens a "
                    "complaint for you."
                ),
                sms=_("[fairlane] Agent job %(reference)s is closed. Sign in to confirm the fee you paid."),
            )
        ),
    ),
    NotificationKind.COMPLAINT_DECIDED: KindSpec(
        params={"reference": str, "upheld": bool},
        texts=lambda params: _COMPLAINT_UPHELD if params.get("upheld") else _COMPLAINT_DISMISSED,
    ),
    NotificationKind.AGENCY_DECIDED: KindSpec(
        # outcome: a key of AGENCY_OUTCOMES.
        params={"outcome": str},
        texts=_always(
            Texts(
                title=_("The office decided on your agency"),
                body=_(
                    "The office changed your agency's licence: %(outcome_label)s. The agency page shows the "
                    "period or the reason."
                ),
                sms=_("[fairlane] The office decided on your agency. Sign in to see it."),
            )
        ),
    ),
    NotificationKind.AGENT_INVITED: KindSpec(
        params={},
        texts=_always(
            Texts(
                title=_("An agency invites you to be its agent"),
                body=_(
                    "A licensed agency asked you to work for it as an agent. Nothing changes unless you "
                    "accept: see who asks and answer on your invitations page."
                ),
                sms=_("[fairlane] An agency invites you to be its agent. Sign in to accept or decline."),
            )
        ),
    ),
}

# Codes, references and statuses: no spaces and no Chinese, so no name fits.
_CODE: Final = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def params_errors(kind: str, params: Mapping[str, Any]) -> list[str]:
    """What is wrong with `params` for `kind`, naming each value but never showing it."""
    spec = KINDS.get(kind)
    if spec is None:
        return [f"unknown kind {kind!r}"]
    errors = [f"{name} is missing" for name in spec.params if name not in params]
    errors += [f"{name} is not taken" for name in params if name not in spec.params]
    for name, expected in spec.params.items():
        if name not in params:
            continue
        value = params[name]
        if type(value) is not expected:  # exactly: a bool is also an int
            errors.append(f"{name} must be of type {expected.__name__}")
        elif isinstance(value, str) and (not _CODE.match(value) or find_unmasked_pii(value)):
            errors.append(f"{name} must be a short code without personal data")
        elif type(value) is int and value < 0:
            errors.append(f"{name} must not be negative")
    return errors
