"""Writes on the register: each one business action in one transaction, validated first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.audit import log_action
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.identity import IdNumber, parse_id_number, parse_phone
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.core.text import refuse_control_characters
from civicgrid.people import actions, privacy
from civicgrid.people.models import ChangeRequest, Household, Resident, ResidentTag, Tag
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region


@dataclass(frozen=True)
class TagValue:
    tag: str
    kind: str = ""
    grade: int | None = None


# ---------------------------------------------------------------- checks


def _id_number(value: str) -> IdNumber:
    try:
        return parse_id_number(value)
    except DomainError as exc:
        exc.details.setdefault("field", "id_number")  # so a row report can name the column
        raise


def _phone(value: str) -> str:
    if not (value or "").strip():
        return ""
    try:
        return parse_phone(value)
    except DomainError as exc:
        exc.details.setdefault("field", "phone")
        raise


def _micro_grid_in_scope(code: str, by: Any) -> Region:
    """The micro-grid with this code, if it lies inside the acting user's area (else 404)."""
    region = Region.all_objects.filter(code=code, level=Level.MICROGRID).first()
    if region is None or not is_within(code, by):
        raise NotFound(
            "people.unknown_micro_grid",
            _("There is no micro-grid %(code)s in your area.") % {"code": code[:24]},
        )
    return region


def _check_text(field: str, value: str, *, max_length: int) -> str:
    value = (value or "").strip()
    refuse_control_characters(value, code=f"people.{field}_bad_characters", field=field)
    if not value:
        raise DomainError(
            f"people.{field}_required",
            _("%(field)s is required.") % {"field": _field_label(field)},
            field=field,
        )
    if len(value) > max_length:
        raise DomainError(
            f"people.{field}_too_long",
            _("%(field)s is longer than %(n)d characters.")
            % {"field": _field_label(field), "n": max_length},
            field=field,
        )
    return value


def _field_label(field: str) -> str:
    labels = {"name": _("Name"), "address": _("Address")}
    return str(labels.get(field, field))


def _check_choice(field: str, value: str, choices: Iterable[str]) -> str:
    if value not in choices:
        raise DomainError(
            f"people.bad_{field}",
            _("'%(value)s' is not a valid %(field)s.") % {"value": str(value)[:30], "field": field},
            field=field,
        )
    return value


def _check_tags(tags: Iterable[TagValue]) -> list[TagValue]:
    checked = []
    for value in tags:
        _check_choice("tag", value.tag, Tag.values)
        if value.grade is not None and not 1 <= value.grade <= 4:
            raise DomainError(
                "people.bad_grade", _("A disability grade is 1, 2, 3 or 4."), field="tags"
            )
        checked.append(value)
    if len({t.tag for t in checked}) != len(checked):
        raise DomainError("people.duplicate_tag", _("A tag is given twice."), field="tags")
    return checked


def _check_head(household: Household, relation: str, *, exclude: int | None = None) -> None:
    if relation != Resident.Relation.HEAD:
        return
    heads = Resident.all_objects.filter(household=household, relation=Resident.Relation.HEAD)
    if exclude is not None:
        heads = heads.exclude(pk=exclude)
    if heads.exists():
        raise DomainError(
            "people.household_has_head", _("This household already has a head."), field="relation"
        )


def _check_unique_id(number: str, *, exclude: int | None = None) -> None:
    # Says nothing about whom the number belongs to: that person may be outside the area.
    same = Resident.all_objects.filter(id_number=number)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise DomainError(
            "people.duplicate_id_number",
            _("A resident with this ID number is already registered."),
            field="id_number",
        )


# ---------------------------------------------------------------- households


@transaction.atomic
def register_household(*, region_code: str, address: str, by: Any) -> Household:
    """A new household in a micro-grid; its number is the micro-grid code and a sequence."""
    region = _micro_grid_in_scope(region_code, by)
    address = _check_text("address", address, max_length=200)
    taken = Household.all_objects.filter(region=region).count()
    for sequence in range(taken + 1, taken + 50):
        number = f"{region.code}{sequence:04d}"
        try:
            with transaction.atomic():
                household = Household(number=number, region=region, address=address)
                household._history_user = by  # type: ignore[attr-defined]
                household.save()
                return household
        except IntegrityError:
            continue  # another writer took this number a moment ago: take the next
    raise DomainError(
        "people.household_numbers_exhausted", _("Could not allocate a household number; try again.")
    )


# ---------------------------------------------------------------- residents


