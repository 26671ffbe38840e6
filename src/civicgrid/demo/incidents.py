"""Demo incidents: reports across the demo district, moved along the loop to varied states."""

from __future__ import annotations

import random
from typing import Any

from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import ORGANISATION_ROLES, Role
from civicgrid.core.errors import DomainError
from civicgrid.events.models import Category, Incident
from civicgrid.events.services import escalation, intake, steps
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region

# What residents and grid workers typically write, per category class.
DESCRIPTIONS = {
    "01": "小区门口垃圾堆放两天无人清运",
    "04": "人行道上有流动摊贩占道经营",
    "05": "路灯夜间不亮，行人出行不便",
    "06": "路面出现坑洞，电动车容易摔倒",
    "07": "台风后树枝折断挡住人行道",
    "09": "楼道内电动自行车充电，存在火灾隐患",
    "11": "楼上楼下因漏水发生纠纷，双方情绪激动",
    "12": "独居老人家中无人照看，需要上门关爱",
    "13": "餐馆油烟直排，影响居民开窗",
}


def _department(code: str, sector: str) -> Organisation | None:
    return (
        Organisation.all_objects.filter(sector=sector, is_active=True, region_id__in=[code[:6]])
        .order_by("pk")
        .first()
    )


def _advance(incident: Incident, rng: random.Random, staff: User, worker: User) -> None:
    """Move a case a random way along the loop, as the people of the demo would."""
    target = rng.choice(["reported", "registered", "handling", "handled", "closed", "closed"])
    if target == "reported":
        return
    steps.register(incident=incident, by=staff, version=incident.flow.version)
    if target == "registered":
        return
    org = _department(incident.region_id, incident.category.sector)
    handler = (
        steps.Handler("department", str(org.pk)) if org else steps.Handler("worker", str(worker.pk))
    )
    steps.dispatch(incident=incident, to=handler, by=staff, version=incident.flow.version)
    doer: Any = (
        User.objects.filter(organisation=org, is_active=True, role__in=ORGANISATION_ROLES).first()
        if org
        else worker
    ) or worker
    if org is not None and doer.organisation_id != org.pk:
        return  # no officer in that department: the order waits for one
    steps.accept(incident=incident, by=doer, version=incident.flow.version)
    if target == "handling":
        return
    photo = [_photo()] if incident.category.photo_required else []
    steps.finish(
        incident=incident, by=doer, version=incident.flow.version, result="已处置", photos=photo
    )
    if target == "handled":
        return
    steps.close(incident=incident, by=staff, version=incident.flow.version)
    if incident.reporter is not None and rng.random() < 0.8:
        steps.evaluate(
            incident=incident,
            by=incident.reporter,
            satisfaction=rng.choice(["satisfied"] * 8 + ["basic", "unsatisfied"]),
        )


def _photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 140, 160)).save(out, "JPEG")
    return out.getvalue()


def load_incidents(*, town_code: str, count: int = 120, seed: int = 2026) -> int:
    """`count` reports in the micro-grids of one town, the first demo grid worker reporting."""
    if Incident.all_objects.filter(region__code__startswith=town_code).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    worker = User.objects.filter(role=Role.GRID_WORKER, region__code__startswith=town_code).first()
    staff = User.objects.filter(role=Role.TOWN_OPERATOR, region_id=town_code).first()
    if worker is None or staff is None:
        return 0
    cells = list(
        Region.all_objects.filter(
            code__startswith=town_code, level=Level.MICROGRID, centroid_lng__isnull=False
        ).values_list("centroid_lng", "centroid_lat")
    )
    cats = list(
        Category.objects.filter(parent_id__in=list(DESCRIPTIONS), is_active=True).order_by("code")
    )
    made = 0
    for _ in range(count):
        lng, lat = rng.choice(cells)
        cat = rng.choice(cats)
        try:
            incident, _created = intake.report_incident(
                category=cat.code,
                description=DESCRIPTIONS[cat.parent_id or ""],
                by=worker,
                source="grid_worker",
                lng=lng,
                lat=lat,
                photos=[_photo()] if cat.photo_required else [],
            )
            _advance(incident, rng, staff, worker)
            if incident.flow.state == "registered" and rng.random() < 0.2:
                escalation.escalate(
                    incident=incident,
                    by=staff,
                    version=incident.flow.version,
                    note="社区无法独立解决，请求街道协调",
                )
        except DomainError:
            continue
        made += 1
    return made
