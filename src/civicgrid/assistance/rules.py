"""The decision calculator: per-capita income, each programme's rule and monthly amount, and
the reason for every result in words a civil-affairs officer can check by hand.

Pure functions over plain facts (integer fen), no database: the application service, the
batch (batch.py, which must agree with this file household for household) and the tests use
the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicgrid.assistance.standards import Programme, Rules, Thresholds, fen_times
from civicgrid.core.errors import DomainError


@dataclass(frozen=True)
class MemberFacts:
    """One household member as the rules see them."""

    key: str
    age: int
    disability_grade: int | None = None  # 1 (most severe) … 4
    severely_ill: bool = False
    care_tier: str = ""  # for the extremely poor: full / partial / self
    # No legal supporter, or none able to support them (特困 needs this): recorded, not assumed.
    no_supporter: bool = False
    income_fen: int = 0  # this member's counted income over the last 12 months

    @property
    def severely_disabled(self) -> bool:
        return self.disability_grade in (1, 2)


@dataclass(frozen=True)
class HouseholdFacts:
    """A household's verified (or declared) situation; money in fen, incomes over 12 months."""

    members: tuple[MemberFacts, ...]
    income_fen: int = 0  # the four counted types together, excluded incomes left out
    deductions_fen: int = 0
    financial_assets_fen: int = 0  # deposits and securities
    vehicles: int = 0
    properties: int = 0
    businesses: int = 0
    rigid_expenditure_fen: int = 0
    urgent_event: bool = False
    one_off_expense_fen: int = 0

    def __post_init__(self) -> None:
        if not self.members:
            raise DomainError("assistance.no_members", _("A household needs at least one member."))
        numbers = {
            "income": self.income_fen,
            "deductions": self.deductions_fen,
            "financial assets": self.financial_assets_fen,
            "vehicles": self.vehicles,
            "properties": self.properties,
            "businesses": self.businesses,
            "rigid expenditure": self.rigid_expenditure_fen,
            "one-off expense": self.one_off_expense_fen,
            **{f"income of {m.key}": m.income_fen for m in self.members},
        }
        for name, value in numbers.items():
            if value < 0:
                raise DomainError(
                    "assistance.negative_amount",
                    _("%(what)s cannot be negative.") % {"what": name},
                    field=name,
                )


# --- reasons ----------------------------------------------------------------------------------

