"""The command centre's tests: cases moved along the loop at chosen Beijing times (through the
events services), cases written in bulk, and the incident loop's helpers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.events.models import Incident
from civicgrid.events.services import escalation, intake, merging, steps
from civicgrid.events.services.steps import Handler
from tests import factories as f
from tests.events.conftest import _categories, report  # noqa: F401 - fixtures used here too

TZ = ZoneInfo("Asia/Shanghai")
IN_A1 = (118.5, 31.5)
IN_A2 = (118.5, 32.5)
IN_B1 = (119.5, 31.5)
NOWHERE = (121.5, 35.0)
DISPUTE = "1101"  # 邻里纠纷: normal priority, no photo needed, default hours (1/1/1/18/3)
ELDERLY = "1201"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def nov(day: int, hour: int, minute: int = 0) -> datetime:
    return at(11, day, hour, minute)


class Story:
    """One verb per step of the loop; the community desk (staff) triages unless told."""

    def __init__(self, world) -> None:
        self.w = world

    def _v(self, case: Incident) -> int:
        case.flow.refresh_from_db()
        return case.flow.version

    def report(self, when, *, category=DISPUTE, where=IN_A1, by=None) -> Incident:
        case, _created = intake.report_incident(
            category=category,
            description="楼上漏水，邻里争执",
            by=by or self.w.grid_worker,
            source="grid_worker",
            lng=where[0],
            lat=where[1],
            photos=[],
            now=when,
        )
        return case

    def register(self, case, when, by=None):
        steps.register(incident=case, by=by or self.w.staff, version=self._v(case), now=when)

    def reject(self, case, when):
        steps.reject(
            incident=case, by=self.w.staff, version=self._v(case), reason="不属实", now=when
        )

    def dispatch(self, case, when, to="department", by=None):
        handler = {
            "department": Handler("department", str(self.w.officer.organisation_id)),
            "worker": Handler("worker", str(self.w.grid_worker.pk)),
            "community": Handler("community", self.w.community_a.code),
        }[to]
        steps.dispatch(
            incident=case, to=handler, by=by or self.w.staff, version=self._v(case), now=when
        )

    def _handler(self, case):
        return self.w.officer if case.handler_org_id else self.w.grid_worker

    def accept(self, case, when):
        steps.accept(incident=case, by=self._handler(case), version=self._v(case), now=when)

    def finish(self, case, when):
        steps.finish(
            incident=case,
            by=self._handler(case),
            version=self._v(case),
            result="已调解",
            photos=[],
            now=when,
        )

    def close(self, case, when, by=None):
        steps.close(incident=case, by=by or self.w.staff, version=self._v(case), now=when)

    def rework(self, case, when, by=None):
        steps.rework(
            incident=case, by=by or self.w.staff, version=self._v(case), reason="未解决",
            now=when,
        )  # fmt: skip

    def return_order(self, case, when):
        steps.return_order(
            incident=case, by=self._handler(case), version=self._v(case), reason="非本单位",
            now=when,
        )  # fmt: skip

    def evaluate(self, case, when, rating):
        case.refresh_from_db()
        steps.evaluate(incident=case, by=case.reporter, satisfaction=rating, now=when)

    def escalate(self, case, when, by=None):
        escalation.escalate(
            incident=case, by=by or self.w.staff, version=self._v(case), note="超出社区能力",
            now=when,
        )  # fmt: skip

    def merge(self, case, into, when):
        merging.merge(incident=case, into=into, by=self.w.staff, version=self._v(case), now=when)

    def handle_fully(self, case, start, to="department"):
        """Register, dispatch, accept, finish and close, each ten minutes after the last."""
        from datetime import timedelta

        t = start
        for verb in ("register", "dispatch", "accept", "finish", "close"):
            t += timedelta(minutes=10)
            if verb == "dispatch":
                self.dispatch(case, t, to=to)
            else:
                getattr(self, verb)(case, t)
        return t


@pytest.fixture
def story(world):
    return Story(world)


@pytest.fixture
def november(world, story):
    """The hand-built November of tests/command/test_indicators.py (its docstring tells it)."""
    s = story
    c1 = s.report(nov(2, 9))
    s.register(c1, nov(2, 9, 30))
    s.dispatch(c1, nov(2, 10))
    s.accept(c1, nov(2, 10, 30))
    s.finish(c1, nov(2, 20))
    s.close(c1, nov(2, 21))
    s.evaluate(c1, nov(3, 8), "satisfied")

    c2 = s.report(nov(3, 9))
    s.register(c2, nov(3, 9, 10))
    s.dispatch(c2, nov(3, 12))
    s.accept(c2, nov(3, 12, 10))
    s.finish(c2, nov(3, 15))
    s.rework(c2, nov(3, 16))
    s.finish(c2, nov(3, 20))
    s.close(c2, nov(3, 21))
    s.evaluate(c2, nov(4, 8), "basic")

    c3 = s.report(nov(4, 9))
    s.escalate(c3, nov(4, 9, 20))
    s.dispatch(c3, nov(4, 9, 40), to="worker", by=world.town_operator)
    s.accept(c3, nov(4, 9, 50))
    s.finish(c3, nov(4, 11))
    s.close(c3, nov(4, 12))
    s.evaluate(c3, nov(5, 8), "unsatisfied")

    c4 = s.report(nov(5, 9))
    c5 = s.report(nov(5, 9, 30))
    s.merge(c4, c5, nov(5, 10))
    s.register(c5, nov(5, 10, 30))

    c6 = s.report(nov(6, 9))
    s.reject(c6, nov(6, 9, 30))

    c7 = s.report(at(10, 31, 22))
    s.register(c7, at(10, 31, 22, 30))
    s.dispatch(c7, nov(1, 0, 10))
    s.accept(c7, nov(1, 0, 20))
    s.finish(c7, nov(2, 0, 10))
    s.close(c7, at(12, 1, 1))

    s.report(nov(30, 23, 30))
    s.report(at(12, 1, 0, 30))
    s.report(nov(10, 9), where=IN_B1, by=world.outsider)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6, "c7": c7}


@pytest.fixture
def town_b_operator(world):
    """The desk of the sibling town: sees its own town, nothing of town A."""
    return f.user("tina_town_b", "town_operator", world.town_b.code)


def bulk_cases(world, n, *, box=(118.0, 31.0, 119.0, 32.0), region=None, state="registered",
               priority=0, seed=1):  # fmt: skip
    """`n` open cases at random points of `box`, written in bulk (as the benchmark does)."""
    import random

    from civicgrid.events.models import Incident
    from civicgrid.workflow.models import Flow

    rng = random.Random(seed)
    region = region or world.micro_a1.code
    flows = Flow.all_objects.bulk_create(
        Flow(workflow="incident", state=state, region_id=region, category="0101") for _ in range(n)
    )
    Incident.all_objects.bulk_create(
        Incident(
            number=f"B{seed:02d}{i:07d}",
            flow=flow,
            category_id="0101",
            priority=priority,
            description="bulk",
            lng=rng.uniform(box[0] + 1e-6, box[2] - 1e-6),
            lat=rng.uniform(box[1] + 1e-6, box[3] - 1e-6),
            region_id=region,
            desk_id=region[:12],
            source="grid_worker",
        )
        for i, flow in enumerate(flows)
    )
