"""Each indicator's formula on a hand-built November whose answers are known (docs/indicators.md).

Town A's November 2026, community A1, category 1101 (hours: register 1, dispatch 1, accept 1,
handle 18, verify 3), the department is 栖霞区城市管理局:

  c1  reported 2nd 09:00, everything on time, department, closed 21:00, rated satisfied
  c2  reported 3rd 09:00, dispatched late (12:00, due 10:10), finished, sent back for rework,
      finished again, closed 21:00 (not on time: one stage was late), rated basically satisfied
  c3  reported 4th 09:00, escalated to the town at once (registered by escalation), dispatched
      by the town to the grid worker, closed at 12:00 by the community: closed at town level;
      rated unsatisfied
  c4  reported 5th 09:00, merged into c5: a report, not a case
  c5  reported 5th 09:30, registered exactly at its deadline (on time), left waiting
  c6  reported 6th 09:00, rejected
  c7  reported 31 October 22:00 (before the period), dispatched late at 00:10 on the 1st,
      handled late on the 2nd, closed on 1 December (after the period)
  c8  reported 30th 23:30 Beijing time (15:30 UTC): November
  c9  reported 1 December 00:30 Beijing time (30 November UTC): not November
  b1  a report in the sibling town B
"""

from __future__ import annotations

from datetime import date

import pytest

from civicgrid.command import indicators
from civicgrid.core.errors import DomainError
from tests.command.conftest import nov

START, END = date(2026, 11, 1), date(2026, 12, 1)
TOWN_A = "320113002"


