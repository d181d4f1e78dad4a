"""Every test of this app signs with one known key, set in the settings: none touches the
key file of the working copy."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fairlane.elicence.keys import private_key_to_base64

OFFICE_KEY = Ed25519PrivateKey.generate()


@pytest.fixture(autouse=True)
def _office_key(settings) -> None:
    settings.FAIRLANE_ELICENCE_SIGNING_KEY = private_key_to_base64(OFFICE_KEY)
