"""The vectorised batch agrees with the per-household calculator, household for household."""

from __future__ import annotations

import pytest

from civicgrid.assistance import batch, synthetic
from civicgrid.assistance.standards import Programme


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_and_loop_decide_the_same(seed):
    world = synthetic.generate(3000, seed=seed)
    result = batch.verify_and_decide(
        world.households, world.members, world.declared, world.findings,
        world.thresholds, world.rules,
    )  # fmt: skip
    rows = {r["hh"]: r for r in result.households.iter_rows(named=True)}
    assert len(rows) == 3000
    decisions = synthetic.loop_decide(world, list(range(3000)))
    wrong = []
    for hh, decision in decisions.items():
        row = rows[hh]
        got = {"pc": row["pc"], "total": row["total_monthly"]}
        want = {"pc": decision.per_capita_fen, "total": decision.total_monthly_fen}
        for p in Programme.values:
            r = decision.result(p)
            got[p] = (row[f"e_{p}"], row.get(f"m_{p}", 0) + row.get(f"o_{p}", 0))
            want[p] = (r.eligible, r.monthly_fen + r.one_off_fen)
        if got != want:
            wrong.append((hh, got, want))
    assert wrong == []
    # The generated world has every programme in it, and deliberate mismatches.
    totals = result.totals()
    assert all(totals[f"e_{p}"] > 0 for p in Programme.values)
    assert result.households["differences"].sum() > 0
