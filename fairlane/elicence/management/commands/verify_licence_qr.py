"""Check an electronic licence's code offline: `manage.py verify_licence_qr CODE`.

With --public-key (the PEM file /verify/key serves) it needs nothing but that file: no
database, no network. Exit status: 0 valid, 1 forged, 2 expired, 3 the key file is unusable.
A revocation is known only to the office's records, so this check cannot see one.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fairlane.elicence import keys, rules
from fairlane.elicence.signing import Outcome, code_verify

EXIT_CODES = {Outcome.VALID: 0, Outcome.FORGED: 1, Outcome.EXPIRED: 2}
KEY_FILE_UNUSABLE = 3


class Command(BaseCommand):
    help = (
        "Verify the code (or the link) of an electronic licence's QR code against the office's public key. "
        "Exit status: 0 valid, 1 forged, 2 expired, 3 unusable key file."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("code", help="the code, or the whole verification link")
        parser.add_argument(
            "--public-key",
            type=Path,
            help="PEM file of the office's public key (from /verify/key); default: the configured key",
        )

    def _public_key(self, path: Path | None) -> Ed25519PublicKey:
        if path is None:
            return keys.public_key()
        try:
            return keys.public_key_from_pem(path.read_bytes())
        except (OSError, ValueError):
            raise CommandError(
                f"{path} is not a readable PEM file of an Ed25519 public key.", returncode=KEY_FILE_UNUSABLE
            ) from None

    def handle(self, *args: Any, **options: Any) -> None:
        public_key = self._public_key(options["public_key"])
        verification = code_verify(rules.code_from_input(options["code"]), public_key, now=timezone.now())
        self.stdout.write(f"result: {verification.outcome.value.upper()}")
        if verification.problem is not None:
            self.stdout.write(f"problem: {verification.problem.value}")
        statement = verification.statement
        if statement is not None:
            for name, value in statement.as_json().items():
                shown = " ".join(value) if isinstance(value, list) else value
                self.stdout.write(f"{name}: {shown}")
        if verification.outcome != Outcome.VALID:
            raise SystemExit(EXIT_CODES[verification.outcome])
