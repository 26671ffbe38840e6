"""Declaring a workflow: mistakes are caught when it is declared, not when a case hits them."""

from __future__ import annotations

import dataclasses

import pytest

from civicgrid.workflow import definitions
from civicgrid.workflow.definitions import State, Transition, Workflow
from tests.workflow.toy import TOY, toy_workflow


def variant(**changes) -> Workflow:
    return dataclasses.replace(TOY, **changes)


def test_the_toy_workflow_is_registered_and_found_by_name():
    assert definitions.get("toy") is TOY
    with pytest.raises(LookupError):
        definitions.get("nope")


def test_a_second_workflow_with_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        definitions.register(toy_workflow())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"initial": "limbo"}, "initial state"),
        ({"states": (*TOY.states, State("report", "again"))}, "duplicate state"),
        ({"transitions": (*TOY.transitions, TOY.transitions[0])}, "duplicate transition"),
        (
            {"transitions": (*TOY.transitions, Transition("x", "x", ("report",), "limbo", "c"))},
            "unknown state",
        ),
        (
            {"transitions": (*TOY.transitions, Transition("x", "x", ("closed",), "report", "c"))},
            "leaves a terminal state",
        ),
        ({"states": (*TOY.states, State("archived", "archived", True))}, "unreachable"),
        ({"stage_deadlines": {("limbo", 0): 1}}, "unknown states"),
        ({"due_soon_fraction": 0}, "due_soon_fraction"),
        ({"note_capability": ""}, "capability"),
    ],
)
def test_mistakes_are_refused_at_declaration(changes, message):
    with pytest.raises(ValueError, match=message):
        variant(**changes)


def test_a_dead_end_state_is_refused():
    states = (*TOY.states, State("parked", "parked"))
    park = Transition("park", "park", ("report",), "parked", "c")
    with pytest.raises(ValueError, match="no way out"):
        variant(states=states, transitions=(*TOY.transitions, park))


def test_a_workflow_without_a_terminal_state_is_refused():
    with pytest.raises(ValueError, match="terminal"):
        Workflow(
            name="loop",
            states=(State("a", "a"), State("b", "b")),
            transitions=(
                Transition("go", "go", ("a",), "b", "c"),
                Transition("back", "b", ("b",), "a", "c"),
            ),
            initial="a",
            assign_capability="c",
            deadline_capability="c",
            note_capability="c",
        )


def test_stage_hours_may_come_from_a_policy_that_looks_at_the_category():
    def policy(state: str, category: str, priority: int) -> float | None:
        return 2.0 if category == "gas leak" else 24.0

    flexible = variant(stage_deadlines=policy)
    assert flexible.stage_hours("report", "gas leak", 0) == 2.0
    assert flexible.stage_hours("report", "noise", 0) == 24.0
    assert flexible.stage_hours("closed", "gas leak", 0) is None


def test_a_cycle_with_no_way_to_a_terminal_state_is_refused():
    states = (*TOY.states, State("ping", "ping"), State("pong", "pong"))
    loop = (
        Transition("to_ping", "p", ("report",), "ping", "c"),
        Transition("to_pong", "p", ("ping",), "pong", "c"),
        Transition("to_ping_again", "p", ("pong",), "ping", "c"),
    )
    with pytest.raises(ValueError, match="cannot reach a terminal state"):
        variant(states=states, transitions=(*TOY.transitions, *loop))
