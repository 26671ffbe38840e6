"""Signals between domain apps that must not import each other, carrying plain data only.

`dispute_referred` — a case of another domain turned out to be a dispute between people (an
incident of the "矛盾纠纷" class registered by its desk) and should become a dispute case without
retyping. Sent inside the sender's transaction, once, with these keyword arguments (all plain
values, never model instances):

    source          str   where it comes from ("incident")
    source_number   str   the sending case's number (a receiver uses it to stay idempotent)
    region_code     str   the place as located (micro-grid, or the area it fell back to)
    address         str   the place in words ("" when unknown)
    lng, lat        float | None
    description     str   what was reported
    category_code   str   the sender's category code (e.g. "1101")
    category_name   str   and its name (e.g. "邻里纠纷")
    reporter_name   str   who reported it ("" when unknown)
    reporter_phone  str   their phone, normalised ("" when unknown)
    reporter_person_id int | None   their register id when the sender knows it
    at              datetime      when it was referred

A receiver that raises rolls the sender's change back: receivers must accept whatever a sender
may send (an unknown category, no place) and never fail on it.
"""

from __future__ import annotations

from django.dispatch import Signal

dispute_referred = Signal()
