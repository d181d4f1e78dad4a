"""`manage.py seed_demo`: load the demo world (see fairlane.registry.demo) and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fairlane.accounts.models import Role
from fairlane.agencies.demo import demo_agencies_seed
from fairlane.bookings.demo import demo_bookings_seed
from fairlane.registry.demo import (
    DEFAULT_CITIZENS,
    DEFAULT_SEED,
    DEMO_CITIZEN,
    DEMO_PARTNERS,
    DEMO_STAFF,
    MAX_CITIZENS,
    demo_is_seeded,
    demo_logins,
    demo_seed,
)
from fairlane.violations.demo import demo_violations_seed


class Command(BaseCommand):
    help = "Fill an empty database with a deterministic demo city, its people and one account per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--citizens", type=int, default=DEFAULT_CITIZENS, help="number of citizens (default 2000)"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 2026)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="if the database already has offices, only print the demo logins",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        citizens: int = options["citizens"]
        if not 1 <= citizens <= MAX_CITIZENS:
            raise CommandError(_("--citizens must be between 1 and %(max)d.") % {"max": MAX_CITIZENS})
        if demo_is_seeded():
            if not options["if_empty"]:
                raise CommandError(
                    _("The database already has offices. Use a fresh database, or --if-empty to keep it.")
                )
            self.stdout.write(_("The database already has offices: nothing seeded."))
        else:
            counts = demo_seed(citizens=citizens, seed=options["seed"])
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Seeded %(offices)d offices, %(stations)d police stations, %(citizens)d citizens, "
                        "%(licences)d driving licences and %(vehicles)d vehicles."
                    )
                    % {
                        "offices": counts.offices,
                        "stations": counts.police_stations,
                        "citizens": counts.citizens,
                        "licences": counts.licences,
                        "vehicles": counts.vehicles,
                    }
                )
            )
        # Idempotent on its own: also fills in the bookings of a demo seeded before they existed.
        bookings = demo_bookings_seed()
        if bookings.services:
            self.stdout.write(
                _("Seeded %(services)d bookable services with %(slots)d slots and %(batches)d open batches.")
                % {"services": bookings.services, "slots": bookings.slots, "batches": bookings.batches}
            )
        violations = demo_violations_seed()
        if violations.violations:
            self.stdout.write(
                _("Seeded %(violations)d camera-recorded violations, %(decisions)d of them decided.")
                % {"violations": violations.violations, "decisions": violations.decisions}
            )
        agency = demo_agencies_seed(
            manager_phone=_demo_phone(DEMO_PARTNERS, Role.AGENT),
            supervisor_phone=_demo_phone(DEMO_STAFF, Role.SUPERVISOR),
            reviewer_phone=_demo_phone(DEMO_STAFF, Role.REVIEWER),
            seed=options["seed"],
            keep_phone=DEMO_CITIZEN.phone,
        )
        if agency is not None:
            self.stdout.write(
                _("Licensed agency: %(name)s, with its published fees.") % {"name": agency.name}
            )
        self._print_logins()

    def _print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            self.stdout.write(_("No demo accounts in this database."))
            return
        self.stdout.write(_("Demo logins:"))
        for login in logins:
            values = {
                "role": login.role,
                "phone": login.phone,
                "password": login.password,
                "secret": login.totp_secret,
                "uri": login.otpauth_uri,
            }
            if login.totp_secret:
                line = _("%(role)s: login %(phone)s, password %(password)s, TOTP secret %(secret)s, %(uri)s")
            else:
                line = _("%(role)s: login %(phone)s, password %(password)s")
            self.stdout.write("  " + line % values)
        self.stdout.write(_("Run `python manage.py demo_totp` to print the current TOTP codes of the staff."))


def _demo_phone(accounts: Any, role: Role) -> str:
    return str(next(account.phone for account in accounts if account.role == role))
