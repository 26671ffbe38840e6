"""The county's monthly payment roll: totals, changes since last month, stop and resume,
the bank's Excel file."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from civicgrid.assistance.models import Application
from civicgrid.assistance.services import payments
from civicgrid.core.errors import DomainError
from civicgrid.core.models import AuditEntry

JULY, AUGUST = date(2024, 7, 1), date(2024, 8, 1)


def test_roll_totals_and_changes_since_last_month(world, civil, approved):
    a = approved(bank_name="南京银行", bank_account="6222020202020202")
    # 2 members, wages 6,000 verified: (1,050 − 250) × 2 = 1,600 a month.
    assert a.monthly_fen == 160_000
    july = payments.build_roll(county_code="320113", month=JULY, by=civil["county"])
    assert july.total_fen == 160_000 and len(july.lines) == 1 and len(july.added) == 1

    payments.stop_payment(application=a, reason="家庭成员已就业", by=civil["county"])
    august = payments.build_roll(county_code="320113", month=AUGUST, by=civil["county"])
    assert august.total_fen == 0 and [line.application_id for line in august.ended] == [a.pk]

    payments.resume_payment(application=a, reason="复核后恢复", by=civil["county"])
    august = payments.build_roll(county_code="320113", month=AUGUST, by=civil["county"])
    assert august.total_fen == 160_000 and not august.added and not august.ended
    assert list(a.payment_changes.values_list("stopped", flat=True)) == [True, False]


def test_stopping_needs_a_reason_and_a_paid_household(world, civil, approved):
    a = approved()
    with pytest.raises(DomainError) as err:
        payments.stop_payment(application=a, reason="", by=civil["county"])
    assert err.value.code == "assistance.reason_required"
    with pytest.raises(DomainError) as err:
        payments.resume_payment(application=a, reason="x", by=civil["county"])
    assert err.value.code == "assistance.not_stopped"
    assert Application.all_objects.get(pk=a.pk).payment == Application.Payment.ACTIVE


def test_the_bank_file_has_full_accounts_and_says_who_exported_it(world, civil, approved):
    approved(bank_name="南京银行", bank_account="6222020202020202")
    roll = payments.build_roll(county_code="320113", month=JULY, by=civil["county"])
    data = payments.export_roll(roll=roll, reason="7月发放", by=civil["county"])
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "cathy_civil" in rows[0][0]
    assert rows[2][3] == "6222020202020202" and rows[2][4] == 1600
    assert rows[-1][4] == 1600
    assert AuditEntry.objects.filter(action="assistance.roll.exported").exists()


def test_accounts_are_masked_for_display():
    assert payments.mask_account("6222020202020202") == "************0202"


def test_only_payment_staff_build_a_roll_and_only_in_their_county(world, civil, approved):
    with pytest.raises(PermissionDenied):
        payments.build_roll(county_code="320113", month=JULY, by=world.town_operator)
    with pytest.raises(DomainError):
        payments.build_roll(county_code="320114", month=JULY, by=civil["county"])


def test_of_two_people_stopping_one_payment_only_one_does(world, civil, approved):
    a = approved()
    first, second = (Application.all_objects.get(pk=a.pk) for _ in range(2))
    payments.stop_payment(application=first, reason="已就业", by=civil["county"])
    with pytest.raises(DomainError) as err:
        payments.stop_payment(application=second, reason="已就业", by=civil["county"])
    assert err.value.code == "assistance.payment_changed"
    assert a.payment_changes.count() == 1
