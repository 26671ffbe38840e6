"""Nothing one process needs lives only in another: a boundary or category changed through one
process reaches a second one through versions kept in the database (docs/scaling.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from civicgrid.events import categories
from civicgrid.events.models import Category
from civicgrid.regions.locate import bump_boundaries_version, locate_point
from civicgrid.regions.models import Region
from tests.events.conftest import IN_A1, LITTER

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]

# The other application process: answers "locate" and "hours" questions from its own caches.
CHILD = """
import sys, django
django.setup()
from civicgrid.events import categories
from civicgrid.regions.locate import locate_point
for line in sys.stdin:
    what, *args = line.split()
    if what == "locate":
        print(locate_point(lng=float(args[0]), lat=float(args[1])).microgrid_code, flush=True)
    elif what == "hours":
        print(categories.stage_hours(args[0], "handle", 0), flush=True)
"""


@pytest.fixture
def other_process():
    if connection.vendor != "postgresql":
        pytest.skip("two processes share one database only on PostgreSQL here")
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        DJANGO_SETTINGS_MODULE="civicgrid.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        LOG_LEVEL="WARNING",
    )
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip

    def ask(question: str) -> str:
        assert child.stdin and child.stdout
        child.stdin.write(question + "\n")
        child.stdin.flush()
        return child.stdout.readline().strip()

    yield ask
    child.kill()
    child.wait(10)


def _after_the_recheck_interval() -> None:
    time.sleep(max(categories.RECHECK_SECONDS, 1.0) + 0.2)


def test_a_boundary_change_in_one_process_reaches_the_others_locate_index(world, other_process):
    bump_boundaries_version()  # the world's boundaries, as an import would record them
    point = f"locate {IN_A1[0]} {IN_A1[1]}"
    assert other_process(point) == world.micro_a1.code

    # This process swaps the two micro-grids' outlines, as a boundary import does.
    with transaction.atomic():
        a1 = Region.all_objects.get(code=world.micro_a1.code)
        a2 = Region.all_objects.get(code=world.micro_a2.code)
        a1.boundary, a2.boundary = a2.boundary, a1.boundary
        a1.save(update_fields=["boundary"])
        a2.save(update_fields=["boundary"])
        bump_boundaries_version()
    assert locate_point(lng=IN_A1[0], lat=IN_A1[1]).microgrid_code == world.micro_a2.code

    _after_the_recheck_interval()
    assert other_process(point) == world.micro_a2.code


def test_a_category_change_in_one_process_reaches_the_other(world, other_process):
    categories.load_defaults()
    before = other_process(f"hours {LITTER}")

    with transaction.atomic():
        Category.objects.filter(code=LITTER).update(handle_hours=77)
        categories.changed()
    assert categories.stage_hours(LITTER, "handle", 0) == 77

    _after_the_recheck_interval()
    assert other_process(f"hours {LITTER}") == "77.0" != before
