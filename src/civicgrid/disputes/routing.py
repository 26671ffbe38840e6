"""Which mediation organisation should take a dispute: by type, place and current load.

An organisation can take a dispute when its area holds the place (its region code is a prefix
of the dispute's) and it takes the dispute's type (a profile listing no types takes all). Among
those, the score prefers (1) a professional fit — a committee or studio that lists the type —
(2) the level the colour asks for (community for blue/yellow, town for orange, county for red),
and (3) a light load (open cases against capacity). One dispute and a batch use the same
scoring functions, the batch on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import Organisation
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes.models import Dispute, MediationProfile

# Code lengths of the levels an organisation may sit at, lowest first.
LEVEL_LENGTHS = (12, 9, 6, 4, 2)
_LEVEL_OF_LENGTH = {12: 0, 9: 1, 6: 2, 4: 3, 2: 4}
TYPE_FIT = 40.0  # lists the type: a professional committee or a studio for it
GENERAL_FIT = 20.0  # takes all types: a people's mediation committee
LEVEL_FIT = 30.0  # at the level the colour asks for; less per level away
LEVEL_STEP = 12.0
LOAD_WEIGHT = 30.0  # a full organisation loses this much


def type_fit(lists: np.ndarray) -> np.ndarray:
    """Score for listing the type (True) or taking all types (False)."""
    return np.where(lists, TYPE_FIT, GENERAL_FIT)


def level_fit(org_level: np.ndarray, wanted_level: np.ndarray) -> np.ndarray:
    return LEVEL_FIT - LEVEL_STEP * np.abs(org_level - wanted_level)


def load_penalty(open_cases: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    ratio = open_cases / np.maximum(capacity, 1)
    return -LOAD_WEIGHT * np.minimum(ratio, 2.0)


@dataclass
class Suggestion:
    organisation: Organisation
    channel: str
    score: float
    open_cases: int
    capacity: int
    reasons: list[str] = field(default_factory=list)


def _profiles_covering(region_code: str) -> list[MediationProfile]:
    prefixes = [region_code[:n] for n in LEVEL_LENGTHS if len(region_code) >= n]
    return list(
        MediationProfile.objects.select_related("organisation")
        .filter(
            organisation__region_id__in=prefixes,
            organisation__is_active=True,
            organisation__kind=Organisation.Kind.MEDIATION,
        )
        .order_by("organisation_id")
    )


def open_loads(organisation_ids: list[int]) -> dict[int, int]:
    """Open disputes (routed, being mediated) per organisation."""
    rows = (
        Dispute.all_objects.filter(
            organisation_id__in=organisation_ids, flow__state__in=dispute_flow.OPEN_STATES
        )
        .values("organisation_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["organisation_id"]: row["n"] for row in rows}


def suggest(dispute: Dispute, *, limit: int = 5) -> list[Suggestion]:
    """The organisations that can take the dispute, best first, with why."""
    profiles = [
        p
        for p in _profiles_covering(dispute.region_id)
        if not p.dispute_types or dispute.dispute_type_id in p.dispute_types
    ]
    if not profiles:
        return []
    loads = open_loads([p.organisation_id for p in profiles])
    lists = np.array([bool(p.dispute_types) for p in profiles])
    org_level = np.array([_LEVEL_OF_LENGTH.get(len(p.organisation.region_id), 4) for p in profiles])
    wanted = np.full(len(profiles), dispute.level)
    open_cases = np.array([loads.get(p.organisation_id, 0) for p in profiles], dtype=float)
    capacity = np.array([p.capacity for p in profiles], dtype=float)
    score = type_fit(lists) + level_fit(org_level, wanted) + load_penalty(open_cases, capacity)
    out = []
    for i, profile in enumerate(profiles):
        reasons = [
            str(_("takes %(type)s disputes") % {"type": dispute.dispute_type.name})
            if lists[i]
            else str(_("takes every kind of dispute")),
            str(_("covers %(area)s") % {"area": profile.organisation.region.name}),
            str(
                _("%(open)d open of %(capacity)d")
                % {"open": int(open_cases[i]), "capacity": profile.capacity}
            ),
        ]
        if org_level[i] == dispute.level:
            reasons.append(str(_("at the level a %(colour)s case needs") % {"colour": dispute.get_colour_display()}))  # fmt: skip
        out.append(
            Suggestion(
                organisation=profile.organisation,
                channel=profile.channel,
                score=round(float(score[i]), 1),
                open_cases=int(open_cases[i]),
                capacity=profile.capacity,
                reasons=reasons,
            )
        )
    out.sort(key=lambda s: (-s.score, s.organisation.pk))
    return out[:limit]


def can_take(profile: MediationProfile, dispute: Dispute) -> bool:
    return dispute.region_id.startswith(profile.organisation.region_id) and (
        not profile.dispute_types or dispute.dispute_type_id in profile.dispute_types
    )


# --- batch -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgTable:
    """Every active mediation organisation as arrays (the batch's view of them)."""

    ids: np.ndarray
    region: np.ndarray  # region codes (str)
    level: np.ndarray
    base: np.ndarray  # load penalty, fixed for the batch
    types: list[frozenset[str]]


def org_table() -> OrgTable:
    profiles = list(
        MediationProfile.objects.filter(
            organisation__is_active=True, organisation__kind=Organisation.Kind.MEDIATION
        )
        .select_related("organisation")
        .order_by("organisation_id")
    )
    loads = open_loads([p.organisation_id for p in profiles])
    ids = np.array([p.organisation_id for p in profiles], dtype=np.int64)
    return OrgTable(
        ids=ids,
        region=np.array([p.organisation.region_id for p in profiles], dtype=object),
        level=np.array([_LEVEL_OF_LENGTH.get(len(p.organisation.region_id), 4) for p in profiles]),
        base=load_penalty(
            np.array([loads.get(p.organisation_id, 0) for p in profiles], dtype=float),
            np.array([p.capacity for p in profiles], dtype=float),
        ),
        types=[frozenset(p.dispute_types) for p in profiles],
    )


def route_arrays(
    region: np.ndarray, dispute_type: np.ndarray, level: np.ndarray, orgs: OrgTable
) -> np.ndarray:
    """The best organisation id per dispute (0 where none can take it), vectorised.

    Organisations at one code share their level, so for each code and type the best of them
    is found once (from the small table of organisations); each dispute then looks up its best
    at each of its ancestor codes (codes are digits: looked up as integers), adds the level fit
    for its colour, and keeps the best over the levels.
    """
    n = len(region)
    best_score = np.full(n, -np.inf)
    best_org = np.zeros(n, dtype=np.int64)
    if n == 0 or len(orgs.ids) == 0:
        return best_org
    type_names, type_idx = np.unique(dispute_type.astype(str), return_inverse=True)
    codes = region.astype("<U24")
    org_lengths = np.array([len(code) for code in orgs.region])
    for length in LEVEL_LENGTHS:
        at = np.flatnonzero(org_lengths == length)
        if len(at) == 0:
            continue
        # Per (code, type): the best organisation at that code, from the small table.
        table: dict[int, tuple[float, int]] = {}
        for i in at.tolist():
            base = float(type_fit(np.array(bool(orgs.types[i])))) + float(orgs.base[i])
            code = int(orgs.region[i]) * 1000
            for t, name in enumerate(type_names.tolist()):
                if orgs.types[i] and name not in orgs.types[i]:
                    continue
                if code + t not in table or base > table[code + t][0]:
                    table[code + t] = (base, int(orgs.ids[i]))
        if not table:
            continue
        keys = np.fromiter(table, dtype=np.int64, count=len(table))
        order = np.argsort(keys)
        keys = keys[order]
        scores = np.array([v[0] for v in table.values()])[order]
        ids = np.array([v[1] for v in table.values()], dtype=np.int64)[order]
        long_enough = np.char.str_len(codes) >= length
        prefix = np.where(long_enough, np.array(codes, dtype=f"<U{length}"), "0").astype(np.int64)
        wanted = prefix * 1000 + type_idx
        pos = np.clip(np.searchsorted(keys, wanted), 0, len(keys) - 1)
        found = (keys[pos] == wanted) & long_enough
        total = np.where(found, scores[pos] + level_fit(np.full(n, _LEVEL_OF_LENGTH[length]), level), -np.inf)  # fmt: skip
        better = total > best_score
        best_score = np.where(better, total, best_score)
        best_org = np.where(better, ids[pos], best_org)
    return best_org
