"""Routing suggestions: by type (professional committees), place (the area holds it), level (the
colour's) and load."""

from __future__ import annotations

import numpy as np
import pytest

from civicgrid.disputes import routing
from civicgrid.disputes.models import MediationProfile

pytestmark = pytest.mark.django_db


def _names(suggestions):
    return [s.organisation.name for s in suggestions]


def test_a_blue_neighbour_dispute_goes_to_the_community_committee_first(world, mediation, receive):  # fmt: skip
    names = _names(routing.suggest(receive()))
    assert names[0] == "尧化门社区人民调解委员会"
    # The labour committee does not take neighbour disputes; town B does not hold the place.
    assert "栖霞区劳动争议调解委员会" not in names
    assert "马群街道人民调解委员会" not in names


def test_an_orange_dispute_goes_to_the_town(world, mediation, receive):
    assert _names(routing.suggest(receive(people_involved=12)))[0] == "尧化街道人民调解委员会"


def test_a_labour_dispute_goes_to_the_professional_committee(world, mediation, receive):
    top = routing.suggest(receive(dispute_type="labour", people_involved=12))[0]
    assert top.organisation.name == "栖霞区劳动争议调解委员会"
    assert any("劳资纠纷" in reason for reason in top.reasons)


def test_a_full_committee_yields_to_a_lighter_one(world, mediation, receive):
    MediationProfile.objects.filter(organisation=mediation.community_committee).update(capacity=1)
    for _ in range(2):
        from civicgrid.disputes.services import mediation as steps

        d = receive()
        steps.route(dispute=d, organisation_id=mediation.community_committee.pk, by=world.staff, version=d.flow.version)  # fmt: skip
    top = routing.suggest(receive())[0]
    assert top.organisation.name == "尧化街道人民调解委员会"


def test_the_batch_routes_like_the_suggestions(world, mediation, receive):
    cases = [receive(), receive(people_involved=12), receive(dispute_type="labour", people_involved=12)]  # fmt: skip
    chosen = routing.route_arrays(
        np.array([d.region_id for d in cases], dtype=object),
        np.array([d.dispute_type_id for d in cases], dtype=object),
        np.array([d.level for d in cases]),
        routing.org_table(),
    )
    assert chosen.tolist() == [routing.suggest(d)[0].organisation.pk for d in cases]


def test_no_organisation_means_no_suggestion(world, receive):
    assert routing.suggest(receive()) == []
