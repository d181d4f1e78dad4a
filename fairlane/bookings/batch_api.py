"""The JSON API of batches: published plans, requests, allocation results."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["bookings"])
