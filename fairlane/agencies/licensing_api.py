"""API of the agencies app: licensing."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["licensing"])
