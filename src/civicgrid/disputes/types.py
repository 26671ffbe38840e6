"""The dispute types shipped in data/types.json, loaded once (migration 0002, or on demand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "types.json"


def default_rows() -> list[dict[str, Any]]:
    return json.loads(DATA.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def load_defaults(model: Any = None) -> int:
    """Add the shipped types that are missing (a type an administrator changed stays as it is);
    `model` is the migration's historical model when called from one."""
    if model is None:
        from civicgrid.disputes.models import DisputeType as model
    made = 0
    for order, row in enumerate(default_rows()):
        _obj, created = model.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "incident_categories": row["incident_categories"],
                "order": order,
            },
        )
        made += created
    return made
