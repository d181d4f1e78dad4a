"""Organisations outside the office that act in its processes: licensed agencies, dealer
service stations, post office points and accredited hospitals, and what lets them act.

- `Agency` applies, is licensed for a period, may be suspended or revoked; `AgencyMember`
  binds real-name accounts to it (one agency each), each of whom accepted an
  `AgentInvitation` in their own account.
- `FeeCap` is the office's highest fee per item; `AgencyItem` is an agency's published fee
  for an item it handles, at or below the cap.
- `Authorisation` (电子委托) is what a citizen confirmed: one agent of one agency may act for
  them on some items of one licence or vehicle, for a fee, until a time or a revocation.
- `Complaint` is opened by a citizen or automatically (a fee above the published one, a
  disputed payment); `Ban` is a sanction the rules set on an agency or a person.

Accredited hospitals send health certificates straight to the office (警医邮).
"""

from __future__ import annotations

import base64
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

REFERENCE_LENGTH = 12  # base32 characters: 60 random bits


def new_reference() -> str:
    return base64.b32encode(secrets.token_bytes(8)).decode("ascii")[:REFERENCE_LENGTH]


class AgencyKind(models.TextChoices):
    AGENCY = "agency", _("Licensed agency")  # 代办机构
    DEALER = "dealer", _("Dealer service station")  # 4S店 / 登记服务站
    POST = "post", _("Post office point")  # 邮政网点
    HOSPITAL = "hospital", _("Accredited hospital")  # 体检医疗机构 (L-DL 第85条)


class AgencyStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")  # waiting for the office's review
    REFUSED = "refused", _("Refused")  # the office refused the application, with a reason
    LICENSED = "licensed", _("Licensed")  # may act until `licensed_until`
    # A context of their own: a driving licence's "Suspended" and "Revoked" are 暂扣 and 吊销.
    SUSPENDED = "suspended", pgettext_lazy("agency status", "Suspended")  # may not act for now
    REVOKED = (
        "revoked",
        pgettext_lazy("agency status", "Revoked"),
    )  # recognition withdrawn (e.g. false certificates, L-DL 第86条)