MESSAGES: dict[str, Promise] = {
    "per_capita": _(
        "Per-capita income %(pc)s yuan/month = (counted income %(income)s − deductions "
        "%(deductions)s) ÷ 12 months ÷ %(members)s members."
    ),
    "assets_ok": _("Assets within the limits."),
    "assets_exceed": _("Assets exceed the limits, so this programme does not apply."),
    "assets_deposits": _(
        "Deposits and securities %(assets)s yuan exceed the limit of %(limit)s yuan "
        "(%(per_person)s per person)."
    ),
    "assets_vehicles": _("%(count)s vehicle(s) registered; at most %(limit)s allowed."),
    "assets_properties": _("%(count)s dwelling(s) owned; at most %(limit)s allowed."),
    "assets_businesses": _("%(count)s business registration(s); at most %(limit)s allowed."),
    "below_standard": _(
        "Per-capita income %(pc)s is below the standard of %(standard)s yuan: gap %(gap)s × "
        "%(covered)s covered members = %(amount)s yuan/month."
    ),
    "not_below_standard": _(
        "Per-capita income %(pc)s is not below the standard of %(standard)s yuan."
    ),
    "all_tekun": _("Every member is covered as extremely poor instead."),
    "tekun_person": _(
        "%(member)s cannot work and has no able supporter: basic living %(basic)s + care "
        "allowance %(care)s (%(tier)s) = %(amount)s yuan/month."
    ),
    "tekun_none": _("No member is both unable to work and without an able supporter."),
    "marginal_band": _(
        "Per-capita income %(pc)s lies from the standard %(standard)s up to below %(limit)s yuan "
        "(1.5 × the standard): a marginal low-income household."
    ),
    "marginal_outside": _(
        "Per-capita income %(pc)s is outside the marginal band %(standard)s–%(limit)s yuan."
    ),
    "marginal_individual": _(
        "%(member)s is severely ill or disabled and covered individually: standard %(standard)s − "
        "own income %(own)s = %(amount)s yuan/month."
    ),
    "marginal_covered_elsewhere": _(
        "Covered as rigid-expenditure hardship instead of individually."
    ),
    "expenditure_yes": _(
        "After rigid expenditure of %(expenditure)s yuan a year, per-capita income is %(adjusted)s,"
        " below the standard %(standard)s: gap %(gap)s × %(members)s = %(amount)s yuan/month."
    ),
    "expenditure_no": _(
        "After rigid expenditure per-capita income is %(adjusted)s, not below the standard "
        "%(standard)s yuan."
    ),
    "expenditure_ceiling": _(
        "Per-capita income %(pc)s is not below %(ceiling)s yuan, the ceiling for "
        "rigid-expenditure hardship."
    ),
    "expenditure_dibao": _("Already covered by the minimum living guarantee."),
    "urgent_yes": _("An urgent event was recorded: one-off %(amount)s yuan."),
    "urgent_no": _("No urgent event recorded."),
    "expense_yes": _(
        "One-off expense %(expense)s yuan × %(share)s, at most %(cap)s: %(amount)s yuan once."
    ),
    "expense_no": _("No one-off expense recorded, or income too high (ceiling %(ceiling)s)."),
    "disability_living_yes": _(
        "%(count)s disabled member(s) in an assisted household × %(each)s = %(amount)s yuan/month."
    ),
    "disability_living_no": _("No disabled member in an assisted household."),
    "disability_care_yes": _(
        "%(count)s member(s) with disability grade 1 or 2 × %(each)s = %(amount)s yuan/month."
    ),
    "disability_care_no": _("No member with disability grade 1 or 2."),
}


@dataclass(frozen=True)
class Reason:
    """Which rule decided, with its figures; rendered in the reader's language on display."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return str(MESSAGES[self.code]) % dict(self.params)


ASSETS_EXCEED = Reason("assets_exceed")


def yuan(fen: int) -> str:
    """Fen as a yuan figure for people: 1050.00 → "1050", 812.5 → "812.50"."""
    whole, part = divmod(fen, 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}"


@dataclass(frozen=True)
class ProgrammeResult:
    programme: str
    eligible: bool
    monthly_fen: int = 0
    one_off_fen: int = 0
    covered: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Decision:
    per_capita_fen: int
    members: int
    standard_area: str
    standard_from: str
    standard_fen: int
    assets_ok: bool
    reasons: tuple[Reason, ...]
    results: tuple[ProgrammeResult, ...]

    @property
    def total_monthly_fen(self) -> int:
        return sum(r.monthly_fen for r in self.results)

    @property
    def total_one_off_fen(self) -> int:
        return sum(r.one_off_fen for r in self.results)

    def result(self, programme: str) -> ProgrammeResult:
        return next(r for r in self.results if r.programme == programme)

    def eligible_programmes(self) -> list[str]:
        return [r.programme for r in self.results if r.eligible]

    def as_json(self) -> dict[str, Any]:
        def reasons(items: tuple[Reason, ...]) -> list[dict[str, Any]]:
            return [{"code": r.code, "params": dict(r.params)} for r in items]

        return {
            "per_capita_fen": self.per_capita_fen,
            "members": self.members,
            "standard": {"area": self.standard_area, "from": self.standard_from},
            "standard_fen": self.standard_fen,
            "assets_ok": self.assets_ok,
            "reasons": reasons(self.reasons),
            "total_monthly_fen": self.total_monthly_fen,
            "total_one_off_fen": self.total_one_off_fen,
            "results": [
                {
                    "programme": r.programme,
                    "eligible": r.eligible,
                    "monthly_fen": r.monthly_fen,
                    "one_off_fen": r.one_off_fen,
                    "covered": list(r.covered),
                    "reasons": reasons(r.reasons),
                }
                for r in self.results
            ],
        }


# --- arithmetic shared with the batch ---------------------------------------------------------


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half up, for numerator ≥ 0 (integers only: exact)."""
    return (2 * numerator + denominator) // (2 * denominator)


