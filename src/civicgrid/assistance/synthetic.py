"""Generated households, members, declarations and source findings for the batch benchmark
and its tests (numpy-made, reproducible by seed), and the per-household loop to compare with."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from civicgrid.assistance import standards
from civicgrid.assistance.adapters import COUNTED
from civicgrid.assistance.batch import DECLARED_ONLY, KIND_CODES, TIERS
from civicgrid.assistance.rules import Decision, HouseholdFacts, MemberFacts, decide
from civicgrid.assistance.standards import Rules, Thresholds

K = KIND_CODES


@dataclass(frozen=True)
class World:
    households: pl.DataFrame
    members: pl.DataFrame
    declared: pl.DataFrame
    findings: pl.DataFrame
    thresholds: list[Thresholds]
    rules: Rules


def generate(n_households: int, seed: int = 7) -> World:
    """A low-income population: most households near the standard, a few with cars, jobs or
    deposits that they did not declare (about 5% mismatches)."""
    rng = np.random.default_rng(seed)
    config = standards.current()
    from datetime import date

    thresholds = [
        config.thresholds_for("320113", date(2024, 6, 1)),  # Nanjing before 1 July
        config.thresholds_for("320113", date(2024, 8, 1)),  # Nanjing after
        config.thresholds_for("320500", date(2024, 8, 1)),  # rural fallback
    ]
    hh_ids = np.arange(n_households, dtype=np.int64)
    size = rng.choice([1, 2, 3, 4, 5], size=n_households, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    m_hh = np.repeat(hh_ids, size)
    m_n = len(m_hh)
    pid = np.arange(m_n, dtype=np.int64)
    age = rng.integers(0, 95, size=m_n)
    grade = np.where(rng.random(m_n) < 0.08, rng.integers(1, 5, size=m_n), 0)
    members = pl.DataFrame(
        {
            "hh": m_hh,
            "pid": pid,
            "age": age.astype(np.int32),
            "grade": grade.astype(np.int32),
            "ill": rng.random(m_n) < 0.05,
            "tier": rng.integers(0, 3, size=m_n).astype(np.int32),
            "no_supporter": (size[m_hh] == 1) & (rng.random(m_n) < 0.5),
        }
    ).with_columns(id=pl.lit("3201") + pl.col("pid").cast(pl.Utf8).str.zfill(14))
    households = pl.DataFrame(
        {
            "hh": hh_ids,
            "std": rng.choice([0, 1, 2], size=n_households, p=[0.2, 0.5, 0.3]).astype(np.int32),
            "urgent": rng.random(n_households) < 0.01,
            "one_off_fen": np.where(
                rng.random(n_households) < 0.02, rng.integers(0, 5_000_000, n_households), 0
            ),
        }
    )
    # The sources' truth, per member.
    rows_id: list[np.ndarray] = []
    rows_kind: list[np.ndarray] = []
    rows_amount: list[np.ndarray] = []

    def add(mask: np.ndarray, kind: str, amount: np.ndarray) -> None:
        rows_id.append(pid[mask])
        rows_kind.append(np.full(int(mask.sum()), K[kind], dtype=np.int16))
        rows_amount.append(amount[mask])

    working = (age >= 18) & (age < 60)
    add(working & (rng.random(m_n) < 0.6), "income:wages", rng.integers(0, 6_000_000, m_n))
    add(age >= 60, "income:transfer", rng.integers(0, 1_800_000, m_n))
    add(rng.random(m_n) < 0.03, "income:business", rng.integers(0, 3_000_000, m_n))
    add(rng.random(m_n) < 0.03, "income:property", rng.integers(0, 1_000_000, m_n))
    add(rng.random(m_n) < 0.7, "asset:deposits", rng.integers(0, 6_000_000, m_n))
    add(rng.random(m_n) < 0.05, "asset:securities", rng.integers(0, 3_000_000, m_n))
    add(rng.random(m_n) < 0.04, "asset:vehicle", rng.integers(2_000_000, 20_000_000, m_n))
    head = np.r_[True, m_hh[1:] != m_hh[:-1]]
    add(head & (rng.random(m_n) < 0.6), "asset:housing", rng.integers(10**7, 10**8, m_n))
    add(rng.random(m_n) < 0.01, "asset:business_registration", rng.integers(0, 10**7, m_n))
    f_pid = np.concatenate(rows_id)
    findings = pl.DataFrame(
        {
            "pid": f_pid,
            "kind": np.concatenate(rows_kind),
            "amount_fen": np.concatenate(rows_amount).astype(np.int64),
        }
    ).with_columns(id=pl.lit("3201") + pl.col("pid").cast(pl.Utf8).str.zfill(14))
    # Declarations: what the sources know, except ~5% who leave something out; plus the
    # deductions and rigid expenditures only the household declares.
    f_hh = m_hh[f_pid]
    honest = rng.random(len(f_pid)) >= 0.05
    extra_hh = rng.choice(hh_ids, size=n_households // 2)
    extra_kind = rng.choice([K[k] for k in DECLARED_ONLY], size=len(extra_hh)).astype(np.int16)
    declared = pl.DataFrame(
        {
            "hh": np.concatenate([f_hh[honest], extra_hh]),
            "kind": np.concatenate([findings["kind"].to_numpy()[honest], extra_kind]),
            "amount_fen": np.concatenate(
                [
                    findings["amount_fen"].to_numpy()[honest],
                    rng.integers(0, 2_000_000, len(extra_hh)),
                ]
            ),
        }
    )
    return World(
        households,
        members.drop("pid"),
        declared,
        findings.drop("pid"),
        thresholds,
        config.rules,
    )


def loop_decide(world: World, sample: Sequence[int]) -> dict[int, Decision]:
    """The same work one household at a time: look up its members, their findings and its
    declaration, then rules.decide. The reference for the batch's speed and results."""
    wanted = set(sample)
    members = world.members.filter(pl.col("hh").is_in(list(wanted))).to_dicts()
    ids = {m["id"] for m in members}
    findings_by_id: dict[str, list[dict]] = defaultdict(list)
    for f in world.findings.filter(pl.col("id").is_in(list(ids))).iter_rows(named=True):
        findings_by_id[f["id"]].append(f)
    declared_by_hh: dict[int, list[dict]] = defaultdict(list)
    for d in world.declared.filter(pl.col("hh").is_in(list(wanted))).iter_rows(named=True):
        declared_by_hh[d["hh"]].append(d)
    members_by_hh: dict[int, list[dict]] = defaultdict(list)
    for m in members:
        members_by_hh[m["hh"]].append(m)
    households = {
        h["hh"]: h
        for h in world.households.filter(pl.col("hh").is_in(list(wanted))).iter_rows(named=True)
    }
    code = {v: k for k, v in KIND_CODES.items()}
    out = {}
    for hh in sample:
        out[hh] = decide_one(
            households[hh], members_by_hh[hh], findings_by_id, declared_by_hh[hh], code, world
        )
    return out


