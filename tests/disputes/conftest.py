"""The dispute app's test world: mediation organisations of town A, the county and town B, their
mediators, and a helper that takes in a dispute."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django_scopes import scopes_disabled

from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import Role
from civicgrid.disputes import rules
from civicgrid.disputes.models import Channel, MediationProfile
from civicgrid.disputes.services import intake
from tests import factories as f

IN_A1 = (118.5, 31.5)  # micro-grid A1 of town A
A1 = "320113002001001001"


@dataclass
class Mediation:
    community_committee: Organisation
    town_committee: Organisation
    labour_committee: Organisation
    town_b_committee: Organisation
    mediator: User  # town A's people's mediation committee
    community_mediator: User
    labour_mediator: User
    other_mediator: User  # town B's committee


def _org(name: str, region, channel: str, types=(), capacity: int = 30) -> Organisation:
    org = Organisation.all_objects.create(name=name, kind="mediation", sector="司法", region=region)
    MediationProfile.objects.create(
        organisation=org, channel=channel, dispute_types=list(types), capacity=capacity
    )
    return org


@pytest.fixture(autouse=True)
def _fresh_rules():
    rules.forget()
    yield
    rules.forget()


@pytest.fixture
def mediation(world) -> Mediation:
    with scopes_disabled():
        community = _org("尧化门社区人民调解委员会", world.community_a, Channel.PEOPLES_COMMITTEE)
        town = _org("尧化街道人民调解委员会", world.town_a, Channel.PEOPLES_COMMITTEE)
        labour = _org("栖霞区劳动争议调解委员会", world.county, Channel.PROFESSIONAL, ["labour"])
        town_b = _org("马群街道人民调解委员会", world.town_b, Channel.PEOPLES_COMMITTEE)
        return Mediation(
            community_committee=community,
            town_committee=town,
            labour_committee=labour,
            town_b_committee=town_b,
            mediator=f.user("mia_mediator", Role.MEDIATOR, "320113002", organisation=town),
            community_mediator=f.user(
                "cai_mediator", Role.MEDIATOR, "320113002001", organisation=community
            ),
            labour_mediator=f.user("lu_mediator", Role.MEDIATOR, "320113", organisation=labour),
            other_mediator=f.user("ma_mediator", Role.MEDIATOR, "320113003", organisation=town_b),
        )


def parties(**applicant) -> list[dict]:
    return [
        {"role": "applicant", "name": "张三", "phone": "13800001111", "claims": "赔偿漏水损失"}
        | applicant,
        {"role": "respondent", "name": "李四", "claims": "不同意"},
    ]


@pytest.fixture
def receive(world):
    """`receive(by=..., **facts)` → a dispute taken in at micro-grid A1."""

    def _receive(by=None, **kw):
        kw.setdefault("source", "window")
        kw.setdefault("dispute_type", "neighbour")
        kw.setdefault("facts", "楼上漏水导致楼下天花板受损")
        kw.setdefault("parties", parties())
        kw.setdefault("region_code", A1)
        return intake.receive_dispute(by=by or world.staff, **kw)

    return _receive
