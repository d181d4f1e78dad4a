"""API of the agencies app: oversight."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["oversight"])
