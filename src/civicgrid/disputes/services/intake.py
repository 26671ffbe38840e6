"""Taking in a dispute, from any channel, in one stop: parties, type, facts, place and grade."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError
from civicgrid.core.identity import age_on, parse_id_number, parse_phone
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within, root_code
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes.models import COLOURS, Dispute, DisputeType, Party
from civicgrid.disputes.services.common import announce_grade, apply_grade, new_number, text
from civicgrid.people.models import Resident, ResidentTag
from civicgrid.regions.locate import locate_point, validate_coordinates
from civicgrid.regions.models import Region
from civicgrid.workflow import services as flows

register_action("disputes.dispute.received", _("took in a dispute"))

MAX_PARTIES = 50
MAX_AMOUNT = Decimal("1e12")
# Register tags that make a party vulnerable (困难群体), and the ages that do.
VULNERABLE_TAGS = {"low_income", "disabled", "living_alone", "child_in_difficulty", "key_care"}
OLD_AGE, ADULT_AGE = 80, 18
NUMBER_ATTEMPTS = 3


@dataclass(frozen=True)
class PartyIn:
    """One party as given: a resident of the register (by id), or a new person or organisation."""

    role: str
    kind: str = Party.Kind.PERSON
    resident_id: int | None = None
    name: str = ""
    id_number: str = ""
    credit_code: str = ""
    phone: str = ""
    address: str = ""
    claims: str = ""
    vulnerable: bool = False

    @classmethod
    def of(cls, value: PartyIn | Mapping[str, Any]) -> PartyIn:
        if isinstance(value, PartyIn):
            return value
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _dispute_type(code: str) -> DisputeType:
    found = DisputeType.objects.filter(code=(code or "").strip(), is_active=True).first()
    if found is None:
        raise DomainError(
            "disputes.unknown_type",
            _("There is no dispute type %(code)s.") % {"code": code},
            dispute_type=code,
        )
    return found


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise DomainError("disputes.bad_amount", _("The amount must be a number.")) from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise DomainError("disputes.bad_amount", _("The amount must be 0 or more."))
    return amount.quantize(Decimal("0.01"))


def _is_vulnerable(resident: Resident, today: date) -> bool:
    age = age_on(resident.birth_date, today)
    if age >= OLD_AGE or age < ADULT_AGE:
        return True
    return ResidentTag.all_objects.filter(resident=resident, tag__in=VULNERABLE_TAGS).exists()


def _party(given: PartyIn, *, by: Any, today: date) -> Party:
    if given.role not in Party.Role.values:
        raise DomainError("disputes.bad_party_role", _("A party is an applicant, a respondent or a third party."))  # fmt: skip
    if given.kind not in Party.Kind.values:
        raise DomainError("disputes.bad_party_kind", _("A party is a person or an organisation."))
    claims = text(given.claims, field="claims", max_length=2000, required=False)
    address = text(given.address, field="address", max_length=200, required=False)
    phone = parse_phone(given.phone) if given.phone.strip() else ""
    if given.resident_id is not None:
        # Only people of the register the intake user may see (system work: anyone).
        residents = Resident.all_objects.filter(pk=given.resident_id)
        if not getattr(by, "is_system", False):
            residents = residents.filter(region__code__startswith=root_code(by))
        resident = residents.first()
        if resident is None:
            raise DomainError(
                "disputes.unknown_resident", _("There is no such resident in your area.")
            )
        return Party(
            role=given.role, kind=Party.Kind.PERSON, resident=resident, name=resident.name,
            id_number=resident.id_number, phone=phone or resident.phone,
            address=address or resident.household.address, claims=claims,
            vulnerable=given.vulnerable or _is_vulnerable(resident, today),
        )  # fmt: skip
    name = text(given.name, field="name", max_length=100)
    if given.kind == Party.Kind.ORGANISATION:
        credit = text(given.credit_code, field="credit code", max_length=18, required=False)
        return Party(
            role=given.role, kind=given.kind, name=name, credit_code=credit.upper(), phone=phone,
            address=address, claims=claims,
        )  # fmt: skip
    id_number = ""
    vulnerable = given.vulnerable
    if given.id_number.strip():
        parsed = parse_id_number(given.id_number, today=today)
        id_number = parsed.number
        age = age_on(parsed.birth_date, today)
        vulnerable = vulnerable or age >= OLD_AGE or age < ADULT_AGE
    return Party(
        role=given.role, kind=given.kind, name=name, id_number=id_number, phone=phone,
        address=address, claims=claims, vulnerable=vulnerable,
    )  # fmt: skip


def check_parties(parties: Sequence[PartyIn | Mapping[str, Any]], *, by: Any, today: date) -> list[Party]:  # fmt: skip
    """The parties checked and built (unsaved): at least one applicant and one respondent."""
    if len(parties) > MAX_PARTIES:
        raise DomainError("disputes.too_many_parties", _("At most %(max)d parties.") % {"max": MAX_PARTIES})  # fmt: skip
    built = [_party(PartyIn.of(p), by=by, today=today) for p in parties]
    roles = {p.role for p in built}
    if Party.Role.APPLICANT not in roles or Party.Role.RESPONDENT not in roles:
        raise DomainError(
            "disputes.parties_missing",
            _("A dispute needs at least one applicant and one respondent."),
        )
    return built


def _place(
    *, by: Any, region_code: str, lng: float | None, lat: float | None
) -> tuple[str, float | None, float | None]:
    """The micro-grid of the point, or the area given, or the intake user's own area."""
    code = ""
    if lng is not None and lat is not None:
        validate_coordinates(np.array([lng], dtype=float), np.array([lat], dtype=float))
        code = locate_point(lng=lng, lat=lat).microgrid_code or ""
    if not code:
        code = (region_code or "").strip() or getattr(by, "region_code", "")
    if not code or not Region.all_objects.filter(code=code).exists():
        raise DomainError(
            "disputes.unknown_place", _("Give the place of the dispute (a point or an area).")
        )
    if not is_within(code, by):
        raise DomainError(
            "disputes.outside_area", _("The place of the dispute is outside your area.")
        )
    return code, lng, lat


