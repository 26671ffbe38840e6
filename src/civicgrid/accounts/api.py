"""JSON API for the current user."""

from ninja import Router

router = Router(tags=["accounts"])
