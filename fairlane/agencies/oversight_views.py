"""Pages of the agencies app: oversight."""

from __future__ import annotations