def decide_one(
    household: dict,
    members: list[dict],
    findings_by_id: dict[str, list[dict]],
    declared: list[dict],
    code: dict[int, str],
    world: World,
) -> Decision:
    totals: dict[str, int] = defaultdict(int)
    people = []
    for m in members:
        own = 0
        for f in findings_by_id.get(m["id"], []):
            kind = code[f["kind"]]
            totals[kind] += 1 if kind in COUNTED else f["amount_fen"]
            if kind.startswith("income:"):
                own += f["amount_fen"]
        people.append(
            MemberFacts(
                key=m["id"],
                age=m["age"],
                disability_grade=m["grade"] or None,
                severely_ill=m["ill"],
                care_tier=TIERS[m["tier"]],
                no_supporter=m["no_supporter"],
                income_fen=own,
            )
        )
    for d in declared:
        kind = code[d["kind"]]
        if kind in DECLARED_ONLY:
            totals[kind] += d["amount_fen"]

    def total(prefix: str) -> int:
        return sum(v for k, v in totals.items() if k.startswith(prefix))

    facts = HouseholdFacts(
        members=tuple(people),
        income_fen=total("income:"),
        deductions_fen=total("deduction:"),
        financial_assets_fen=totals["asset:deposits"] + totals["asset:securities"],
        vehicles=totals["asset:vehicle"],
        properties=totals["asset:housing"],
        businesses=totals["asset:business_registration"],
        rigid_expenditure_fen=total("expenditure:"),
        urgent_event=household["urgent"],
        one_off_expense_fen=household["one_off_fen"],
    )
    return decide(facts, world.thresholds[household["std"]], world.rules)
