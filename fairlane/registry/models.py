"""The records of truth: offices, police stations, driving licences and vehicles.

Licences and vehicles are keyed by the holder's or owner's ID number, not by an account:
the record exists whether or not the person has registered online, and a citizen sees the
records whose ID number is the one verified on their account.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    code = models.CharField(_("division code"), max_length=6, unique=True)  # GB/T 2260
    name = models.CharField(_("name"), max_length=40)

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("Vehicle management office")  # 车管所
        BRANCH = "branch", _("Branch office")  # 分所
        STATION = "station", _("Service station")  # 服务站

    code = models.CharField(_("office code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("service telephone"), max_length=20)
    hours = models.CharField(_("opening hours"), max_length=120)
    districts = models.ManyToManyField(District, related_name="offices", verbose_name=_("jurisdiction"))
    directions = models.TextField(_("how to get there"), blank=True)

    def __str__(self) -> str:
        return self.name


class PoliceStation(models.Model):
    code = models.CharField(_("station code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("telephone"), max_length=20)
    districts = models.ManyToManyField(
        District, related_name="police_stations", verbose_name=_("districts covered")
    )

    def __str__(self) -> str:
        return self.name


class LicenceStatus(models.TextChoices):
    # Letters follow the codes used in vehicle-office data exchange (facts §5.6).
    NORMAL = "A", _("Normal")  # 正常
    OVER_POINTS = "B", _("Over the points limit")  # 超分: 12 points reached in a cycle
    TRANSFERRED_OUT = "C", _("Transferred out")  # 转出 to another office
    SUSPENDED = "D", _("Suspended")  # 暂扣
    PERMIT_REVOKED = "E", _("Revoked (permit withdrawn)")  # 撤销
    REVOKED = "F", _("Revoked")  # 吊销
    CANCELLED = "G", _("Cancelled")  # 注销
    RENEWAL_OVERDUE = "M", _("Renewal overdue")  # 逾期未换证
    RENEWAL_DEFERRED = "N", _("Renewal deferred")  # 延期换证
    CANCELLED_RESTORABLE = "R", _("Cancelled, restorable")  # 注销可恢复
    DETAINED = "U", _("Detained")  # 扣留


class LicenceValidity(models.TextChoices):
    SIX_YEARS = "6", _("6 years")
    TEN_YEARS = "10", _("10 years")
    LONG_TERM = "long", _("Long-term")


class DriverLicence(models.Model):
    # The licence number is the holder's resident ID number (L-DL 第12条).
    id_number = models.CharField(_("licence number"), max_length=18, unique=True)
    holder_name = models.CharField(_("holder"), max_length=50)
    file_number = models.CharField(_("file number"), max_length=12, unique=True)
    classes = models.CharField(_("permitted class"), max_length=20)  # e.g. "C1" or "A2 D"
    first_issued_on = models.DateField(_("first issued"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)  # null: long-term
    validity = models.CharField(_("validity"), max_length=4, choices=LicenceValidity.choices)
    status = models.CharField(
        _("status"), max_length=1, choices=LicenceStatus.choices, default=LicenceStatus.NORMAL
    )
    cycle_start = models.DateField(_("scoring cycle start"))
    points = models.PositiveSmallIntegerField(_("points in cycle"), default=0)
    issuing_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="licences")
    # Whether any scoring cycle of the current validity period reached 12 points: it decides
    # the next validity at renewal (L-DL 第62条).
    full_score_in_validity = models.BooleanField(_("12 points reached in this validity"), default=False)
    # Deferrals granted (L-DL 第75条): the holder may not drive until they end.
    renewal_deferred_until = models.DateField(_("renewal deferred until"), null=True, blank=True)
    audit_deferred_until = models.DateField(_("review deferred until"), null=True, blank=True)
    health_deferred_until = models.DateField(_("health certificate deferred until"), null=True, blank=True)
    # The issue date of the last health certificate the office accepted.
    health_certificate_on = models.DateField(_("last health certificate"), null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(validity="long", valid_until__isnull=True)
                | (~models.Q(validity="long") & models.Q(valid_until__isnull=False)),
                name="licence_long_term_has_no_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.classes} #{self.pk}"


class PlateType(models.TextChoices):
    # Codes of GA 24.7 号牌种类.
    LARGE = "01", _("Large vehicle")  # 大型汽车 (yellow)
    SMALL = "02", _("Small vehicle")  # 小型汽车 (blue)
    LARGE_NEW_ENERGY = "51", _("Large new-energy vehicle")  # yellow-green
    SMALL_NEW_ENERGY = "52", _("Small new-energy vehicle")  # green gradient


class VehicleType(models.TextChoices):
    SMALL_CAR = "K33", _("Small sedan")  # 小型轿车
    SMALL_SUV = "K31", _("Small passenger vehicle")  # 小型普通客车 (SUV, MPV ≤ 9 seats)
    SMALL_VAN = "K39", _("Small van")  # 小型面包车: excluded from inspection exemptions
    MEDIUM_BUS = "K21", _("Medium bus")
    LARGE_BUS = "K11", _("Large bus")
    LIGHT_TRUCK = "H31", _("Light truck")
    HEAVY_TRUCK = "H11", _("Heavy truck")
    MOTORCYCLE = "M21", _("Motorcycle")


class VehicleUse(models.TextChoices):
    PRIVATE = "A", _("Non-commercial")  # 非营运
    PASSENGER_COMMERCIAL = "B", _("Commercial passenger transport")  # 公路客运 / 出租
    FREIGHT = "C", _("Freight")  # 货运


class VehicleStatus(models.TextChoices):
    NORMAL = "A", _("Normal")
    TRANSFERRED_OUT = "B", _("Transferred out")
    SEIZED = "D", _("Seized")
    SCRAPPED = "E", _("Scrapped")
    CANCELLED = "G", _("Cancelled")
    INSPECTION_OVERDUE = "P", _("Inspection overdue")


class Vehicle(models.Model):
    vin = models.CharField(_("VIN"), max_length=17, unique=True)
    plate = models.CharField(_("plate number"), max_length=8, unique=True)
    plate_type = models.CharField(_("plate type"), max_length=2, choices=PlateType.choices)
    vehicle_type = models.CharField(_("vehicle type"), max_length=3, choices=VehicleType.choices)
    use = models.CharField(_("use"), max_length=1, choices=VehicleUse.choices)
    seats = models.PositiveSmallIntegerField(_("seats"))
    brand = models.CharField(_("brand and model"), max_length=60)
    owner_id_number = models.CharField(_("owner ID number"), max_length=18, db_index=True)
    owner_name = models.CharField(_("owner"), max_length=50)
    manufactured_on = models.DateField(_("manufactured"))
    registered_on = models.DateField(_("first registered"))
    inspection_valid_until = models.DateField(_("inspection valid until"))
    insurance_valid_until = models.DateField(_("compulsory insurance valid until"))
    status = models.CharField(
        _("status"), max_length=1, choices=VehicleStatus.choices, default=VehicleStatus.NORMAL
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="vehicles")
    # The owner's contact details on the registration (变更联系方式 changes them).
    owner_phone = models.CharField(_("owner's mobile number"), max_length=11, blank=True)
    owner_address = models.CharField(_("owner's postal address"), max_length=200, blank=True)
    # Facts that take a vehicle out of the inspection exemption (facts §2.9).
    casualty_accident = models.BooleanField(_("in an accident with casualties"), default=False)
    illegally_modified = models.BooleanField(_("punished for illegal modification"), default=False)
    formerly_commercial = models.BooleanField(_("converted from commercial use"), default=False)

    def __str__(self) -> str:
        return f"{self.plate} #{self.pk}"


class DocumentKind(models.TextChoices):
    DRIVING_LICENCE = "driving_licence", _("Driving licence")  # 驾驶证
    PLATES = "plates", _("Number plates")  # 号牌
    VEHICLE_LICENCE = "vehicle_licence", _("Vehicle licence")  # 行驶证
    REGISTRATION_CERTIFICATE = "registration_cert", _("Registration certificate")  # 登记证书
    INSPECTION_MARK = "inspection_mark", _("Inspection mark")  # 检验合格标志
    TEMPORARY_PLATE = "temporary_plate", _("Temporary plate")  # 临时行驶车号牌


class IssuedDocument(models.Model):
    """One physical document the office issued. A replacement voids the one before it, so
    the history shows how often a licence or vehicle had its documents replaced."""

    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    serial = models.CharField(_("serial number"), max_length=24, unique=True)
    licence = models.ForeignKey(
        DriverLicence, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    # A temporary plate for a new vehicle not yet registered names it by VIN.
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    number = models.CharField(_("number"), max_length=8, blank=True)  # a temporary plate's number
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    void_at = models.DateTimeField(_("void since"), null=True, blank=True)
    # The application that produced it, if any.
    application_reference = models.CharField(_("application"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering: ClassVar = ["-issued_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(licence__isnull=False)
                | models.Q(vehicle__isnull=False)
                | ~models.Q(vin=""),
                name="document_has_a_subject",
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["licence", "kind", "issued_at"]),
            models.Index(fields=["vehicle", "kind", "issued_at"]),
            models.Index(fields=["vin", "kind", "issued_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.serial}"


class HealthCertificate(models.Model):
    """A health certificate (身体条件证明) that an accredited hospital sent to the office.

    Only hospitals on the published list send them, so a certificate on file is one the
    office can rely on; it counts for 6 months from `issued_on` (L-DL 第85条).
    """

    serial = models.CharField(_("certificate number"), max_length=24, unique=True)
    id_number = models.CharField(_("ID number"), max_length=18, db_index=True)
    holder_name = models.CharField(_("name"), max_length=50)
    hospital = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="health_certificates"
    )
    issued_on = models.DateField(_("issued on"))
    fit_to_drive = models.BooleanField(_("fit to drive"))
    # Classes the holder is fit for, as on the certificate (e.g. "C1" or "A2 C1").
    classes_fit = models.CharField(_("fit for classes"), max_length=20)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("health certificate")
        verbose_name_plural = _("health certificates")
        ordering: ClassVar = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"health certificate {self.serial}"


class LearnerRecord(models.Model):
    """A learner's file (学员档案): the accepted application for a first licence or an added
    class, and the learner permit (学习驾驶证明) issued once the theory test is passed.

    Keyed by ID number like the licences. Exam booking reads it: the acceptance time ranks
    the first theory booking, the permit's dates decide when the driving tests may be booked
    (L-DL 第43–44条) and which bookings are priority ones (less than 6 months left)."""

    id_number = models.CharField(_("ID number"), max_length=18, db_index=True)
    holder_name = models.CharField(_("name"), max_length=50)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="learners")
    licence_class = models.CharField(_("class applied for"), max_length=3)  # one code, e.g. "C1"
    # Adding a class to an automobile licence already held (增驾): the heavy-class wait for
    # the road test is 30 days instead of 40 (L-DL 第44条第三项).
    adds_class = models.BooleanField(_("adds a class to a licence held"), default=False)
    accepted_at = models.DateTimeField(_("application accepted"))
    permit_number = models.CharField(_("learner permit number"), max_length=20, blank=True)
    permit_issued_on = models.DateField(_("learner permit issued"), null=True, blank=True)
    permit_expires_on = models.DateField(_("learner permit valid until"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)  # licence issued or file ended

    class Meta:
        verbose_name = _("learner record")
        verbose_name_plural = _("learner records")
        ordering: ClassVar = ["-accepted_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(
                    permit_issued_on__isnull=True, permit_expires_on__isnull=True, permit_number=""
                )
                | models.Q(
                    permit_issued_on__isnull=False,
                    permit_expires_on__gt=models.F("permit_issued_on"),
                )
                & ~models.Q(permit_number=""),
                name="learner_permit_complete",
            ),
            # One open file per person: a second application waits for the first to close.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_learner_record",
            ),
        ]

    def __str__(self) -> str:
        return f"learner record #{self.pk}"
