"""Pages of the agencies app: authorisation."""

from __future__ import annotations
