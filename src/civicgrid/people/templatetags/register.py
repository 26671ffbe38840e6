"""Template filters of the register: masked ID numbers and phones, ages, tag labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone

from civicgrid.core.identity import age_on, mask_id_number, mask_phone
from civicgrid.people import privacy

register = template.Library()


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value) if value else ""


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value) if value else ""


@register.filter
def age(birth_date: date | None) -> str:
    return str(age_on(birth_date, timezone.localdate())) if birth_date else ""


@register.filter
def visible_to(tags: Any, user: Any) -> list[Any]:
    """`person.tags.all|visible_to:user`: without the right, sensitive tags are left out."""
    return privacy.visible_tags(tags, user)


@register.filter
def shown_name(person: Any, user: Any) -> str:
    """`r|shown_name:user`: a child's name masked for roles that do not care for them."""
    return privacy.shown_name(person, user)
