"""The four-colour rule set: its document checked and parsed, the active one, and the grader.

A rule names one fact, a comparison and a colour; a dispute gets the highest colour of the rules
it meets (blue when it meets none), and the rules it met are the reasons kept with the grade.
Grading works on arrays, so one dispute and 620,000 go through the same code.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from civicgrid.core.errors import DomainError
from civicgrid.disputes.models import COLOURS, RuleSet

DEFAULTS = Path(__file__).resolve().parent / "data" / "grading.json"
# The facts a rule may read, and whether each is a yes/no fact.
FACTS: dict[str, bool] = {
    "people_involved": False,
    "amount": False,
    "repeat_petitions": False,
    "days_open": False,
    "threat_violence": True,
    "threat_self_harm": True,
    "group_incident": True,
    "vulnerable_party": True,
}
MAX_RULES = 64  # reasons travel as one 64-bit mask per dispute in batch work
REGION_LENGTHS = (12, 9, 6)


class ColourSettings(BaseModel):
    """What a colour sets: the level that handles it (0 community, 1 town, 2 county), hours to
    route it, days to resolve it, days between follow-ups and how many, whose desks are told
    (region code lengths: 12 community, 9 town, 6 county) and whether that is an alert."""

    model_config = ConfigDict(extra="forbid")
    level: int = Field(ge=0, le=2)
    route_hours: float = Field(gt=0, le=24 * 30)
    days: int = Field(ge=1, le=365)
    follow_up_days: int = Field(ge=1, le=365)
    follow_ups: int = Field(ge=0, le=12)
    notify: list[int] = Field(default_factory=list)
    alert: bool = False

    @model_validator(mode="after")
    def _known_desks(self) -> ColourSettings:
        if any(length not in REGION_LENGTHS for length in self.notify):
            raise ValueError("notify lists region code lengths: 12, 9 or 6")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40)
    fact: str
    op: Literal[">=", ">", "is"]
    value: float | bool
    colour: Literal["blue", "yellow", "orange", "red"]
    label: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _fits_fact(self) -> Rule:
        if self.fact not in FACTS:
            raise ValueError(f"unknown fact {self.fact!r}; known: {sorted(FACTS)}")
        if FACTS[self.fact] != (self.op == "is"):
            raise ValueError(f"rule {self.code}: yes/no facts use 'is', numbers '>=' or '>'")
        return self


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    colours: dict[Literal["blue", "yellow", "orange", "red"], ColourSettings]
    rules: list[Rule] = Field(max_length=MAX_RULES)

    @model_validator(mode="after")
    def _complete(self) -> Rules:
        missing = set(COLOURS) - set(self.colours)
        if missing:
            raise ValueError(f"settings missing for {sorted(missing)}")
        codes = [r.code for r in self.rules]
        if len(codes) != len(set(codes)):
            raise ValueError("rule codes must be unique")
        return self

    def colour(self, name: str) -> ColourSettings:
        return self.colours[name]  # type: ignore[index]


@dataclass(frozen=True)
class Active:
    """The active rule set as parsed, with its row's id (kept with every grade)."""

    rules: Rules
    rule_set_id: int | None


def parse(document: Any) -> Rules:
    """The rule set in `document`, or a DomainError saying what is wrong with it."""
    try:
        return Rules.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise DomainError(
            "disputes.bad_rules",
            _("The grading rules are not valid: %(problem)s")
            % {"problem": f"{where} {first['msg']}"},
        ) from None


def default_document() -> dict[str, Any]:
    return json.loads(DEFAULTS.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# The active set is read on every intake and grade; each process keeps it a short while, as the
# incident categories are kept (an edit applies everywhere within this time).
CACHE_SECONDS = 60.0
_cache: tuple[float, Active] | None = None
_lock = threading.Lock()


def forget() -> None:
    global _cache
    _cache = None


def active() -> Active:
    """The active rule set; the shipped defaults when none was saved."""
    global _cache
    cached = _cache
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        row = RuleSet.objects.filter(is_active=True).first()
        document = row.document if row is not None else default_document()
        _cache = (time.monotonic(), Active(parse(document), row.pk if row else None))
        return _cache[1]


@transaction.atomic
def activate(*, name: str, document: Mapping[str, Any]) -> RuleSet:
    """Save a new version of the rules and make it the active one (the old one is kept)."""
    parse(document)
    RuleSet.objects.filter(is_active=True).update(is_active=False)
    row = RuleSet.objects.create(name=name, document=dict(document), is_active=True)
    forget()
    return row


# --- grading ---------------------------------------------------------------------------------


def grade_arrays(facts: Mapping[str, np.ndarray], rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """(colour index per dispute 0 blue … 3 red, mask of the rules each met: bit i = rule i)."""
    n = len(next(iter(facts.values())))
    colour = np.zeros(n, dtype=np.int8)
    met = np.zeros(n, dtype=np.uint64)
    for i, rule in enumerate(rules.rules):
        values = facts[rule.fact]
        if rule.op == "is":
            hit = values.astype(bool) == bool(rule.value)
        elif rule.op == ">=":
            hit = values >= float(rule.value)
        else:
            hit = values > float(rule.value)
        np.maximum(colour, np.where(hit, COLOURS.index(rule.colour), 0), out=colour)
        met |= hit.astype(np.uint64) << np.uint64(i)
    return colour, met


def reasons_of(mask: int, rules: Rules) -> list[dict[str, str]]:
    """The rules a mask names, highest colour first, as kept with a grade."""
    out = [
        {"code": rule.code, "colour": rule.colour, "label": rule.label}
        for i, rule in enumerate(rules.rules)
        if (int(mask) >> i) & 1
    ]
    return sorted(out, key=lambda r: -COLOURS.index(r["colour"]))


@dataclass(frozen=True)
class Grade:
    colour: str
    reasons: list[dict[str, str]]
    settings: ColourSettings


def grade(facts: Mapping[str, float | int | bool], rules: Rules) -> Grade:
    """The grade of one dispute from its facts (every fact in FACTS)."""
    colour, met = grade_arrays({name: np.array([facts[name]]) for name in FACTS}, rules)
    name = COLOURS[int(colour[0])]
    return Grade(name, reasons_of(int(met[0]), rules), rules.colour(name))
