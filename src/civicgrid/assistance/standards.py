"""Programmes, the configurable rules and the standards in force per area and month.

The demo's defaults (data/jiangsu.json) are the Jiangsu/Nanjing figures with their sources;
a deployment points ASSISTANCE_RULES_PATH at its own file of the same shape. Money is held in
integer fen (cents) everywhere, so the per-household calculator and the batch agree exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError

DEFAULT_FILE = Path(__file__).parent / "data" / "jiangsu.json"


class Programme(models.TextChoices):
    DIBAO = "dibao", _("minimum living guarantee (低保)")
    TEKUN = "tekun", _("extremely poor support (特困供养)")
    MARGINAL = "marginal", _("marginal low income (低保边缘)")
    EXPENDITURE = "expenditure", _("rigid-expenditure hardship (支出型困难)")
    TEMP_URGENT = "temp_urgent", _("temporary assistance, urgent (临时救助·急难型)")
    TEMP_EXPENSE = "temp_expense", _("temporary assistance, expense (临时救助·支出型)")
    DISABILITY_LIVING = "disability_living", _("living subsidy for disabled people in hardship")
    DISABILITY_CARE = "disability_care", _("care subsidy for severely disabled people")


class CareTier(models.TextChoices):
    FULL = "full", _("fully unable to care for oneself")
    PARTIAL = "partial", _("partly unable to care for oneself")
    SELF = "self", _("able to care for oneself")


class Setting(models.TextChoices):
    URBAN = "urban", _("urban")
    RURAL = "rural", _("rural")


def yuan_to_fen(value: Decimal | int | str) -> int:
    """Yuan (as text or Decimal) → integer fen, rounded half up."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_times(fen: int, factor: Decimal) -> int:
    """fen × a configured factor, rounded half up to the fen."""
    return int((Decimal(fen) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Rules:
    """Multipliers, limits and income rules; each value with where it comes from."""

    values: dict[str, Decimal]
    sources: dict[str, str]

    def __getitem__(self, name: str) -> Decimal:
        return self.values[name]


@dataclass(frozen=True)
class Standard:
    """The minimum living standard of one area from one date (fen per person per month)."""

    area: str
    valid_from: date
    dibao_fen: int
    setting: str
    disability_living_fen: int
    disability_care_fen: int
    source: str


@dataclass(frozen=True)
class Thresholds:
    """Everything the rules compare with for one standard, worked out once (fen)."""

    standard: Standard
    dibao: int
    marginal: int
    tekun_basic: int
    care: dict[str, int]
    asset_limit_per_person: int
    expenditure_ceiling: int
    urgent_amount: int
    expense_cap: int
    disability_living: int
    disability_care: int


@dataclass(frozen=True)
class Config:
    name: str
    rules: Rules
    standards: tuple[Standard, ...]
    # The difficulty index: weight per dimension, and months until a plan's review.
    difficulty_weights: dict[str, Decimal]
    review_months: int

    def standard_for(self, area_code: str, month: date) -> Standard:
        """The standard in force for `area_code` in the month of `month`: the most specific
        area (longest code prefix) whose latest version started on or before that month."""
        first = month.replace(day=1)
        best: Standard | None = None
        for st in self.standards:
            if not area_code.startswith(st.area) or st.valid_from > first:
                continue
            if best is None or (len(st.area), st.valid_from) > (len(best.area), best.valid_from):
                best = st
        if best is None:
            raise DomainError(
                "assistance.no_standard",
                _("No minimum living standard is configured for area %(area)s in %(month)s.")
                % {"area": area_code, "month": first.strftime("%Y-%m")},
                area=area_code,
                month=first.isoformat(),
            )
        return best

    def thresholds(self, standard: Standard) -> Thresholds:
        return _thresholds(self, standard)

    def thresholds_for(self, area_code: str, month: date) -> Thresholds:
        return self.thresholds(self.standard_for(area_code, month))


def _thresholds(config: Config, st: Standard) -> Thresholds:
    r = config.rules
    base = st.dibao_fen
    tekun = (
        r["tekun_multiplier_urban"] if st.setting == Setting.URBAN else r["tekun_multiplier_rural"]
    )
    return Thresholds(
        standard=st,
        dibao=base,
        marginal=fen_times(base, r["marginal_multiplier"]),
        tekun_basic=fen_times(base, tekun),
        care={
            CareTier.FULL: fen_times(base, r["care_share_full"]),
            CareTier.PARTIAL: fen_times(base, r["care_share_partial"]),
            CareTier.SELF: fen_times(base, r["care_share_self"]),
        },
        asset_limit_per_person=fen_times(base, r["financial_asset_months"]),
        expenditure_ceiling=fen_times(base, r["expenditure_income_ceiling"]),
        urgent_amount=fen_times(base, r["urgent_months"]),
        expense_cap=fen_times(base, r["expense_cap_months"]),
        disability_living=st.disability_living_fen,
        disability_care=st.disability_care_fen,
    )


def parse(data: dict[str, Any]) -> Config:
    """A Config from the JSON shape of data/jiangsu.json; ValueError names what is wrong."""
    try:
        raw_rules = data["rules"]
        values = {name: Decimal(str(item["value"])) for name, item in raw_rules.items()}
        sources = {name: str(item.get("source", "")) for name, item in raw_rules.items()}
        standards = tuple(
            Standard(
                area=str(item["area"]),
                valid_from=date.fromisoformat(item["from"]),
                dibao_fen=yuan_to_fen(item["dibao"]),
                setting=Setting(item.get("setting", Setting.URBAN)).value,
                disability_living_fen=yuan_to_fen(item.get("disability_living", "0")),
                disability_care_fen=yuan_to_fen(item.get("disability_care", "0")),
                source=str(item.get("source", "")),
            )
            for item in data["standards"]
        )
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise ValueError(f"assistance rules file: {exc!r}") from None
    missing = REQUIRED_RULES - values.keys()
    if missing:
        raise ValueError(f"assistance rules file lacks {sorted(missing)}")
    negative = sorted(name for name, value in values.items() if value < 0)
    if negative or any(s.dibao_fen <= 0 for s in standards):
        raise ValueError(f"assistance rules file: negative values {negative} or a standard <= 0")
    difficulty = data.get("difficulty", {})
    weights = {k: Decimal(str(v)) for k, v in difficulty.get("weights", {}).items()}
    if any(w < 0 for w in weights.values()) or (weights and not sum(weights.values())):
        raise ValueError("assistance rules file: difficulty weights must be >= 0, not all 0")
    return Config(
        name=str(data.get("name", "")),
        rules=Rules(values, sources),
        standards=standards,
        difficulty_weights=weights,
        review_months=int(difficulty.get("review_months", 6)),
    )


REQUIRED_RULES = frozenset(
    {
        "marginal_multiplier",
        "tekun_multiplier_urban",
        "tekun_multiplier_rural",
        "care_share_full",
        "care_share_partial",
        "care_share_self",
        "financial_asset_months",
        "max_properties",
        "max_vehicles",
        "max_businesses",
        "expenditure_income_ceiling",
        "urgent_months",
        "expense_share",
        "expense_cap_months",
        "tekun_max_working_age",
        "tekun_min_adult_age",
        "round_amounts_to_yuan",
    }
)


@cache
def load(path: str = "") -> Config:
    """The configured rules (ASSISTANCE_RULES_PATH, else the Jiangsu/Nanjing demo defaults)."""
    file = Path(path or getattr(settings, "ASSISTANCE_RULES_PATH", "") or DEFAULT_FILE)
    return parse(json.loads(file.read_text(encoding="utf-8")))


def current() -> Config:
    return load()
