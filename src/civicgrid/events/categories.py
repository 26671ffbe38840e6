"""Category lookups with stage hours, and the Jiangsu default taxonomy loaded from data/."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.events.models import Category
from civicgrid.regions.models import LayerVersion

DATA = Path(__file__).resolve().parent / "data" / "categories.json"
STAGES = ("register", "dispatch", "accept", "handle", "verify")

# The default loop per priority: normal cases close within 24 hours, emergencies much sooner.
DEFAULT_HOURS: dict[int, dict[str, float]] = {
    0: {"register": 1, "dispatch": 1, "accept": 1, "handle": 18, "verify": 3},
    1: {"register": 0.5, "dispatch": 0.5, "accept": 0.5, "handle": 8, "verify": 2},
    2: {"register": 0.25, "dispatch": 0.25, "accept": 0.25, "handle": 3, "verify": 1},
}

# Deadlines are computed and categories checked on every intake and transition; categories
# change rarely. Each process keeps a copy and compares, at most once a RECHECK_SECONDS, the
# shared version counter in the database (bumped by every change, with the change): an edit
# reaches every process within a second (at once in the editor's own), wherever it was made.
RECHECK_SECONDS = 1.0
LAYER = "event_categories"
# (version key, when it was last compared, the table)
_cache: tuple[tuple[int, object], float, dict[str, Category]] | None = None
_lock = threading.Lock()


def _load() -> dict[str, Category]:
    return {category.code: category for category in Category.objects.all()}


def _version() -> tuple[int, object]:
    row = LayerVersion.objects.filter(name=LAYER).values_list("version", "changed_at").first()
    return (int(row[0]), row[1]) if row else (0, None)


def _table() -> dict[str, Category]:
    global _cache
    cached = _cache
    now = time.monotonic()
    if cached is not None and now - cached[1] < RECHECK_SECONDS:
        return cached[2]
    key = _version()
    if cached is not None and cached[0] == key:
        _cache = (key, now, cached[2])
        return cached[2]
    with _lock:
        _cache = (key, now, _load())
        return _cache[2]


def forget() -> None:
    """Drop this process's copy (between tests; after a change, call `changed`)."""
    global _cache
    _cache = None


def changed() -> None:
    """Record a change of categories so that every process reloads them; call inside the
    writer's transaction so the bump commits (or rolls back) with the change itself."""
    LayerVersion.objects.get_or_create(name=LAYER)
    LayerVersion.objects.filter(name=LAYER).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    forget()


def lookup(code: str) -> Category | None:
    """The category `code` as this process last read it (shared: do not change it)."""
    return _table().get(code)


def reportable(code: str) -> Category | None:
    """The active subclass `code`, or None. A code this process does not know yet is looked up
    afresh, so a category added a moment ago is known at once."""
    category = lookup(code)
    if category is None and Category.objects.filter(code=code).exists():
        forget()
        category = lookup(code)
    if category is None or not category.is_active or category.parent_id is None:
        return None
    return category


def stage_hours(code: str, stage: str, priority: int) -> float:
    """Hours allowed for a stage: the category's own figure, else the default for the priority.

    A case raised above its category's priority (an emergency) takes the shorter default when
    that is shorter than the category's own figure.
    """
    default = DEFAULT_HOURS[max(0, min(priority, 2))][stage]
    category = lookup(code)
    own = getattr(category, f"{stage}_hours") if category is not None else None
    if own is None:
        return default
    if category is not None and priority > category.priority:
        return min(own, default)
    return float(own)


@transaction.atomic
def load_defaults(path: Path = DATA) -> int:
    """Create or update the default taxonomy; categories staff added stay as they are."""
    classes = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for top in classes:
        Category.objects.update_or_create(
            code=top["code"],
            defaults={"name": top["name"], "name_en": top.get("name_en", ""), "kind": top["kind"]},
        )
        count += 1
        for child in top["children"]:
            Category.objects.update_or_create(code=child["code"], defaults=_child(top, child))
            count += 1
    changed()
    return count


def _child(top: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    hours = child.get("hours") or {}
    open311 = child.get("open311")
    return {
        "name": child["name"],
        "name_en": child.get("name_en", ""),
        "parent_id": top["code"],
        "kind": top["kind"],
        "sector": child.get("sector", ""),
        "priority": child.get("priority", 0),
        "photo_required": bool(child.get("photo_required")),
        **{f"{stage}_hours": hours.get(stage) for stage in STAGES},
        "open311_enabled": open311 is not None,
        "open311_group": (open311 or {}).get("group", ""),
        "open311_keywords": ",".join((open311 or {}).get("keywords", [])),
        "open311_attributes": (open311 or {}).get("attributes", []),
    }


OPEN311_DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
LIST_TYPES = {"singlevaluelist", "multivaluelist"}


def open311_problems(attributes: Any) -> list[str]:
    """What is wrong with an Open311 attribute list (empty when it follows GeoReport v2)."""
    if not isinstance(attributes, list):
        return ["attributes must be a list"]
    problems: list[str] = []
    codes = [a.get("code") for a in attributes if isinstance(a, dict)]
    if len(codes) != len(attributes):
        return ["every attribute must be an object"]
    if len(set(codes)) != len(codes) or not all(isinstance(c, str) and c for c in codes):
        problems.append("attribute codes must be present and unique")
    if sorted(a.get("order") for a in attributes) != list(range(1, len(attributes) + 1)):
        problems.append("attribute orders must run 1..n")
    for a in attributes:
        datatype = a.get("datatype")
        if datatype not in OPEN311_DATATYPES:
            problems.append(f"{a.get('code')}: unknown datatype {datatype!r}")
        values = a.get("values")
        if datatype in LIST_TYPES and not values:
            problems.append(f"{a.get('code')}: a list attribute needs values")
        if datatype not in LIST_TYPES and values:
            problems.append(f"{a.get('code')}: only list attributes have values")
        if not isinstance(a.get("required"), bool):
            problems.append(f"{a.get('code')}: required must be true or false")
    return problems