def per_capita_fen(income_fen: int, deductions_fen: int, members: int) -> int:
    """Monthly per-capita income: (income − deductions, never below 0) ÷ 12 ÷ members."""
    return div_half_up(max(0, income_fen - deductions_fen), 12 * members)


def to_paid(fen: int, rules: Rules) -> int:
    """A monthly amount as paid: whole yuan, rounded half up, when the rules say so."""
    if rules["round_amounts_to_yuan"]:
        return div_half_up(fen, 100) * 100
    return fen


def unable_to_work(member: MemberFacts, rules: Rules) -> bool:
    return (
        member.age > int(rules["tekun_max_working_age"])
        or member.age < int(rules["tekun_min_adult_age"])
        or member.severely_disabled
    )


# --- the rules --------------------------------------------------------------------------------


def _assets(facts: HouseholdFacts, t: Thresholds, rules: Rules) -> list[Reason]:
    """The reasons the assets disqualify; empty when they are within the limits."""
    out = []
    limit = t.asset_limit_per_person * len(facts.members)
    if facts.financial_assets_fen > limit:
        out.append(
            Reason(
                "assets_deposits",
                {
                    "assets": yuan(facts.financial_assets_fen),
                    "limit": yuan(limit),
                    "per_person": yuan(t.asset_limit_per_person),
                },
            )
        )
    for code, count, rule in (
        ("assets_vehicles", facts.vehicles, "max_vehicles"),
        ("assets_properties", facts.properties, "max_properties"),
        ("assets_businesses", facts.businesses, "max_businesses"),
    ):
        if count > int(rules[rule]):
            out.append(Reason(code, {"count": count, "limit": int(rules[rule])}))
    return out


def decide(facts: HouseholdFacts, t: Thresholds, rules: Rules) -> Decision:
    """Every programme's result for one household under one standard."""
    n = len(facts.members)
    pc = per_capita_fen(facts.income_fen, facts.deductions_fen, n)
    asset_reasons = _assets(facts, t, rules)
    assets_ok = not asset_reasons
    head = [
        Reason(
            "per_capita",
            {
                "pc": yuan(pc),
                "income": yuan(facts.income_fen),
                "deductions": yuan(facts.deductions_fen),
                "members": n,
            },
        ),
        *(asset_reasons or [Reason("assets_ok")]),
    ]
    tekun = _tekun(facts, t, rules, pc, assets_ok)
    dibao = _dibao(facts, t, rules, pc, assets_ok, set(tekun.covered))
    expenditure = _expenditure(facts, t, rules, pc, assets_ok, dibao.eligible)
    marginal = _marginal(facts, t, rules, pc, assets_ok, expenditure.eligible)
    assisted = dibao.eligible or tekun.eligible or marginal.eligible or expenditure.eligible
    results = (
        dibao,
        tekun,
        marginal,
        expenditure,
        _urgent(facts, t),
        _expense(facts, t, rules, pc),
        _disability_living(facts, t, assisted),
        _disability_care(facts, t),
    )
    return Decision(
        per_capita_fen=pc,
        members=n,
        standard_area=t.standard.area,
        standard_from=t.standard.valid_from.isoformat(),
        standard_fen=t.dibao,
        assets_ok=assets_ok,
        reasons=tuple(head),
        results=results,
    )


