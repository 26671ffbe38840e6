"""The demo's file-backed sources: good rows answer, garbage and missing files are failures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.assistance import adapters
from civicgrid.assistance.adapters import FileSource, SourceError, parse_rows

ID = "320113195003010011"


def write(folder, name, text):
    (folder / f"{name}.csv").write_text(text, encoding="utf-8")


def test_a_file_source_answers_only_for_the_numbers_asked(tmp_path):
    write(
        tmp_path,
        "hrss",
        f"id_number,kind,amount_fen,detail\n{ID},income:wages,600000,保安\n320113195207090022,income:wages,1,x\n",
    )
    found = FileSource("hrss", tmp_path).query([ID])
    assert [(f.id_number, f.kind, f.amount_fen) for f in found] == [(ID, "income:wages", 600_000)]


@pytest.mark.parametrize(
    "row",
    [
        f"{ID},income:wages,abc",
        f"{ID},income:wages,-5",
        "12345,income:wages,1",
        f"{ID},wages,1",
        f"{ID},x",
    ],
)
def test_garbage_is_a_failure_not_an_answer(tmp_path, row):
    write(tmp_path, "tax", f"id_number,kind,amount_fen\n{row}\n")
    with pytest.raises(SourceError):
        FileSource("tax", tmp_path).query([ID])


def test_ask_all_reports_a_missing_file_as_a_failed_source(tmp_path, settings):
    settings.ASSISTANCE_SOURCE_DIR = str(tmp_path)
    write(tmp_path, "banks", f"{ID},asset:deposits,100\n")
    answers = {a.source: a for a in adapters.ask_all([ID])}
    assert answers["banks"].ok and answers["banks"].findings[0].amount_fen == 100
    assert not answers["tax"].ok and "no data file" in answers["tax"].error


@given(st.lists(st.lists(st.text(max_size=20), max_size=5), max_size=5))
def test_parse_rows_either_answers_or_refuses(rows):
    try:
        findings = parse_rows(rows, "fuzz")
    except SourceError:
        return
    assert all(f.amount_fen >= 0 and len(f.id_number) == 18 for f in findings)
