"""Pages of the agencies app: acting."""

from __future__ import annotations
