"""The one way to record an audit event.

Call `audit_record` inside the same transaction as the write it describes, so the event
and the write land together or not at all. Event types are grouped by domain and never
renumbered; retired ones stay in the list.
"""

from __future__ import annotations

from enum import IntEnum, unique
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from fairlane.accounts.models import User
    from fairlane.integrity.models import AuditEvent
    from fairlane.registry.models import Office


@unique
class AuditAction(IntEnum):
    # 100–199 accounts
    ACCOUNT_REGISTERED = 101
    ACCOUNT_CREATED_BY_STAFF = 102
    ACCOUNT_DISABLED = 103
    ACCOUNT_ENABLED = 104
    ACCOUNT_ROLE_CHANGED = 105
    LOGIN_SUCCEEDED = 110
    LOGIN_THROTTLED = 111
    STAFF_MFA_DEVICE_ADDED = 120
    PII_UNMASKED = 130  # a staff member looked at a full ID number or phone
    RATE_LIMIT_TRIGGERED = 140
    # 200–299 registry (records of truth)
    LICENCE_CREATED = 201
    LICENCE_CHANGED = 202
    VEHICLE_CREATED = 221
    VEHICLE_CHANGED = 222
    OFFICE_CHANGED = 241
    # 300–399 catalogue and publicity
    CATALOGUE_VERSION_PUBLISHED = 301
    ANNOUNCEMENT_DRAFTED = 311
    ANNOUNCEMENT_EDITED = 312  # a new version of a draft's text or dates
    ANNOUNCEMENT_SUBMITTED = 313  # draft sent for review
    ANNOUNCEMENT_SENT_BACK = 314  # reviewer returned it to draft, with a reason
    ANNOUNCEMENT_PUBLISHED = 315
    ANNOUNCEMENT_WITHDRAWN = 316
    CATALOGUE_CHANGE_DRAFTED = 321  # a staff change of an item proposed
    CATALOGUE_CHANGE_EDITED = 322  # its draft content or summary changed
    CATALOGUE_CHANGE_SUBMITTED = 323  # draft sent for review
    CATALOGUE_CHANGE_SENT_BACK = 324  # reviewer returned it to draft, with a reason
    CATALOGUE_CHANGE_PUBLISHED = 325  # its content became the item's next version
    CATALOGUE_CHANGE_REJECTED = 326  # refused for good, with a reason
    OFFICE_ITEM_SETTING_CHANGED = 341  # an office set or cleared its own fee or time limit of an item
    # 400–499 applications
    APPLICATION_CREATED = 401  # a draft started by the applicant
    APPLICATION_SUBMITTED = 402  # draft sent to the office
    APPLICATION_ACCEPTED = 403  # 受理 by office staff
    APPLICATION_REVIEW_STARTED = 404
    APPLICATION_APPROVED = 405
    APPLICATION_PRODUCED = 406  # the licence, plate or certificate is made
    APPLICATION_DELIVERED = 407  # sent by post
    APPLICATION_COLLECTED = 408  # picked up at the window
    APPLICATION_CLOSED = 409
    APPLICATION_RETURNED = 410  # 退回补正, with a reason
    APPLICATION_RESUBMITTED = 411  # corrected and sent again after a return
    APPLICATION_REJECTED = 412  # refused for good, with a reason
    APPLICATION_WITHDRAWN = 413  # taken back by the applicant
    APPLICATION_SWITCHED_IN_PERSON = 414  # to be finished at a window, with a reason
    MATERIAL_UPLOADED = 415  # a file added to an application
    MATERIAL_REMOVED = 416  # a file taken off a draft or returned application
    APPLICATION_ASSIGNED = 420  # given at random to a staff member of the office
    APPLICATION_REASSIGNED = 421  # drawn again, e.g. when the assignee is away
    APPLICATION_ESCALATED = 422  # past its deadline, raised to the supervisors
    STAFF_AVAILABILITY_CHANGED = 423  # a staff member starts or stops taking new cases
    DELIVERY_CHOSEN = 425  # post or collection chosen by the applicant
    DELIVERY_POSTED = 426  # handed to the post with a tracking number
    RATING_GIVEN = 430  # 好差评 by the applicant
    RECTIFICATION_OPENED = 431  # a dissatisfied rating opened a task for the office
    RECTIFICATION_CALLED_BACK = 432  # the office called the applicant back
    RECTIFICATION_CLOSED = 433  # what was put right, recorded
    # 500–599 payments
    PAYMENT_ORDER_CREATED = 501
    PAYMENT_PAID = 502  # the gateway confirmed the payment
    PAYMENT_FAILED = 503
    PAYMENT_CANCELLED = 504
    REFUND_REQUESTED = 511  # by one staff member, with a reason
    REFUND_APPROVED = 512  # by a second staff member
    REFUND_REFUSED = 513  # by a second staff member, with a reason
    REFUND_COMPLETED = 514  # the gateway paid the money back
    RECONCILIATION_RUN = 521
    RECONCILIATION_MISMATCH = 522  # our record and the gateway's disagree
    # 600–699 agencies, hospitals and other channels
    HEALTH_CERTIFICATE_SENT = 601  # an accredited hospital sent a certificate to the office
    AGENCY_APPLIED = 602  # a company applied to be licensed
    AGENCY_LICENSED = 603  # licensed (or its licence renewed) for a period
    AGENCY_REFUSED = 604  # its application refused, with a reason
    AGENCY_SUSPENDED = 605  # may not act for now, with a reason
    AGENCY_REINSTATED = 606  # a suspension lifted
    AGENCY_REVOKED = 607  # licence withdrawn, with a reason
    AGENCY_MEMBER_ADDED = 608
    AGENCY_MEMBER_REMOVED = 609
    AGENCY_DAILY_CAP_SET = 610
    FEE_CAP_SET = 611  # the office's highest fee for an item
    AGENCY_FEE_PUBLISHED = 612  # an agency's fee for an item (or the item withdrawn)
    AUTHORISATION_REQUESTED = 613  # an agent asked a citizen
    AUTHORISATION_CONFIRMED = 614  # the citizen confirmed with a one-time code
    AUTHORISATION_DECLINED = 615
    AUTHORISATION_REVOKED = 616  # by the citizen, or ended with the agency's licence
    AGENT_ACTION_REFUSED = 617  # an agent tried to act outside an authorisation in force
    AGENT_ACTED = 618  # an agent acted for a citizen (the write itself has its own event too)
    AGENCY_JOB_CLOSED = 619  # the agent finished the job
    AGENCY_FEE_CONFIRMED = 620  # the citizen said what they paid, or disputed it
    COMPLAINT_OPENED = 621
    COMPLAINT_DECIDED = 622
    BAN_IMPOSED = 623  # 1 year (false materials) or 3 years (deceit, bribery), published
    AGENT_INVITED = 624  # an agency asked an account to be its agent
    AGENT_INVITATION_ANSWERED = 625  # the account accepted (then also 608) or declined
    # 260–269 (registry) electronic licence
    ELECTRONIC_LICENCE_ISSUED = 261
    ELECTRONIC_LICENCE_REVOKED = 262
    # 700–799 bookings
    SLOTS_PUBLISHED = 701  # an office published slots (an exam plan, window capacity)
    BATCH_OPENED = 702  # requests taken from now; the seed commitment is published
    BOOKING_REQUESTED = 703  # a person's request in a batch
    BATCH_ALLOCATED = 704  # the lottery ran; seed, inputs and result published
    BOOKING_MADE = 705  # a leftover place booked directly
    BOOKING_CANCELLED = 706
    BOOKING_CHECKED_IN = 707
    BOOKING_MISSED = 708  # no-show recorded
    STRIKE_RECORDED = 709
    # 710–719 exams
    LEARNER_RECORD_OPENED = 710  # an application for a first licence or an added class accepted
    LEARNER_PERMIT_ISSUED = 711  # 学习驾驶证明, after the theory test
    EXAM_RESULT_RECORDED = 712  # passed, failed or absent, for an exam booking
    EXAM_SITE_SAVED = 713  # an exam site registered, or its daily quotas changed (第54条)
    # 720–729 the hall on the visit day
    # (a checked-in booking's ticket is recorded with BOOKING_CHECKED_IN)
    WALK_IN_ADMITTED = 721  # a ticket without a booking, for a person exempt from booking
    TICKET_CALLED = 722  # called to a counter (again: a recall)
    TICKET_SKIPPED = 723  # did not come when called
    TICKET_DONE = 724  # served
    # 730–739 strikes and appeals
    STRIKE_APPEALED = 730
    STRIKE_APPEAL_DECIDED = 731  # upheld (the strike is voided) or rejected, with a reason
    # 800–899 violations, points and fines
    VIOLATIONS_IMPORTED = 801  # a batch from an enforcement system: counts of accepted and rejected rows
    VIOLATION_SOURCE_CREATED = 802  # an enforcement system registered, or its key replaced
    VIOLATION_HANDLED = 810  # a penalty decision made, online by the driver or at a window
    POINTS_CHANGED = 811  # scored, carried, reduced, reversed or cleared on a licence's ledger
    SCORING_CYCLE_CLOSED = 812  # a licence's cycle ended: what was cleared and what carried over
    FULL_SCORE_OPENED = 813  # 12 points reached: the licence held back and full-score study opened
    FULL_SCORE_CLOSED = 814  # study and tests done, fines paid: points cleared, licence back
    FINE_PAID = 815  # with the late fee charged
    FULL_SCORE_PROGRESS_RECORDED = 816  # staff recorded the full-score study completed or the tests passed
    BINDING_REQUESTED = 820
    BINDING_DECIDED = 821  # confirmed or refused by the owner
    BINDING_ENDED = 822
    OBJECTION_SUBMITTED = 830
    OBJECTION_DECIDED = 831  # upheld (violation cancelled, points and fine reversed) or rejected
    STUDY_PASSED = 840  # a point-reduction study and quiz passed
    STUDY_FALSIFIED = 841  # staff found a study faked: its point comes back
    # 900–999 integrity and office configuration
    AUDIT_CHAIN_VERIFIED = 901
    WORKING_CALENDAR_CHANGED = 902  # a holiday or a working weekend day set or removed


def audit_record(
    *,
    action: AuditAction,
    actor: User | None = None,
    on_behalf_of: User | None = None,
    office: Office | None = None,
    obj: Model | None = None,
    reason: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEvent:
    """Append one event to the audit chain. `changes` maps a field to (before, after);
    personal data in it is masked before it is stored."""
    from fairlane.integrity.services import audit_event_append

    return audit_event_append(
        action=action,
        actor=actor,
        on_behalf_of=on_behalf_of,
        office=office,
        obj=obj,
        reason=reason,
        changes=changes or {},
    )
