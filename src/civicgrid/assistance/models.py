"""Assistance tables: applications with members and declared items, verification runs,
objections, the payment roll, monitoring alerts and assistance plans. Money in integer fen."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicgrid.assistance.standards import CareTier


def _region() -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, verbose_name=_("area")
    )


class Section(models.TextChoices):
    INCOME = "income", _("counted income")
    EXCLUDED = "excluded", _("income not counted")
    DEDUCTION = "deduction", _("allowed deduction")
    ASSET = "asset", _("asset")
    EXPENDITURE = "expenditure", _("rigid expenditure")


# Each section's kinds; the first four are the four income types of the rules.
KINDS: dict[str, dict[str, Any]] = {
    Section.INCOME: {
        "wages": _("wages"),
        "business": _("net business income"),
        "property": _("net property income"),
        "transfer": _("net transfer income"),
    },
    Section.EXCLUDED: {
        "pension_base": _("basic pension base"),
        "medical_insurance": _("medical insurance reimbursement"),
        "special_care": _("special-care pension"),
        "old_age_allowance": _("old-age allowance"),
        "other_excluded": _("other income not counted"),
    },
    Section.DEDUCTION: {
        "disability_subsidy": _("disability subsidies"),
        "medical": _("out-of-pocket medical costs"),
        "education": _("education costs"),
        "job_costs": _("costs of taking a job"),
    },
    Section.ASSET: {
        "deposits": _("deposits"),
        "securities": _("securities"),
        "vehicle": _("vehicle"),
        "housing": _("housing"),
        "business_registration": _("business registration"),
    },
    Section.EXPENDITURE: {
        "medical": _("medical"),
        "education": _("education"),
        "other": _("other rigid expenditure"),
    },
}


class Application(models.Model):  # type: ignore[django-manager-missing]
    """One household's application, kept in the household's area whoever registered it."""

    class Channel(models.TextChoices):
        WINDOW = "window", _("community window")
        GRID = "grid", _("grid worker")
        ONLINE = "online", _("online")

    class Verification(models.TextChoices):
        NOT_RUN = "not_run", _("not verified yet")
        INCOMPLETE = "incomplete", _("verification incomplete")
        COMPLETE = "complete", _("verified")

    class Payment(models.TextChoices):
        NONE = "none", _("not paid")
        ACTIVE = "active", _("paid monthly")
        STOPPED = "stopped", _("payment stopped")

    number = models.CharField(_("number"), max_length=24, unique=True)
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    region = _region()
    received_region_code = models.CharField(_("received in"), max_length=24)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    month = models.DateField(_("month"))
    flow = models.OneToOneField(
        "workflow.Flow", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    urgent_event = models.BooleanField(_("urgent event"), default=False)
    one_off_expense_fen = models.BigIntegerField(_("one-off expense"), default=0)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=32, blank=True)
    verification = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, default="not_run"
    )
    visit_note = models.TextField(_("home visit"), blank=True)
    decision = models.JSONField(_("decision"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    notice_started_at = models.DateTimeField(_("notice published"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    due_at = models.DateTimeField(_("due (30 working days)"), null=True, blank=True)
    monthly_fen = models.BigIntegerField(_("monthly amount"), default=0)
    payment = models.CharField(_("payment"), max_length=8, choices=Payment.choices, default="none")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects: models.Manager[Application] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Application] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-created_at", "-id"]
        verbose_name = _("assistance application")
        verbose_name_plural = _("assistance applications")
        indexes = [models.Index(fields=["payment", "region"], name="assist_app_payment")]

    def __str__(self) -> str:
        return self.number


class Member(models.Model):
    """A household member in an application, with what the rules need beyond the register."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="+")
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True
    )
    severely_ill = models.BooleanField(_("severely ill"), default=False)
    care_tier = models.CharField(_("care tier"), max_length=8, choices=CareTier.choices, blank=True)
    no_supporter = models.BooleanField(_("no able supporter"), default=False)

    class Meta:
        ordering = ["application_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "resident"], name="assist_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.resident_id}"


class Item(models.Model):
    """One declared figure: an income of a type, an excluded income, a deduction, an asset or a
    rigid expenditure, over the last 12 months (assets: value now), of one member or all."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE)
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    kind = models.CharField(_("kind"), max_length=24)
    amount_fen = models.BigIntegerField(_("amount"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["application_id", "section", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=0), name="assist_item_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.section}:{self.kind}"


class VerificationRun(models.Model):
    """One verification of an application: every source's answer and every difference."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="verifications"
    )
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    complete = models.BooleanField(default=False)
    report = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.at:%Y-%m-%d}"


class Objection(models.Model):
    """An objection raised while the notice is up, and how it was settled."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="objections"
    )
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class PaymentChange(models.Model):
    """A payment stopped or resumed, with its reason (the roll reads the latest)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="payment_changes"
    )
    stopped = models.BooleanField()
    reason = models.CharField(_("reason"), max_length=300)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {'stop' if self.stopped else 'resume'}"


class RollLine(models.Model):  # type: ignore[django-manager-missing]
    """One line of a county's monthly payment roll (kept, so next month can show changes)."""

    county_code = models.CharField(max_length=6)
    month = models.DateField()
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    region = _region()
    amount_fen = models.BigIntegerField()
    programmes = models.CharField(max_length=120, blank=True)

    objects: models.Manager[RollLine] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[RollLine] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["county_code", "month", "id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "application"], name="assist_roll_once")
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.month:%Y-%m} {self.application_id}"


# What an alert found, as people read it (monitoring.py raises these codes).
ALERT_SIGNALS = {
    "new_vehicle": _("a vehicle not declared"),
    "new_job": _("new wages"),
    "deposits": _("deposits or securities above the declaration"),
    "new_housing": _("housing not declared"),
    "new_business": _("a business registration"),
    "standard": _("no longer qualifies under the current standard"),
    "other": _("another difference from the declaration"),
    "disability": _("a member newly disabled"),
    "job_loss": _("a member lost their job"),
    "serious_illness": _("a member seriously ill"),
    "death_in_household": _("a death in the household"),
}


class Alert(models.Model):  # type: ignore[django-manager-missing]
    """A monitoring finding for the community to check, with its deadline."""

    class Kind(models.TextChoices):
        NO_LONGER_QUALIFIES = "no_longer", _("may no longer qualify")
        NEW_HARDSHIP = "hardship", _("new hardship")

    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    region = _region()
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    signal = models.CharField(_("signal"), max_length=40)
    detail = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    objects: models.Manager[Alert] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Alert] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "signal"],
                condition=models.Q(closed_at__isnull=True),
                name="assist_alert_one_open_per_signal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.signal}"

    @property
    def signal_label(self) -> str:
        return str(ALERT_SIGNALS.get(self.signal, self.signal))


class Plan(models.Model):  # type: ignore[django-manager-missing]
    """A household's difficulty index with its breakdown, and its personal assistance plan."""

    household = models.OneToOneField("people.Household", on_delete=models.PROTECT, related_name="+")
    region = _region()
    score = models.DecimalField(max_digits=5, decimal_places=1)
    breakdown = models.JSONField(default=dict)
    measures = models.JSONField(default=list)
    responsible = models.CharField(_("responsible person"), max_length=60, blank=True)
    review_on = models.DateField(_("review date"))
    updated_at = models.DateTimeField(default=timezone.now)

    objects: models.Manager[Plan] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Plan] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return f"{self.household_id} {self.score}"
