"""People with a real-name identity, the roles they act in, and their credentials."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")  # drivers, owners, learners acting for themselves
    AGENT = "agent", _("Licensed agent")  # acts for a citizen inside a confirmed authorisation
    HOSPITAL = "hospital", _("Accredited hospital")  # uploads health certificates
    CLERK = "clerk", _("Window clerk")  # front desk of an office
    REVIEWER = "reviewer", _("Reviewer")  # decides applications
    SUPERVISOR = "supervisor", _("Supervisor")  # audit trail, alerts, cases
    POLICE = "police", _("Police liaison")  # scalper reports for a police station
    ADMIN = "admin", _("Administrator")  # configures the office


# Roles whose holders work for the office or the police: they must sign in with TOTP.
STAFF_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.SUPERVISOR, Role.POLICE, Role.ADMIN})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **fields: Any) -> User:
        # Only for tests of the model itself and createsuperuser: real accounts are made by
        # accounts.services, which validate and audit.
        user = self.model(phone=phone, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(phone, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    name = models.CharField(_("name"), max_length=50)
    # One account per resident ID number: the database refuses a second one.
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    phone = models.CharField(_("mobile phone"), max_length=11, unique=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CITIZEN)
    office = models.ForeignKey(
        "registry.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    police_station = models.ForeignKey(
        "registry.PoliceStation", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    identity_verified_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name", "id_number"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions: ClassVar = [
            ("unmask_pii", "Can see full ID numbers and phone numbers of other people"),
        ]

    def __str__(self) -> str:
        # Never the full ID number or phone: __str__ ends up in logs and the admin.
        from fairlane.core.masking import mask_name

        return f"{mask_name(self.name)} #{self.pk}"

    @property
    def is_office_staff(self) -> bool:
        return self.role in STAFF_ROLES


class SmsCode(models.Model):
    """A one-time code sent by SMS. Only a hash is stored; each code is used at most once."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")

    phone = models.CharField(max_length=11, db_index=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_default=Now())
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["phone", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code #{self.pk}"


class SmsMessage(models.Model):
    """The development outbox: what the SMS backend would have sent."""

    phone = models.CharField(max_length=11)
    text = models.CharField(max_length=300)
    sent_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering: ClassVar = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"SMS #{self.pk}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_default=Now())
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token #{self.pk}"
