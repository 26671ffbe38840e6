"""Schema errors of the API speak the user's language, and never fail to speak."""

from __future__ import annotations

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.core.schema_errors import MESSAGES, localised, message_for
from tests.events.conftest import IN_A1


def test_a_report_without_a_category_names_the_field_in_chinese_and_in_english(world, as_user):
    worker = as_user(world.grid_worker)
    body = {"description": "路边垃圾", "lng": IN_A1[0], "lat": IN_A1[1]}
    zh = worker.post("/api/v1/events/reports", body, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = worker.post("/api/v1/events/reports", body, HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["code"] == en["code"] == "request.invalid"
    [zh_error] = [e for e in zh["details"]["errors"] if e["loc"][-1] == "category"]
    [en_error] = [e for e in en["details"]["errors"] if e["loc"][-1] == "category"]
    assert zh_error["type"] == en_error["type"] == "missing"
    assert en_error["msg"] == "This field is required."
    assert zh_error["msg"] == "此项为必填项。"


def test_limits_from_the_schema_appear_in_the_message():
    error = {"type": "string_too_long", "loc": ("body", "note"), "ctx": {"max_length": 500}}
    with translation.override("en"):
        assert message_for(error) == "Enter at most 500 characters."
    with translation.override("zh-hans"):
        assert "500" in message_for(error)


def test_our_own_validators_keep_their_message_without_pydantics_prefix():
    error = {"type": "value_error", "msg": "Value error, 经纬度超出江苏范围", "ctx": {}}
    assert message_for(error) == "经纬度超出江苏范围"


def test_every_message_is_translated():
    with translation.override("zh-hans"):
        untranslated = [k for k, m in MESSAGES.items() if str(m).isascii()]
    assert untranslated == []


_context = st.dictionaries(
    st.sampled_from(["min_length", "max_length", "ge", "gt", "le", "lt", "expected", "other"]),
    st.one_of(st.integers(), st.floats(allow_nan=False), st.text(), st.none()),
)


@given(
    kind=st.one_of(st.sampled_from(sorted(MESSAGES)), st.text()),
    ctx=st.one_of(st.none(), _context),
    loc=st.lists(st.one_of(st.text(), st.integers()), max_size=3),
)
def test_any_error_gets_a_non_empty_message_and_keeps_its_type_and_place(kind, ctx, loc):
    [out] = localised([{"type": kind, "loc": tuple(loc), "msg": "x", "ctx": ctx}])
    assert out["type"] == kind and out["loc"] == loc
    assert isinstance(out["msg"], str) and out["msg"]
