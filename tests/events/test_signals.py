"""Other apps learn of every change of a case through one documented signal."""

from __future__ import annotations

from civicgrid.events.services import steps
from civicgrid.events.signals import case_changed


def test_every_step_of_the_loop_is_announced_once_in_order(world, report):
    heard = []

    def listen(sender, incident, action, at, **kwargs):
        heard.append((incident.number, action, incident.flow.state))

    case_changed.connect(listen)
    try:
        case = report(category="1101")
        steps.register(incident=case, by=world.staff, version=case.flow.version)
        steps.supervise(incident=case, by=world.leader, note="关注")
        steps.dispatch(
            incident=case, to=steps.Handler("community", world.community_a.code), by=world.staff,
            version=case.flow.version,
        )  # fmt: skip
    finally:
        case_changed.disconnect(listen)
    assert heard == [
        (case.number, "reported", "reported"),
        (case.number, "register", "registered"),
        (case.number, "supervise", "registered"),
        (case.number, "dispatch", "dispatched"),
    ]