def _tekun(
    facts: HouseholdFacts, t: Thresholds, rules: Rules, pc: int, assets_ok: bool
) -> ProgrammeResult:
    p = Programme.TEKUN
    if not (assets_ok and pc < t.dibao):
        return ProgrammeResult(
            p, False, reasons=(_not_below(pc, t) if assets_ok else ASSETS_EXCEED,)
        )
    covered, reasons, total = [], [], 0
    for m in facts.members:
        if not (unable_to_work(m, rules) and m.no_supporter):
            continue
        tier = m.care_tier or "self"
        care = t.care[tier]
        amount = to_paid(t.tekun_basic + care, rules)
        covered.append(m.key)
        total += amount
        reasons.append(
            Reason(
                "tekun_person",
                {
                    "member": m.key,
                    "basic": yuan(t.tekun_basic),
                    "care": yuan(care),
                    "tier": tier,
                    "amount": yuan(amount),
                },
            )
        )
    if not covered:
        return ProgrammeResult(p, False, reasons=(Reason("tekun_none"),))
    return ProgrammeResult(p, True, total, 0, tuple(covered), tuple(reasons))


def _not_below(pc: int, t: Thresholds) -> Reason:
    return Reason("not_below_standard", {"pc": yuan(pc), "standard": yuan(t.dibao)})


def _dibao(
    facts: HouseholdFacts,
    t: Thresholds,
    rules: Rules,
    pc: int,
    assets_ok: bool,
    tekun_members: set[str],
) -> ProgrammeResult:
    p = Programme.DIBAO
    if not assets_ok:
        return ProgrammeResult(p, False, reasons=(ASSETS_EXCEED,))
    if pc >= t.dibao:
        return ProgrammeResult(p, False, reasons=(_not_below(pc, t),))
    covered = tuple(m.key for m in facts.members if m.key not in tekun_members)
    if not covered:
        return ProgrammeResult(p, False, reasons=(Reason("all_tekun"),))
    gap = t.dibao - pc
    amount = to_paid(gap * len(covered), rules)
    reason = Reason(
        "below_standard",
        {
            "pc": yuan(pc),
            "standard": yuan(t.dibao),
            "gap": yuan(gap),
            "covered": len(covered),
            "amount": yuan(amount),
        },
    )
    return ProgrammeResult(p, True, amount, 0, covered, (reason,))


def _marginal(
    facts: HouseholdFacts,
    t: Thresholds,
    rules: Rules,
    pc: int,
    assets_ok: bool,
    expenditure_applies: bool,
) -> ProgrammeResult:
    p = Programme.MARGINAL
    band = {"pc": yuan(pc), "standard": yuan(t.dibao), "limit": yuan(t.marginal)}
    if not assets_ok:
        return ProgrammeResult(p, False, reasons=(ASSETS_EXCEED,))
    if not t.dibao <= pc < t.marginal:
        return ProgrammeResult(p, False, reasons=(Reason("marginal_outside", band),))
    reasons = [Reason("marginal_band", band)]
    if expenditure_applies:
        return ProgrammeResult(p, True, reasons=(*reasons, Reason("marginal_covered_elsewhere")))
    covered, total = [], 0
    for m in facts.members:
        if not (m.severely_ill or m.severely_disabled):
            continue
        own = div_half_up(m.income_fen, 12)
        amount = to_paid(max(0, t.dibao - own), rules)
        covered.append(m.key)
        total += amount
        reasons.append(
            Reason(
                "marginal_individual",
                {
                    "member": m.key,
                    "standard": yuan(t.dibao),
                    "own": yuan(own),
                    "amount": yuan(amount),
                },
            )
        )
    return ProgrammeResult(p, True, total, 0, tuple(covered), tuple(reasons))