def receive_dispute(
    *,
    by: Any,
    source: str,
    dispute_type: str,
    facts: str,
    parties: Sequence[PartyIn | Mapping[str, Any]],
    amount: Any = 0,
    people_involved: int | None = None,
    repeat_petitions: int = 0,
    threat_violence: bool = False,
    threat_self_harm: bool = False,
    group_incident: bool = False,
    vulnerable_party: bool = False,
    region_code: str = "",
    lng: float | None = None,
    lat: float | None = None,
    address: str = "",
    source_ref: str = "",
    now: datetime | None = None,
) -> Dispute:
    """Register one dispute, grade it, start its case and tell whom its colour says; all or
    nothing."""
    require(by, Cap.DISPUTES_INTAKE)
    now = now or timezone.now()
    if source not in Dispute.Source.values:
        raise DomainError("disputes.unknown_source", _("Unknown source of the dispute."))
    kind = _dispute_type(dispute_type)
    facts = text(facts, field="facts", max_length=5000)
    address = text(address, field="address", max_length=200, required=False)
    source_ref = text(source_ref, field="source reference", max_length=40, required=False)
    built = check_parties(parties, by=by, today=timezone.localdate(now))
    people = people_involved if people_involved is not None else len(built)
    if not 1 <= people <= 1_000_000 or not 0 <= repeat_petitions <= 999:
        raise DomainError(
            "disputes.bad_count",
            _("People involved and repeat petitions must be sensible numbers."),
        )
    code, lng, lat = _place(by=by, region_code=region_code, lng=lng, lat=lat)
    dispute = Dispute(
        dispute_type=kind, region_id=code, address=address, lng=lng, lat=lat, source=source,
        source_ref=source_ref, facts=facts, amount=_amount(amount), people_involved=people,
        repeat_petitions=repeat_petitions, threat_violence=bool(threat_violence),
        threat_self_harm=bool(threat_self_harm), group_incident=bool(group_incident),
        vulnerable_party=bool(vulnerable_party) or any(p.vulnerable for p in built),
        received_by=by if getattr(by, "pk", None) else None, received_at=now,
    )  # fmt: skip
    change, grade = apply_grade(dispute, cause=str(_("intake")), by=by, now=now)
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                _create(dispute, built, change, by=by, now=now)
                announce_grade(dispute, grade)
                return dispute
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            # Two cases drew the same number (1 in 10^9): draw again.
            dispute.pk = None
            for party in built:
                party.pk = None
    raise AssertionError("unreachable")


def _create(dispute: Dispute, parties: list[Party], change: Any, *, by: Any, now: datetime) -> None:
    dispute.flow = flows.start_flow(
        workflow=dispute_flow.NAME,
        region_code=dispute.region_id,
        by=by,
        category=dispute.dispute_type_id,
        priority=COLOURS.index(dispute.colour),
        now=now,
    )
    dispute.number = new_number(now)
    dispute.save(force_insert=True)
    for party in parties:
        party.dispute = dispute
    Party.objects.bulk_create(parties)
    if change is not None:
        change.dispute = dispute
        change.save()
    log_action(
        dispute,
        "disputes.dispute.received",
        by=by,
        data={"number": dispute.number, "source": dispute.source, "colour": dispute.colour},
    )
