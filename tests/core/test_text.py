"""Free text: anything a keyboard types is kept; control characters are refused with a code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.core.errors import DomainError
from civicgrid.core.text import refuse_control_characters


@given(st.text())
def test_text_is_kept_unless_it_holds_a_control_character(value):
    control = any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in value)
    try:
        assert refuse_control_characters(value, code="x.bad", field="note") == value
        assert not control
    except DomainError as exc:
        assert control
        assert exc.code == "x.bad"


def test_a_comment_with_a_nul_byte_is_refused_by_the_case_engine(world):
    from civicgrid.workflow import services
    from tests.workflow.toy import TOY

    flow = services.start_flow(workflow=TOY.name, region_code=world.micro_a1.code, by=world.staff)
    with pytest.raises(DomainError) as refused:
        services.comment(flow=flow, text="ok\x00", by=world.staff)
    assert refused.value.code == "workflow.bad_characters"
