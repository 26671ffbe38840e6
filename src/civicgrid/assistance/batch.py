"""Verify and decide many households in one vectorised batch: join the sources' findings to
every member (polars, on the ID number), sum them per household and kind (numpy bincount), and
apply every programme's rule to whole arrays. It must agree with rules.decide household for household (tests/assistance/test_batch.py).

Tables (integer fen; `kind` is a code from KIND_CODES; `hh` numbers households 0..H-1):
  households: hh, std (index into the thresholds list), urgent, one_off_fen
  members:    hh, id (ID number), age, grade (0: none), ill, tier (0 self, 1 partial, 2 full),
              no_supporter
  declared:   hh, kind, amount_fen   (all declared items; deductions and expenditures too)
  findings:   id, kind, amount_fen   (what the sources answered)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl

from civicgrid.assistance.adapters import COUNTED, SOURCES
from civicgrid.assistance.standards import CareTier, Rules, Thresholds

# Declaration keys, in a fixed order; the first block is what the sources verify.
VERIFIED_KINDS = tuple(k for _label, kinds in SOURCES.values() for k in kinds)
DECLARED_ONLY = (
    "deduction:disability_subsidy",
    "deduction:medical",
    "deduction:education",
    "deduction:job_costs",
    "expenditure:medical",
    "expenditure:education",
    "expenditure:other",
)
KIND_CODES = {k: i for i, k in enumerate((*VERIFIED_KINDS, *DECLARED_ONLY))}
INCOME = ("income:wages", "income:business", "income:property", "income:transfer")
TIERS = (CareTier.SELF, CareTier.PARTIAL, CareTier.FULL)


def _half_up(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """Integer numerator ÷ denominator rounded half up (numerator ≥ 0), as rules.div_half_up."""
    return (2 * numerator + denominator) // (2 * denominator)


def _times(fen: np.ndarray, factor: Decimal) -> np.ndarray:
    """fen × a configured factor, rounded half up, as standards.fen_times (exact: integers)."""
    num, den = factor.as_integer_ratio()
    return _half_up(fen * num, den)


def _sums(rows: np.ndarray, kinds: np.ndarray, amounts: np.ndarray, size: int) -> np.ndarray:
    """(rows, kinds) → a size × kinds matrix of sums; float weights are exact below 2**53."""
    key = rows.astype(np.int64) * len(KIND_CODES) + kinds
    total = np.bincount(key, weights=amounts, minlength=size * len(KIND_CODES))
    return np.rint(total).astype(np.int64).reshape(size, len(KIND_CODES))


def _counts(rows: np.ndarray, kinds: np.ndarray, size: int) -> np.ndarray:
    key = rows.astype(np.int64) * len(KIND_CODES) + kinds
    return np.bincount(key, minlength=size * len(KIND_CODES)).reshape(size, len(KIND_CODES))


def _per_kind(sums: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """One array per kind: the sum, or the number of records for counted assets."""
    return {k: (counts if k in COUNTED else sums)[:, c] for k, c in KIND_CODES.items()}


@dataclass(frozen=True)
class BatchResult:
    households: pl.DataFrame  # one row per household: figures, eligibility, amounts, differences

    def totals(self) -> dict[str, int]:
        cols = [c for c in self.households.columns if c.startswith(("m_", "o_", "e_"))]
        row = self.households.select(pl.col(cols).cast(pl.Int64).sum()).row(0, named=True)
        return {k: int(v) for k, v in row.items()}


def verify_and_decide(
    households: pl.DataFrame,
    members: pl.DataFrame,
    declared: pl.DataFrame,
    findings: pl.DataFrame,
    thresholds: Sequence[Thresholds],
    rules: Rules,
) -> BatchResult:
    size = households.height
    if size and not np.array_equal(households["hh"].to_numpy(), np.arange(size)):
        raise ValueError("households must be numbered 0..H-1 in order")
    paid = bool(rules["round_amounts_to_yuan"])

    def to_paid(fen: np.ndarray) -> np.ndarray:
        return _half_up(fen, 100) * 100 if paid else fen

    # 1. Verification: every finding joined to its member (by ID number), then summed.
    m_hh = members["hh"].to_numpy().astype(np.int64)
    count = len(m_hh)
    found = findings.join(members.select("id").with_row_index("m"), on="id", how="inner").select(
        "m", "kind", "amount_fen"
    )
    f_m = found["m"].to_numpy().astype(np.int64)
    f_kind = found["kind"].to_numpy().astype(np.int64)
    f_amount = found["amount_fen"].to_numpy().astype(np.float64)
    f_hh = m_hh[f_m]
    v = _per_kind(_sums(f_hh, f_kind, f_amount, size), _counts(f_hh, f_kind, size))
    d_hh = declared["hh"].to_numpy().astype(np.int64)
    d_kind = declared["kind"].to_numpy().astype(np.int64)
    d_amount = declared["amount_fen"].to_numpy().astype(np.float64)
    d = _per_kind(_sums(d_hh, d_kind, d_amount, size), _counts(d_hh, d_kind, size))
    income_codes = np.array([KIND_CODES[k] for k in INCOME])
    own = np.rint(
        np.bincount(f_m, weights=f_amount * np.isin(f_kind, income_codes), minlength=count)
    ).astype(np.int64)
    differences = sum((v[k] != d[k]).astype(np.int8) for k in VERIFIED_KINDS)

    # 2. The standard of each household, and its per-capita income.
    std = households["std"].to_numpy().astype(np.int64)

    def each(values: Sequence[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)[std]

    dibao = each([t.dibao for t in thresholds])
    n = np.bincount(m_hh, minlength=size).astype(np.int64)
    income = sum(v[k] for k in INCOME)
    deductions = sum(d[k] for k in DECLARED_ONLY if k.startswith("deduction:"))
    rigid = sum(d[k] for k in DECLARED_ONLY if k.startswith("expenditure:"))
    safe_n = np.maximum(n, 1)
    pc = _half_up(np.maximum(income - deductions, 0), 12 * safe_n)
    adj = _half_up(np.maximum(income - deductions - rigid, 0), 12 * safe_n)
    ok = (
        (
            v["asset:deposits"] + v["asset:securities"]
            <= each([t.asset_limit_per_person for t in thresholds]) * n
        )
        & (v["asset:vehicle"] <= int(rules["max_vehicles"]))
        & (v["asset:housing"] <= int(rules["max_properties"]))
        & (v["asset:business_registration"] <= int(rules["max_businesses"]))
    )

    # 3. Member-level rules: the extremely poor, and marginal households' individual coverage.
    age = members["age"].to_numpy()
    grade = members["grade"].to_numpy()
    tier = members["tier"].to_numpy()
    severe = (grade == 1) | (grade == 2)
    care_table = np.array([[t.care[x] for x in TIERS] for t in thresholds], dtype=np.int64)
    m_std = std[m_hh]
    unable = (age > int(rules["tekun_max_working_age"])) | (age < int(rules["tekun_min_adult_age"]))
    tekun = (unable | severe) & members["no_supporter"].to_numpy() & ok[m_hh] & (pc < dibao)[m_hh]
    basic = np.asarray([t.tekun_basic for t in thresholds], dtype=np.int64)[m_std]
    tekun_amount = np.where(tekun, to_paid(basic + care_table[m_std, tier]), 0)
    individual = severe | members["ill"].to_numpy()
    own_monthly = _half_up(own, 12)
    individual_amount = np.where(individual, to_paid(np.maximum(dibao[m_hh] - own_monthly, 0)), 0)

    def per_household(values: np.ndarray) -> np.ndarray:
        return np.rint(np.bincount(m_hh, weights=values, minlength=size)).astype(np.int64)

    tekun_n = per_household(tekun.astype(np.float64))
    disabled_n = per_household((grade > 0).astype(np.float64))
    severe_n = per_household(severe.astype(np.float64))

    # 4. Household-level rules, in the order rules.decide applies them.
    covered = n - tekun_n
    ceiling = each([t.expenditure_ceiling for t in thresholds])
    e_tekun = tekun_n > 0
    e_dibao = ok & (pc < dibao) & (covered > 0)
    e_expenditure = ok & ~e_dibao & (pc < ceiling) & (adj < dibao)
    e_marginal = ok & (pc >= dibao) & (pc < each([t.marginal for t in thresholds]))
    assisted = e_dibao | e_tekun | e_marginal | e_expenditure
    urgent = households["urgent"].to_numpy()
    one_off = households["one_off_fen"].to_numpy().astype(np.int64)
    e_expense = (one_off > 0) & (pc < ceiling)
    cap = each([t.expense_cap for t in thresholds])
    columns = {
        "hh": np.arange(size),
        "n": n,
        "pc": pc,
        "assets_ok": ok,
        "differences": differences,
        "e_dibao": e_dibao,
        "e_tekun": e_tekun,
        "e_marginal": e_marginal,
        "e_expenditure": e_expenditure,
        "e_temp_urgent": urgent,
        "e_temp_expense": e_expense,
        "e_disability_living": assisted & (disabled_n > 0),
        "e_disability_care": severe_n > 0,
        "m_dibao": np.where(e_dibao, to_paid((dibao - pc) * covered), 0),
        "m_tekun": per_household(tekun_amount.astype(np.float64)),
        "m_marginal": np.where(
            e_marginal & ~e_expenditure, per_household(individual_amount.astype(np.float64)), 0
        ),
        "m_expenditure": np.where(e_expenditure, to_paid((dibao - adj) * n), 0),
        "m_disability_living": np.where(
            assisted, each([t.disability_living for t in thresholds]) * disabled_n, 0
        ),
        "m_disability_care": each([t.disability_care for t in thresholds]) * severe_n,
        "o_temp_urgent": np.where(urgent, each([t.urgent_amount for t in thresholds]), 0),
        "o_temp_expense": np.where(
            e_expense, to_paid(np.minimum(_times(one_off, rules["expense_share"]), cap)), 0
        ),
    }
    monthly = [k for k in columns if k.startswith("m_")]
    columns["total_monthly"] = sum(columns[k] for k in monthly)
    return BatchResult(pl.DataFrame(columns))
