"""The dispute types shipped in data/types.json (the admin may add and switch off more)."""

import json
from pathlib import Path

from django.db import migrations

TYPES = Path(__file__).resolve().parent.parent / "data" / "types.json"


def load(apps, schema_editor):
    DisputeType = apps.get_model("disputes", "DisputeType")
    for order, row in enumerate(json.loads(TYPES.read_text(encoding="utf-8"))):
        DisputeType.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "incident_categories": row["incident_categories"],
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_dispute_mediation")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
