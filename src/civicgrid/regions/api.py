"""JSON API for the place tree (filled in below)."""

from ninja import Router

router = Router(tags=["regions"])
