"""Organisations outside the office that act in its processes: licensed agencies, dealer
service stations, post office points and accredited hospitals.

This first part holds what online business handling needs: the organisation, its kind and
status, and which accounts work for it. Accredited hospitals use it to send health
certificates straight to the office (警医邮).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    AGENCY = "agency", _("Licensed agency")  # 代办机构
    DEALER = "dealer", _("Dealer service station")  # 4S店 / 登记服务站
    POST = "post", _("Post office point")  # 邮政网点
    HOSPITAL = "hospital", _("Accredited hospital")  # 体检医疗机构 (L-DL 第85条)


class AgencyStatus(models.TextChoices):
    LICENSED = "licensed", _("Licensed")  # may act until `licensed_until`
    SUSPENDED = "suspended", _("Suspended")  # may not act for now
    REVOKED = "revoked", _("Revoked")  # recognition withdrawn (e.g. false certificates, L-DL 第86条)


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
    licensed_from = models.DateField(_("licensed from"))
    licensed_until = models.DateField(_("licensed until"))

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering: ClassVar = ["kind", "name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(licensed_until__gte=models.F("licensed_from")),
                name="agency_licence_period_ordered",
            )
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

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")

    def __str__(self) -> str:
        return f"member #{self.pk} of agency #{self.agency_id}"