def _expenditure(
    facts: HouseholdFacts,
    t: Thresholds,
    rules: Rules,
    pc: int,
    assets_ok: bool,
    dibao_applies: bool,
) -> ProgrammeResult:
    p = Programme.EXPENDITURE
    if not assets_ok:
        return ProgrammeResult(p, False, reasons=(ASSETS_EXCEED,))
    if dibao_applies:
        return ProgrammeResult(p, False, reasons=(Reason("expenditure_dibao"),))
    if pc >= t.expenditure_ceiling:
        reason = Reason(
            "expenditure_ceiling", {"pc": yuan(pc), "ceiling": yuan(t.expenditure_ceiling)}
        )
        return ProgrammeResult(p, False, reasons=(reason,))
    n = len(facts.members)
    adjusted = per_capita_fen(
        facts.income_fen, facts.deductions_fen + facts.rigid_expenditure_fen, n
    )
    if adjusted >= t.dibao:
        reason = Reason("expenditure_no", {"adjusted": yuan(adjusted), "standard": yuan(t.dibao)})
        return ProgrammeResult(p, False, reasons=(reason,))
    gap = t.dibao - adjusted
    amount = to_paid(gap * n, rules)
    reason = Reason(
        "expenditure_yes",
        {
            "expenditure": yuan(facts.rigid_expenditure_fen),
            "adjusted": yuan(adjusted),
            "standard": yuan(t.dibao),
            "gap": yuan(gap),
            "members": n,
            "amount": yuan(amount),
        },
    )
    return ProgrammeResult(p, True, amount, 0, tuple(m.key for m in facts.members), (reason,))


def _urgent(facts: HouseholdFacts, t: Thresholds) -> ProgrammeResult:
    p = Programme.TEMP_URGENT
    if not facts.urgent_event:
        return ProgrammeResult(p, False, reasons=(Reason("urgent_no"),))
    reason = Reason("urgent_yes", {"amount": yuan(t.urgent_amount)})
    return ProgrammeResult(p, True, 0, t.urgent_amount, (), (reason,))


def _expense(facts: HouseholdFacts, t: Thresholds, rules: Rules, pc: int) -> ProgrammeResult:
    p = Programme.TEMP_EXPENSE
    if facts.one_off_expense_fen <= 0 or pc >= t.expenditure_ceiling:
        reason = Reason("expense_no", {"ceiling": yuan(t.expenditure_ceiling)})
        return ProgrammeResult(p, False, reasons=(reason,))
    share = rules["expense_share"]
    amount = to_paid(min(fen_times(facts.one_off_expense_fen, share), t.expense_cap), rules)
    reason = Reason(
        "expense_yes",
        {
            "expense": yuan(facts.one_off_expense_fen),
            "share": str(share),
            "cap": yuan(t.expense_cap),
            "amount": yuan(amount),
        },
    )
    return ProgrammeResult(p, True, 0, amount, (), (reason,))


def _disability_living(facts: HouseholdFacts, t: Thresholds, assisted: bool) -> ProgrammeResult:
    p = Programme.DISABILITY_LIVING
    disabled = tuple(m.key for m in facts.members if m.disability_grade is not None)
    if not (assisted and disabled):
        return ProgrammeResult(p, False, reasons=(Reason("disability_living_no"),))
    amount = t.disability_living * len(disabled)
    params = {"count": len(disabled), "each": yuan(t.disability_living), "amount": yuan(amount)}
    return ProgrammeResult(p, True, amount, 0, disabled, (Reason("disability_living_yes", params),))


def _disability_care(facts: HouseholdFacts, t: Thresholds) -> ProgrammeResult:
    p = Programme.DISABILITY_CARE
    severe = tuple(m.key for m in facts.members if m.severely_disabled)
    if not severe:
        return ProgrammeResult(p, False, reasons=(Reason("disability_care_no"),))
    amount = t.disability_care * len(severe)
    params = {"count": len(severe), "each": yuan(t.disability_care), "amount": yuan(amount)}
    return ProgrammeResult(p, True, amount, 0, severe, (Reason("disability_care_yes", params),))
