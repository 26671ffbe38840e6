"""The dispute types shipped in data/types.json (the admin may add and switch off more)."""

from django.db import migrations


def load(apps, schema_editor):
    from civicgrid.disputes.types import load_defaults

    load_defaults(apps.get_model("disputes", "DisputeType"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_dispute_mediation")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
