"""A per-address budget of case-tracking lookups, so numbers and phones cannot be guessed."""

from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError

# A citizen looks a case up a few times; 20 tries in 10 minutes is plenty for them and far
# too few to guess a number (1 in 10^9 per day) together with its phone.
LOOKUPS = 20
WINDOW_SECONDS = 600


def count_lookup(address: str | None) -> None:
    """Count one lookup from `address`; refuse with 429 once its budget for the window is spent.

    A fixed window that starts with the first lookup: simple, and in the shared cache, so it
    holds across processes when the cache is Redis (it is per process with the local cache).
    """
    key = f"events.track.{address or 'unknown'}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        used = 1
    if used > LOOKUPS:
        raise DomainError(
            "events.tracking_throttled",
            _("Too many lookups from your connection. Try again in 10 minutes."),
            status=429,
        )