class Agency(models.Model):
    kind = models.CharField(_("kind"), max_length=8, choices=AgencyKind.choices)
    name = models.CharField(_("name"), max_length=80)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("telephone"), max_length=20)
    office = models.ForeignKey(
        "registry.Office",
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("licensing office"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgencyStatus.choices, default=AgencyStatus.LICENSED
    )
    # Empty until the office licenses it.
    licensed_from = models.DateField(_("licensed from"), null=True, blank=True)
    licensed_until = models.DateField(_("licensed until"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=30, blank=True)
    # The most new authorisations its agents may ask for in one day (oversight, 第70条).
    daily_cap = models.PositiveIntegerField(_("daily cap"), default=50)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    # What the application asked for: item codes, and the accounts (ids) to be its agents.
    applied_items = models.JSONField(_("items applied for"), default=list, blank=True)
    applied_staff = models.JSONField(_("staff applied for"), default=list, blank=True)
    # Why the office refused, suspended, reinstated or revoked it last (published).
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering: ClassVar = ["kind", "name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(licensed_until__gte=models.F("licensed_from"))
                | models.Q(licensed_from__isnull=True, licensed_until__isnull=True),
                name="agency_licence_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["applied", "refused"])
                | models.Q(licensed_from__isnull=False, licensed_until__isnull=False),
                name="agency_licensed_has_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgencyMember(models.Model):
    """An account that works for one agency (an agent, a hospital's certificate clerk)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agency_membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="members")
    active = models.BooleanField(_("active"), default=True)
    # The manager publishes fees and adds or removes the agency's agents.
    is_manager = models.BooleanField(_("manager"), default=False)

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")

    def __str__(self) -> str:
        return f"member #{self.pk} of agency #{self.agency_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class AgentInvitation(models.Model):
    """An agency asks a real-name account to work for it as an agent. Nobody becomes an
    agent without saying yes in their own account: being one changes what the account
    may do, and puts the person's name on the agency's record."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The manager who added them, or the applicant who named them in the application.
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=8, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(_("invited"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent invitation")
        verbose_name_plural = _("agent invitations")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "user"],
                condition=models.Q(status="pending"),
                name="agent_invitation_pending_once",
            )
        ]

    def __str__(self) -> str:
        return f"invitation #{self.pk} to agency #{self.agency_id}"


class FeeCap(models.Model):
    """The highest fee an agency of this office may charge for an item (published)."""

    office = models.ForeignKey(
        "registry.Office", on_delete=models.PROTECT, related_name="fee_caps", verbose_name=_("office")
    )
    item_code = models.CharField(_("service item"), max_length=32)
    cap_fen = models.PositiveIntegerField(_("fee cap (fen)"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set"))

    class Meta:
        verbose_name = _("fee cap")
        verbose_name_plural = _("fee caps")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["office", "item_code"], name="fee_cap_one_per_item")
        ]

    def __str__(self) -> str:
        return f"cap {self.item_code} at office #{self.office_id}"


class AgencyItem(models.Model):
    """An item the agency handles, and the fee it publishes for it (at most the cap)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="items")
    item_code = models.CharField(_("service item"), max_length=32)
    fee_fen = models.PositiveIntegerField(_("fee (fen)"))
    published_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("agency item")
        verbose_name_plural = _("agency items")
        ordering: ClassVar = ["item_code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "item_code"], name="agency_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_code} by agency #{self.agency_id}"


class AuthorisationStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the citizen")  # the agent asked; a code was sent
    ACTIVE = "active", _("Active")  # confirmed; in force until `valid_until`
    DECLINED = "declined", _("Declined")  # the citizen said no (or never confirmed in time)
    REVOKED = (
        "revoked",
        pgettext_lazy("authorisation status", "Revoked"),
    )  # the citizen (or the office) ended it
    CLOSED = "closed", _("Job closed")  # the agent finished; the citizen confirms the fee


class Authorisation(models.Model):
    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="authorisations")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("agent")
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="authorisations",
        verbose_name=_("citizen"),
    )
    # The item codes it covers; every one is on the agency's list and may be delegated.
    item_codes = models.JSONField(_("items"), default=list)
    # Exactly one of them: the licence or the vehicle the items are done for.
    licence = models.ForeignKey(
        "registry.DriverLicence", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    vehicle = models.ForeignKey(
        "registry.Vehicle", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fee_fen = models.PositiveIntegerField(_("agreed fee (fen)"))
    days = models.PositiveSmallIntegerField(_("days in force"))
    status = models.CharField(
        _("status"), max_length=10, choices=AuthorisationStatus.choices, default=AuthorisationStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested"))
    # The one-time code the citizen asked for to confirm it (only its HMAC is kept).
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_failures = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    valid_until = models.DateTimeField(_("in force until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)  # declined, revoked or closed
    ended_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # After the job closed: what the citizen says they paid, or that they dispute it.
    fee_paid_fen = models.PositiveIntegerField(_("fee paid (fen)"), null=True, blank=True)
    fee_disputed = models.BooleanField(_("payment disputed"), default=False)
    fee_confirmed_at = models.DateTimeField(_("fee confirmed"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), null=True, blank=True)

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(licence__isnull=False, vehicle__isnull=True)
                | models.Q(licence__isnull=True, vehicle__isnull=False),
                name="authorisation_one_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active")
                | models.Q(confirmed_at__isnull=False, valid_until__isnull=False),
                name="authorisation_active_confirmed",
            ),
            models.CheckConstraint(
                condition=~models.Q(agent=models.F("citizen")), name="authorisation_not_for_oneself"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="authorisation_rating_1_to_5",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["citizen", "status"]),
            models.Index(fields=["agent", "status"]),
            models.Index(fields=["agency", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"authorisation {self.reference}"


class ComplaintKind(models.TextChoices):
    OVERCHARGED = "overcharged", _("Charged more than the published fee")  # opened automatically
    DISPUTED = "disputed", _("Payment disputed")  # opened automatically
    CONDUCT = "conduct", _("Conduct of the agency")  # written by the citizen


class ComplaintStatus(models.TextChoices):
    # A context of their own: an objection's "Upheld" is 异议成立, a complaint's 投诉成立.
    OPEN = "open", pgettext_lazy("complaint", "Open")  # the office has not decided
    UPHELD = "upheld", pgettext_lazy("complaint", "Upheld")  # the agency was at fault
    DISMISSED = "dismissed", pgettext_lazy("complaint", "Dismissed")  # it was not


class Complaint(models.Model):
    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="complaints")
    authorisation = models.ForeignKey(
        Authorisation, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=ComplaintKind.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.CharField(_("decision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes: ClassVar = [models.Index(fields=["agency", "status"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["authorisation", "kind"],
                condition=models.Q(kind__in=["overcharged", "disputed"]),
                name="complaint_automatic_once",
            )
        ]

    def __str__(self) -> str:
        return f"complaint {self.reference}"


class BanKind(models.TextChoices):
    # L-VR 第80条, L-DL 第93条: false materials, no application for 1 year.
    FALSE_MATERIALS = "false_materials", _("False materials (1 year)")
    # L-VR 第81条, L-DL 第93条: deceit or bribery, 3 years.
    DECEIT_BRIBERY = "deceit_bribery", _("Deceit or bribery (3 years)")


class Ban(models.Model):
    """A published sanction: the agency and, when named, the person may not act (or apply)
    from `starts_on` to `ends_on` (included)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="bans")
    # The agent or manager who did it, if the office names one.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BanKind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="ban_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"ban #{self.pk} of agency #{self.agency_id}"