@transaction.atomic
def register_resident(
    *,
    household: Household,
    name: str,
    id_number: str,
    relation: str,
    residence_type: str = Resident.ResidenceType.REGISTERED,
    phone: str = "",
    tags: Iterable[TagValue] = (),
    by: Any,
) -> Resident:
    """Register one person in a household. Gender and birth date come from the ID number."""
    _micro_grid_in_scope(household.region_id, by)
    identity = _id_number(id_number)
    _check_unique_id(identity.number)
    checked_tags = _check_tags(tags)
    resident = Resident(
        name=_check_text("name", name, max_length=50),
        id_number=identity.number,
        gender=identity.gender,
        birth_date=identity.birth_date,
        phone=_phone(phone),
        household=household,
        relation=_check_choice("relation", relation, Resident.Relation.values),
        region_id=household.region_id,
        residence_type=_check_choice(
            "residence_type", residence_type, Resident.ResidenceType.values
        ),
    )
    _check_head(household, resident.relation)
    resident._history_user = by  # type: ignore[attr-defined]
    resident.save()
    _replace_tags(resident, checked_tags)
    return resident


@transaction.atomic
def update_resident(*, resident: Resident, by: Any, **changes: str) -> Resident:
    """Correct a resident's name, ID number, phone, relation or residence type."""
    _micro_grid_in_scope(resident.region_id, by)
    allowed = {"name", "id_number", "phone", "relation", "residence_type"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(
            "people.bad_field",
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
        )
    if "name" in changes:
        resident.name = _check_text("name", changes["name"], max_length=50)
    if "id_number" in changes:
        identity = _id_number(changes["id_number"])
        _check_unique_id(identity.number, exclude=resident.pk)
        resident.id_number = identity.number
        resident.gender, resident.birth_date = identity.gender, identity.birth_date
    if "phone" in changes:
        resident.phone = _phone(changes["phone"])
    if "relation" in changes:
        resident.relation = _check_choice("relation", changes["relation"], Resident.Relation.values)
        _check_head(resident.household, resident.relation, exclude=resident.pk)
    if "residence_type" in changes:
        resident.residence_type = _check_choice(
            "residence_type", changes["residence_type"], Resident.ResidenceType.values
        )
    resident._history_user = by  # type: ignore[attr-defined]
    resident.save()
    return resident


@transaction.atomic
def move_resident(
    *, resident: Resident, to_household: Household, relation: str, by: Any
) -> Resident:
    """Moving house: the same record changes household (and micro-grid); history keeps the old."""
    _micro_grid_in_scope(resident.region_id, by)
    _micro_grid_in_scope(to_household.region_id, by)
    if to_household.pk == resident.household_id:
        raise DomainError("people.same_household", _("The resident already lives there."))
    _check_choice("relation", relation, Resident.Relation.values)
    _check_head(to_household, relation, exclude=resident.pk)
    resident.household, resident.region_id = to_household, to_household.region_id
    resident.relation = relation
    resident._history_user = by  # type: ignore[attr-defined]
    resident.save()
    ResidentTag.all_objects.filter(resident=resident).update(region_code=to_household.region_id)
    return resident


@transaction.atomic
def set_tags(*, resident: Resident, tags: Iterable[TagValue], by: Any) -> Resident:
    _micro_grid_in_scope(resident.region_id, by)
    _replace_tags(resident, _check_tags(tags))
    return resident


def _replace_tags(resident: Resident, tags: list[TagValue]) -> None:
    ResidentTag.all_objects.filter(resident=resident).delete()
    ResidentTag.all_objects.bulk_create(
        ResidentTag(
            resident=resident,
            tag=t.tag,
            kind=t.kind[:20],
            grade=t.grade,
            region_code=resident.region_id,
        )
        for t in tags
    )


# ---------------------------------------------------------------- unmasking


@transaction.atomic
def reveal(*, resident: Resident, field: str, reason: str, by: Any) -> str:
    """The full ID number or phone, for a role that needs it, with the reason in the audit log."""
    _micro_grid_in_scope(resident.region_id, by)
    require(by, "people.view_unmasked")
    _check_choice("field", field, ("id_number", "phone"))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(
            "people.reason_required", _("Say why you need to see the full value."), field="reason"
        )
    log_action(
        resident,
        actions.UNMASKED,
        by=by,
        data={"field": field, "reason": reason[:200], "resident": resident.pk},
    )
    return str(getattr(resident, field))


# ---------------------------------------------------------------- change requests


def _payload_tags(payload: Mapping[str, Any]) -> list[TagValue]:
    return [
        TagValue(tag=str(t.get("tag", "")), kind=str(t.get("kind", "")), grade=t.get("grade"))
        for t in payload.get("tags", [])
    ]


@transaction.atomic
def submit_change(
    *,
    kind: str,
    payload: Mapping[str, Any],
    by: Any,
    resident: Resident | None = None,
    household: Household | None = None,
    region_code: str = "",
) -> ChangeRequest:
    """A grid worker proposes a change for a micro-grid of their own area."""
    require(by, "people.submit_change")
    _check_choice("kind", kind, ChangeRequest.Kind.values)
    target = resident.region_id if resident else household.region_id if household else region_code
    region = _micro_grid_in_scope(target or "", by)
    # Check what can be checked now, so a bad proposal is refused at the door.
    if "id_number" in payload:
        _id_number(str(payload["id_number"]))
    _phone(str(payload.get("phone", "")))
    if kind == ChangeRequest.Kind.SET_TAGS and resident is not None:
        payload = _keeping_hidden_tags(payload, resident, by)
    if "tags" in payload:
        _check_tags(_payload_tags(payload))
    change = ChangeRequest.all_objects.create(
        kind=kind,
        region=region,
        resident=resident,
        household=household,
        payload=dict(payload),
        submitted_by=by,
    )
    log_action(
        change, actions.CHANGE_SUBMITTED, by=by, region_code=region.code, data={"kind": kind}
    )
    return change


def _keeping_hidden_tags(payload: Mapping[str, Any], resident: Resident, by: Any) -> dict[str, Any]:
    """A new set of tags from someone who does not see the sensitive ones keeps those the
    resident has: they cannot remove what they cannot see (they may still add one)."""
    if privacy.sees_sensitive(by):
        return dict(payload)
    proposed = list(payload.get("tags", []))
    named = {str(t.get("tag", "")) for t in proposed}
    kept = [
        {"tag": t.tag, "kind": t.kind, "grade": t.grade}
        for t in ResidentTag.all_objects.filter(resident=resident, tag__in=privacy.SENSITIVE_TAGS)
        if t.tag not in named
    ]
    return {**payload, "tags": proposed + kept}


def _apply(change: ChangeRequest, by: Any) -> None:
    payload = change.payload
    if change.kind == ChangeRequest.Kind.ADD_HOUSEHOLD:
        register_household(region_code=change.region_id, address=payload.get("address", ""), by=by)
    elif change.kind == ChangeRequest.Kind.ADD_RESIDENT:
        if change.household is None:
            raise DomainError("people.household_required", _("Which household?"))
        register_resident(
            household=change.household,
            by=by,
            tags=_payload_tags(payload),
            **{k: str(payload.get(k, "")) for k in ("name", "id_number", "relation", "phone")},
            residence_type=str(payload.get("residence_type", "registered")),
        )
    elif change.resident is None:
        raise DomainError("people.resident_required", _("Which resident?"))
    elif change.kind == ChangeRequest.Kind.UPDATE_RESIDENT:
        update_resident(resident=change.resident, by=by, **{k: str(v) for k, v in payload.items()})
    elif change.kind == ChangeRequest.Kind.MOVE_RESIDENT:
        target = Household.all_objects.filter(number=payload.get("household", "")).first()
        if target is None:
            raise NotFound("people.unknown_household", _("There is no such household."))
        move_resident(
            resident=change.resident,
            to_household=target,
            relation=str(payload.get("relation", "")),
            by=by,
        )
    elif change.kind == ChangeRequest.Kind.SET_TAGS:
        set_tags(resident=change.resident, tags=_payload_tags(payload), by=by)


def _decide(change: ChangeRequest, by: Any, status: str, reason: str) -> ChangeRequest:
    # Compare-and-set: two staff deciding at once, exactly one wins.
    won = ChangeRequest.all_objects.filter(
        pk=change.pk, status=ChangeRequest.Status.SUBMITTED
    ).update(status=status, decided_by=by, decided_at=timezone.now(), reason=reason)
    if won != 1:
        raise DomainError(
            "people.change_already_decided", _("This change has already been decided."), status=409
        )
    change.refresh_from_db()
    return change


@transaction.atomic
def confirm_change(*, change: ChangeRequest, by: Any) -> ChangeRequest:
    """Community staff accept a proposal: it is applied, or nothing happens."""
    _micro_grid_in_scope(change.region_id, by)
    require(by, "people.confirm_change")
    change = _decide(change, by, ChangeRequest.Status.CONFIRMED, "")
    _apply(change, by)
    log_action(
        change,
        actions.CHANGE_CONFIRMED,
        by=by,
        region_code=change.region_id,
        data={"kind": change.kind},
    )
    return change


@transaction.atomic
def reject_change(*, change: ChangeRequest, reason: str, by: Any) -> ChangeRequest:
    _micro_grid_in_scope(change.region_id, by)
    require(by, "people.confirm_change")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(
            "people.reason_required", _("Say why the change is rejected."), field="reason"
        )
    change = _decide(change, by, ChangeRequest.Status.REJECTED, reason[:300])
    log_action(
        change,
        actions.CHANGE_REJECTED,
        by=by,
        region_code=change.region_id,
        data={"kind": change.kind, "reason": reason[:300]},
    )
    return change
