"""Demo disputes: mediation organisations of the demo district and a few dozen disputes, taken in
and moved along to varied states (mediating, agreed and followed up, closed, no agreement)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from civicgrid.accounts import services as accounts
from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import Role
from civicgrid.core.errors import DomainError
from civicgrid.disputes.models import Channel, Dispute, FollowUp, MediationProfile
from civicgrid.disputes.services import followup, intake, mediation
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region

# (type, facts, amount, people, risk flags)
CASES: list[tuple[str, str, int, int, dict[str, Any]]] = [
    ("neighbour", "楼上卫生间漏水，楼下天花板受损，双方就维修费用争执", 3000, 2, {}),
    ("neighbour", "邻居在公共楼道堆放杂物，多次协商未果", 0, 2, {}),
    ("family", "离婚后子女抚养费支付发生争议", 24000, 3, {}),
    ("family", "兄弟姐妹就老人赡养分担发生矛盾，老人独居", 0, 5, {"vulnerable_party": True}),
    ("property", "小区电梯长期停运，业主集体拒交物业费", 80000, 36, {"group_incident": True}),
    ("labour", "装修公司拖欠十二名工人工资三个月", 156000, 12, {}),
    ("labour", "快递网点拖欠员工工资，员工扬言采取过激行为", 42000, 4, {"threat_violence": True}),
    ("traffic", "电动车与行人碰撞致轻伤，赔偿数额有争议", 9000, 2, {}),
    ("medical", "患者家属对手术结果不满，要求医院赔偿", 300000, 6, {}),
    ("consumer", "预付卡健身房关门，会员要求退款", 65000, 28, {}),
    ("land", "两村民就宅基地边界发生争执", 0, 2, {}),
    ("construction", "农民工就工程款结算与包工头发生争议", 220000, 9, {}),
]


def _profile(org: Organisation, channel: str, types: list[str], capacity: int = 30) -> None:
    MediationProfile.objects.get_or_create(
        organisation=org,
        defaults={"channel": channel, "dispute_types": types, "capacity": capacity},
    )


def _organisations(county: Region, town: Region, community: Region) -> Organisation:
    """The demo's mediation organisations; returns the town committee (the demo mediator's)."""
    town_committee = Organisation.all_objects.filter(region=town, kind="mediation").order_by("pk").first()  # fmt: skip
    if town_committee is None:
        town_committee = accounts.create_organisation(name=f"{town.name}人民调解委员会", kind="mediation", sector="调解", region_code=town.code)  # fmt: skip
    _profile(town_committee, Channel.PEOPLES_COMMITTEE, [])
    made = [
        (f"{community.name}人民调解委员会", community, Channel.PEOPLES_COMMITTEE, []),
        (
            f"{county.name}劳动人事争议调解委员会",
            county,
            Channel.PROFESSIONAL,
            ["labour", "construction"],
        ),
        (f"{county.name}医疗纠纷人民调解委员会", county, Channel.PROFESSIONAL, ["medical"]),
        (f"{county.name}道路交通事故纠纷调解委员会", county, Channel.PROFESSIONAL, ["traffic"]),
        (f"{county.name}物业纠纷调解委员会", county, Channel.PROFESSIONAL, ["property"]),
        ("老娘舅调解工作室", town, Channel.STUDIO, ["neighbour", "family"]),
        (f"{county.name}公证处", county, Channel.NOTARY, ["family", "finance"]),
    ]
    for name, region, channel, types in made:
        org = Organisation.all_objects.filter(name=name, region=region).first()
        if org is None:
            org = accounts.create_organisation(name=name, kind="mediation", sector="调解", region_code=region.code)  # fmt: skip
        _profile(org, channel, types)
    return town_committee


def _advance(dispute: Dispute, target: str, staff: User, mediator: User, org: Organisation, rng: random.Random) -> None:  # fmt: skip
    if target == "registered":
        return
    mediation.route(dispute=dispute, organisation_id=org.pk, by=staff, version=dispute.flow.version)
    if target == "routed":
        return
    mediation.assign_mediator(dispute=dispute, mediator_id=mediator.pk, by=staff, version=dispute.flow.version)  # fmt: skip
    if target == "mediating":
        return
    if target == "failed":
        mediation.record_no_agreement(dispute=dispute, by=mediator, version=dispute.flow.version, next_channel=rng.choice(["litigation", "arbitration"]))  # fmt: skip
        return
    took = timedelta(days=rng.randint(1, 12))
    when = min(timezone.now(), dispute.received_at + took)
    mediation.record_agreement(
        dispute=dispute, by=mediator, version=dispute.flow.version,
        disputed_issues=dispute.facts, content="双方自愿达成和解，责任方按约定赔偿并赔礼道歉",
        performance_method="一次性银行转账", performance_deadline=timezone.localdate(when) + timedelta(days=15),
        effective_on=timezone.localdate(when), now=when,
    )  # fmt: skip
    if target == "agreed":
        return
    for visit in FollowUp.objects.filter(dispute=dispute):
        followup.record_follow_up(follow_up=visit, performance="performed", note="回访：已履行", by=staff)  # fmt: skip
    followup.close(dispute=dispute, by=staff, version=dispute.flow.version)


def load_disputes(*, county_code: str, count: int = 36, seed: int = 2026) -> int:
    """`count` disputes in the first town of the county, received over the past 60 days."""
    town = Region.all_objects.filter(code__startswith=county_code, level=Level.TOWN).order_by("code").first()  # fmt: skip
    county = Region.all_objects.filter(code=county_code).first()
    if town is None or county is None:
        return 0
    community = Region.all_objects.filter(code__startswith=town.code, level=Level.COMMUNITY).order_by("code").first()  # fmt: skip
    staff = User.objects.filter(role=Role.TOWN_OPERATOR, region_id=town.code).first()
    if community is None or staff is None:
        return 0
    org = _organisations(county, town, community)
    mediator = User.objects.filter(role=Role.MEDIATOR, organisation=org).first()
    if Dispute.all_objects.filter(source=Dispute.Source.WINDOW, region__code__startswith=town.code).exists():  # fmt: skip
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    cells = list(Region.all_objects.filter(code__startswith=town.code, level=Level.MICROGRID).values_list("code", flat=True)[:400])  # fmt: skip
    now = timezone.now()
    made = 0
    for i in range(count):
        kind, facts, amount, people, flags = CASES[i % len(CASES)]
        parties: list[dict[str, Any]] = [
            {
                "role": "applicant",
                "name": rng.choice(["张伟", "王芳", "李娜", "刘洋", "陈静"]),
                "phone": f"139{rng.randint(10_000_000, 99_999_999)}",
            },
            {
                "role": "respondent",
                "name": rng.choice(["赵强", "孙丽", "周杰", "某物业服务公司", "某装饰工程公司"]),
            },
        ]
        try:
            dispute = intake.receive_dispute(
                by=staff, source=rng.choice(["window", "online", "grid_worker", "police", "court"]),
                dispute_type=kind, facts=facts, parties=parties, amount=amount, people_involved=people,
                region_code=rng.choice(cells), now=now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 20)),
                **flags,
            )  # fmt: skip
            target = rng.choice(["registered", "routed", "mediating", "agreed", "closed", "closed", "closed", "failed"])  # fmt: skip
            if mediator is not None:
                _advance(dispute, target, staff, mediator, org, rng)
        except DomainError:
            continue  # e.g. a sampled place outside the demo's boundaries: skip it
        made += 1
    return made