def test_reports_count_every_report_on_its_beijing_day(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    # c1–c6 and c8; c7 came in October and c9 on 1 December (Beijing), though 30 Nov in UTC.
    assert got["reports"] == 7


def test_a_merged_duplicate_is_a_report_but_not_a_case(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    assert got["merged"] == 1
    # c1, c2, c5 registered, c3 by its escalation from the desk; c4 was merged, never a case.
    assert got["registered"] == 4
    assert got["rejected"] == 1


def test_dispatched_on_time_counts_each_dispatch_against_its_stage_deadline(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    # c1, c2 (late), c3, c7 (late, though the case came in October).
    assert (got["dispatched"], got["dispatched_on_time"]) == (4, 2)
    assert got["dispatch_rate"] == 0.5


def test_handled_on_time_counts_each_result_and_rework_counts_once_per_rework(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    # c1, c2 twice (before and after rework), c3, c7 (late).
    assert (got["handled"], got["handled_on_time"]) == (5, 4)
    assert got["handle_rate"] == 0.8
    assert got["reworked"] == 1
    assert got["rework_rate"] == 0.2


def test_closed_on_time_means_no_stage_of_the_case_ran_late(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    # c1 and c3 on time; c2 had a late dispatch; c7 closed in December.
    assert (got["closed"], got["closed_on_time"]) == (3, 2)
    assert got["close_rate"] == 0.6667


def test_an_escalated_case_counts_once_at_the_level_that_held_it_at_closure(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    assert got["escalated"] == 1
    assert (got["closed_community"], got["closed_town"], got["closed_county"]) == (2, 1, 0)
    county = indicators.summary("320113", START, END)["indicators"]
    assert county["closed"] == 3 and county["escalated"] == 1


def test_overdue_counts_each_stage_finished_after_its_deadline(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    # c2's dispatch, c7's dispatch and c7's handling.
    assert got["late"] == 3


def test_satisfaction_is_satisfied_and_basically_satisfied_among_those_rated(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    assert (got["evaluated"], got["satisfied"], got["basic"], got["unsatisfied"]) == (3, 1, 1, 1)
    assert got["satisfaction_rate"] == 0.6667


def test_average_times_are_from_order_to_result_and_from_report_to_closure(november):
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    # Handling: c1 10 h, c2 3 h + 4 h (after rework), c3 1 h 20 min, c7 24 h → 42⅓ h / 5.
    assert got["avg_handle_hours"] == 8.47
    # Closure: c1 12 h, c2 12 h, c3 3 h.
    assert got["avg_close_hours"] == 9.0


def test_the_composite_score_weighs_the_rates(november):
    got = indicators.summary(TOWN_A, START, END)
    # 20·0.5 + 25·0.8 + 25·⅔ + 10·(1−0.2) + 20·⅔
    assert got["score"] == 68.0
    assert got["weights"] == indicators.DEFAULT_WEIGHTS
    custom = {
        "dispatch_rate": 0,
        "handle_rate": 0,
        "close_rate": 0,
        "rework_free_rate": 0,
        "satisfaction_rate": 100,
    }
    assert indicators.summary(TOWN_A, START, END, weights=custom)["score"] == 66.67


def test_a_period_counts_what_happened_in_it_only(november):
    october = indicators.summary(TOWN_A, date(2026, 10, 1), START)["indicators"]
    assert (october["reports"], october["registered"], october["dispatched"]) == (1, 1, 0)
    december = indicators.summary(TOWN_A, END, date(2027, 1, 1))["indicators"]
    assert (december["reports"], december["closed"], december["closed_on_time"]) == (1, 1, 0)
    one_day = indicators.summary(TOWN_A, date(2026, 11, 3), date(2026, 11, 4))["indicators"]
    assert (one_day["reports"], one_day["handled"], one_day["reworked"]) == (1, 2, 1)
    assert one_day["evaluated"] == 1  # c1, rated on the 3rd


def test_periods_across_months_add_month_rows_and_day_rows_alike(november):
    whole = indicators.summary(TOWN_A, date(2026, 10, 15), date(2026, 12, 15))["indicators"]
    parts = [
        indicators.summary(TOWN_A, a, b)["indicators"]
        for a, b in [
            (date(2026, 10, 15), date(2026, 11, 1)),
            (date(2026, 11, 1), date(2026, 12, 1)),
            (date(2026, 12, 1), date(2026, 12, 15)),
        ]
    ]
    for name in ("reports", "registered", "dispatched", "handled", "closed", "late", "evaluated"):
        assert whole[name] == sum(p[name] for p in parts), name


def test_child_areas_are_ranked_by_score(november):
    rows = indicators.areas("320113", START, END)
    by_code = {r["code"]: r for r in rows}
    assert set(by_code) == {"320113002", "320113003"}
    assert by_code["320113002"]["indicators"]["reports"] == 7
    assert by_code["320113003"]["indicators"]["reports"] == 1
    # Town B counted nothing a score could weigh: unranked, listed last.
    assert by_code["320113003"]["score"] is None and rows[-1]["code"] == "320113003"
    assert by_code["320113002"]["rank"] == 1
    communities = indicators.areas(TOWN_A, START, END)
    assert [r["code"] for r in communities] == ["320113002001"]


def test_departments_answer_for_the_orders_they_got(november, world):
    (dept,) = indicators.departments(TOWN_A, START, END)
    assert dept["id"] == world.officer.organisation_id
    got = dept["indicators"]
    assert (got["dispatched"], got["handled"], got["handled_on_time"]) == (3, 4, 3)
    assert (got["closed"], got["closed_on_time"], got["reworked"], got["late"]) == (2, 1, 1, 1)
    assert (got["evaluated"], got["satisfaction_rate"]) == (2, 1.0)
    # The desk's late dispatches do not weigh on the department: 25·¾ + 25·½ + 10·¾ + 20·1
    # over the 80 points left.
    assert dept["score"] == round(100 * (25 * 0.75 + 25 * 0.5 + 10 * 0.75 + 20) / 80, 2)
    assert dept["rank"] == 1


def test_grid_workers_get_their_reports_and_the_orders_they_handled(november, world):
    rows = {r["id"]: r for r in indicators.workers(TOWN_A, START, END)["rows"]}
    mine = rows[world.grid_worker.pk]["indicators"]
    assert mine["reports"] == 7
    assert (mine["dispatched"], mine["handled"], mine["closed"]) == (1, 1, 1)
    assert (mine["evaluated"], mine["satisfaction_rate"]) == (1, 0.0)
    assert world.outsider.pk not in rows


def test_categories_break_down_by_class_and_subclass(november, world, story):
    story.report(nov(12, 9), category="1201")
    classes = {r["code"]: r for r in indicators.categories(TOWN_A, START, END)}
    assert classes["11"]["indicators"]["reports"] == 7
    assert classes["12"]["indicators"]["reports"] == 1
    assert next(iter(classes)) == "11"  # most reports first
    subclasses = {r["code"] for r in indicators.categories(TOWN_A, START, END, by="subclass")}
    assert subclasses == {"1101", "1201"}


def test_the_trend_goes_day_by_day_or_month_by_month(november):
    daily = indicators.trend(TOWN_A, START, END)
    assert daily["step"] == "day" and len(daily["points"]) == 30
    assert sum(p["indicators"]["reports"] for p in daily["points"]) == 7
    assert daily["points"][2]["period"] == "2026-11-03"
    assert daily["points"][2]["indicators"]["handled"] == 2
    monthly = indicators.trend(TOWN_A, date(2026, 1, 1), date(2027, 1, 1))
    assert monthly["step"] == "month" and len(monthly["points"]) == 12
    by_month = {p["period"]: p["indicators"]["reports"] for p in monthly["points"]}
    assert (by_month["2026-10-01"], by_month["2026-11-01"], by_month["2026-12-01"]) == (1, 7, 1)


def test_open_cases_overdue_now_are_counted_apart_from_the_period(november, world):
    from civicgrid.workflow.services import sweep_deadlines

    sweep_deadlines(now=nov(30, 12))
    # c5 (waiting for dispatch since the 5th) is open and overdue; c8 came in after noon.
    assert indicators.summary(TOWN_A, START, END)["overdue_now"] == 1
    assert indicators.summary("320113003", START, END)["overdue_now"] == 1  # b1


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("", "2026-12-01", "command.period_required"),
        ("2026-11-01", None, "command.period_required"),
        ("2026-11-31", "2026-12-01", "command.bad_date"),
        ("yesterday", "2026-12-01", "command.bad_date"),
        ("2026-12-01", "2026-11-01", "command.period_reversed"),
        ("2026-11-01", "2026-11-01", "command.period_reversed"),
        ("2020-01-01", "2026-12-01", "command.period_too_long"),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_code(world, start, end, code):
    with pytest.raises(DomainError) as err:
        indicators.summary(TOWN_A, start, end)
    assert err.value.code == code


@pytest.mark.parametrize(
    "weights",
    [
        "dispatch_rate:20,handle_rate:25,close_rate:25,rework_free_rate:10",
        "dispatch_rate:20,handle_rate:25,close_rate:25,rework_free_rate:10,satisfaction_rate:21",
        "dispatch_rate:-20,handle_rate:65,close_rate:25,rework_free_rate:10,satisfaction_rate:20",
        "dispatch_rate:x,handle_rate:25,close_rate:25,rework_free_rate:30,satisfaction_rate:20",
        "speed:20,handle_rate:25,close_rate:25,rework_free_rate:10,satisfaction_rate:20",
    ],
)
def test_weights_that_do_not_add_up_are_refused(weights):
    with pytest.raises(DomainError) as err:
        indicators.parse_weights(weights)
    assert err.value.code == "command.bad_weights"


def test_an_area_outside_the_callers_is_not_found_and_too_fine_an_area_is_refused(world):
    with pytest.raises(DomainError) as err:
        indicators.area_for(world.town_operator, "320113003")
    assert (err.value.code, err.value.status) == ("command.not_found", 404)
    with pytest.raises(DomainError) as err:
        indicators.area_for(world.county_operator, "320113009")  # well formed, unknown
    assert (err.value.code, err.value.status) == ("command.not_found", 404)
    with pytest.raises(DomainError) as err:
        indicators.area_for(world.county_operator, "32011300200100")
    assert err.value.code == "command.bad_area"
    with pytest.raises(DomainError) as err:
        indicators.area_for(world.county_operator, world.grid_a.code)
    assert err.value.code == "command.area_too_fine"
    assert indicators.area_for(world.town_operator, None).code == TOWN_A


def test_a_late_acceptance_makes_the_result_late_and_counts_for_the_department(world, story):
    s = story
    case = s.report(nov(16, 9))
    s.register(case, nov(16, 9, 10))
    s.dispatch(case, nov(16, 9, 20))  # accept by 10:20
    s.accept(case, nov(16, 11))  # late
    s.finish(case, nov(16, 12))  # well inside the 18 hours from acceptance
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    assert (got["handled"], got["handled_on_time"], got["late"]) == (1, 0, 1)
    (dept,) = indicators.departments(TOWN_A, START, END)
    assert dept["indicators"]["late"] == 1


def test_each_rework_counts_and_a_rate_with_nothing_to_count_is_none(world, story):
    s = story
    case = s.report(nov(17, 9))
    s.register(case, nov(17, 9, 10))
    s.dispatch(case, nov(17, 9, 20))
    s.accept(case, nov(17, 9, 30))
    for hour in (10, 12):
        s.finish(case, nov(17, hour))
        s.rework(case, nov(17, hour + 1))
    s.finish(case, nov(17, 15))
    s.close(case, nov(17, 16))
    got = indicators.summary(TOWN_A, START, END)["indicators"]
    assert (got["reworked"], got["handled"], got["closed"]) == (2, 3, 1)
    assert got["satisfaction_rate"] is None and got["evaluated"] == 0
    quiet = indicators.summary("320113003", START, END)
    assert quiet["indicators"]["dispatch_rate"] is None and quiet["score"] is None
