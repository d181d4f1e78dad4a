"""Pages of the agencies app: licensing."""

from __future__ import annotations
