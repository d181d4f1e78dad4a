"""API of the agencies app: authorisation."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["authorisation"])
