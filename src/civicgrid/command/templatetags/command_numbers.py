"""Showing the numbers: rates as percentages, missing values as a dash."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """0.9768 → 97.68%; None (nothing to count) → —."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.2f}%"


@register.filter
def num(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
