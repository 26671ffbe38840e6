"""From an application (and its latest complete verification) to the calculator's facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from civicgrid.assistance.models import KINDS, Application, Item, Member, Section
from civicgrid.assistance.rules import HouseholdFacts, MemberFacts
from civicgrid.core.identity import age_on

INCOME_KINDS = ("wages", "business", "property", "transfer")
FINANCIAL = ("deposits", "securities")
COUNTED_ASSETS = {
    "vehicle": "vehicles",
    "housing": "properties",
    "business_registration": "businesses",
}


def declared_totals(items: Iterable[Item]) -> dict[str, int]:
    """Declared figures summed per "section:kind" (counts for vehicles, dwellings, businesses)."""
    totals: dict[str, int] = {}
    for item in items:
        key = f"{item.section}:{item.kind}"
        value = (
            1 if item.kind in COUNTED_ASSETS and item.section == Section.ASSET else item.amount_fen
        )
        totals[key] = totals.get(key, 0) + value
    return totals


def member_facts(member: Member, month: date, own_income_fen: int) -> MemberFacts:
    return MemberFacts(
        key=str(member.pk),
        age=age_on(member.resident.birth_date, month),
        disability_grade=member.disability_grade,
        severely_ill=member.severely_ill,
        care_tier=member.care_tier,
        no_supporter=member.no_supporter,
        income_fen=own_income_fen,
    )


def household_facts(
    application: Application, verified: Mapping[str, int] | None = None
) -> HouseholdFacts:
    """The facts the rules decide on: verified figures where a source answered for that kind,
    declared ones elsewhere (deductions and expenditures are never verified by a source)."""
    members = list(application.members.select_related("resident"))
    items = list(application.items.all())
    totals = declared_totals(items)
    if verified:
        totals.update(verified)
    own: dict[int, int] = {}
    for item in items:
        if item.section == Section.INCOME and item.member_id is not None:
            own[item.member_id] = own.get(item.member_id, 0) + item.amount_fen

    def total(section: str, *kinds: str) -> int:
        return sum(totals.get(f"{section}:{k}", 0) for k in kinds)

    deductions = list(KINDS[Section.DEDUCTION])
    expenditures = list(KINDS[Section.EXPENDITURE])
    return HouseholdFacts(
        members=tuple(member_facts(m, application.month, own.get(m.pk, 0)) for m in members),
        income_fen=total(Section.INCOME, *INCOME_KINDS),
        deductions_fen=total(Section.DEDUCTION, *deductions),
        financial_assets_fen=total(Section.ASSET, *FINANCIAL),
        vehicles=total(Section.ASSET, "vehicle"),
        properties=total(Section.ASSET, "housing"),
        businesses=total(Section.ASSET, "business_registration"),
        rigid_expenditure_fen=total(Section.EXPENDITURE, *expenditures),
        urgent_event=application.urgent_event,
        one_off_expense_fen=application.one_off_expense_fen,
    )
