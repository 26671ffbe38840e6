"""Disputes and what hangs off them: types, the four-colour rule set, mediation organisations'
profiles, parties, grade changes, sessions, agreements, follow-up visits and attachments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicgrid.core.models import AppendOnlyModel


class Colour(models.TextChoices):
    """The four-colour warning, lowest first (the order is the index used by the grader)."""

    BLUE = "blue", _("blue")
    YELLOW = "yellow", _("yellow")
    ORANGE = "orange", _("orange")
    RED = "red", _("red")


COLOURS: tuple[str, ...] = tuple(Colour.values)


class Level(models.IntegerChoices):
    """Who must handle a dispute: the village/community, the town, the county."""

    COMMUNITY = 0, _("village/community")
    TOWN = 1, _("town")
    COUNTY = 2, _("county")


# The region code length of each level's desk.
LEVEL_CODE_LENGTH = {Level.COMMUNITY: 12, Level.TOWN: 9, Level.COUNTY: 6}


class DisputeType(models.Model):  # type: ignore[django-manager-missing]
    """A kind of dispute (neighbour, labour/wages, medical …); configurable in the admin."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    # Incident categories (events) that are disputes of this type, e.g. ["1101"].
    incident_categories = models.JSONField(_("incident categories"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("dispute type")
        verbose_name_plural = _("dispute types")

    def __str__(self) -> str:
        return self.name


class RuleSet(models.Model):
    """The four-colour grading rules and what each colour sets (level, deadline, follow-ups,
    who is told), as one JSON document checked by `rules.parse`. One set is active at a time;
    a new version is a new row, so the grades of the past can be explained by their set."""

    name = models.CharField(_("name"), max_length=80)
    document = models.JSONField(_("rules"))
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="disputes_one_active_rule_set",
            )
        ]
        verbose_name = _("grading rule set")
        verbose_name_plural = _("grading rule sets")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from civicgrid.core.errors import DomainError
        from civicgrid.disputes.rules import parse

        try:
            parse(self.document)
        except DomainError as exc:
            raise ValidationError({"document": str(exc.message)}) from exc


class Channel(models.TextChoices):
    """The kinds of mediation organisation (多元化解 channels)."""

    PEOPLES_COMMITTEE = "peoples", _("people's mediation committee")
    PROFESSIONAL = "professional", _("professional mediation committee")
    STUDIO = "studio", _("mediator's studio")
    LAW_FIRM = "law_firm", _("law firm")
    NOTARY = "notary", _("notary office")
    ARBITRATION = "arbitration", _("arbitration commission")


class MediationProfile(models.Model):
    """What routing needs to know of a mediation organisation (accounts.Organisation of kind
    "mediation"): its channel, the dispute types it takes (empty: all), how many open cases it
    can hold. Its area is the organisation's region."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="mediation_profile",
        verbose_name=_("organisation"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    dispute_types = models.JSONField(_("dispute types"), default=list, blank=True)
    capacity = models.PositiveIntegerField(_("open cases it can hold"), default=30)
    # For a named mediator's studio (e.g. 老娘舅工作室): whose it is.
    named_mediator = models.CharField(_("named mediator"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("mediation profile")
        verbose_name_plural = _("mediation profiles")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_channel_display()})"


# The fields of a dispute's grade, stored in DisputeGrade and reached on the dispute itself.
GRADE_FIELDS = frozenset({"colour", "colour_reasons", "level", "due_at", "follow_up_days", "follow_ups_required", "escalations"})  # fmt: skip


def _grade_field(name: str) -> Any:
    def read(self: Dispute) -> Any:
        return getattr(self.current_grade, name)

    def write(self: Dispute, value: Any) -> None:
        setattr(self.current_grade, name, value)

    return property(read, write, doc=f"The grade's {name} (DisputeGrade).")


class Dispute(models.Model):  # type: ignore[django-manager-missing]
    """One dispute from intake to close; its state lives in its Flow ("dispute" workflow)."""

    class Source(models.TextChoices):
        ONLINE = "online", _("resident online")
        WINDOW = "window", _("mediation centre window")
        GRID_WORKER = "grid_worker", _("grid worker")
        INCIDENT = "incident", _("incident loop")
        POLICE = "police", _("police station")
        COURT = "court", _("court (pre-litigation referral)")

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", _("agreement")
        PARTIAL = "partial", _("partial agreement")
        NO_AGREEMENT = "no_agreement", _("no agreement")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class NextChannel(models.TextChoices):
        LITIGATION = "litigation", _("litigation")
        ARBITRATION = "arbitration", _("arbitration")
        ADMINISTRATIVE = "administrative", _("administrative handling")

    number = models.CharField(_("case number"), max_length=16, unique=True)
    flow = models.OneToOneField(
        "workflow.Flow", on_delete=models.PROTECT, related_name="dispute", verbose_name=_("flow")
    )
    dispute_type = models.ForeignKey(
        DisputeType, to_field="code", on_delete=models.PROTECT, verbose_name=_("dispute type")
    )
    region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # The referring case's number (an incident, a police or court reference).
    source_ref = models.CharField(_("source reference"), max_length=40, blank=True)
    facts = models.TextField(_("facts"))
    # The facts the four-colour rules read.
    amount = models.DecimalField(_("amount involved (yuan)"), max_digits=14, decimal_places=2)
    people_involved = models.PositiveIntegerField(_("people involved"), default=2)
    repeat_petitions = models.PositiveSmallIntegerField(_("repeat petitions"), default=0)
    threat_violence = models.BooleanField(_("threat of violence"), default=False)
    threat_self_harm = models.BooleanField(_("threat of self-harm"), default=False)
    group_incident = models.BooleanField(_("group incident"), default=False)
    vulnerable_party = models.BooleanField(_("vulnerable party"), default=False)
    # The grade and what it sets live in DisputeGrade, read and written through the properties
    # of the same names below (GRADE_FIELDS).
    # Routing and mediation.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mediation organisation"),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mediator"),
    )
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices, blank=True)
    next_channel = models.CharField(
        _("next channel"), max_length=14, choices=NextChannel.choices, blank=True
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects: models.Manager[Dispute] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Dispute] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-received_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [
            # The numbers of a county or a town, and the first and last days of a period, read
            # the disputes by area and time. No index holds a column the batch re-grade writes
            # (colour, reasons, level, deadline, escalations): with the table's fillfactor
            # (migration 0004) its updates are HOT, touching no index.
            models.Index(fields=["region", "received_at"], name="disputes_area_time_2"),
            models.Index(fields=["organisation", "received_at"], name="disputes_org_time"),
            models.Index(fields=["source", "source_ref"], name="disputes_source_ref"),
        ]

    def __str__(self) -> str:
        return self.number

    # The grade, read and written on the dispute's DisputeGrade row.
    colour = _grade_field("colour")
    colour_reasons = _grade_field("colour_reasons")
    level = _grade_field("level")
    due_at = _grade_field("due_at")
    follow_up_days = _grade_field("follow_up_days")
    follow_ups_required = _grade_field("follow_ups_required")
    escalations = _grade_field("escalations")

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the dispute and its grade row (only the fields named, with `update_fields`),
        and move the dispute's contribution to the counts (DisputeCount) in the same
        transaction when a counted fact may have changed."""
        from civicgrid.disputes import counts

        fields = kwargs.get("update_fields")
        grade_fields: set[str] | None = None
        if fields is not None:
            grade_fields = set(fields) & GRADE_FIELDS
            kwargs["update_fields"] = [f for f in fields if f not in GRADE_FIELDS]
        counted = fields is None or bool(set(fields) & counts.COUNTED_NAMES)
        before = counts.stored_facts(self.pk) if counted and self.pk and not kwargs.get("force_insert") else None  # fmt: skip
        grade = self.current_grade
        if fields is None or kwargs["update_fields"]:
            super().save(*args, **kwargs)
        grade.dispute = self  # the id, when the dispute was new
        if grade_fields is None:
            grade.save(force_insert=grade._state.adding)
        elif grade_fields:
            grade.save(update_fields=sorted(grade_fields))
        if counted:
            counts.changed(self, before)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from civicgrid.disputes import counts

        before = counts.stored_facts(self.pk)
        result = super().delete(*args, **kwargs)
        if before:
            counts.add(counts.difference([before], []))
        return result

    @property
    def current_grade(self) -> DisputeGrade:
        """The dispute's grade row (select_related("grade") reads it with the dispute); a new
        dispute gets an unsaved one, saved with the dispute."""
        try:
            return self.grade  # type: ignore[no-any-return]
        except DisputeGrade.DoesNotExist:
            row = DisputeGrade(dispute=self)  # also puts it in self.grade
            return row

    def get_colour_display(self) -> str:
        return str(self.current_grade.get_colour_display())

    def get_level_display(self) -> str:
        return str(self.current_grade.get_level_display())

    @property
    def state(self) -> str:
        return self.flow.state


class DisputeGrade(models.Model):
    """A dispute's current grade and what it sets, in a narrow table of its own (the dispute's id
    as key, one index, fillfactor 70 on PostgreSQL): a batch re-grade after a rule change
    rewrites a quarter of a million of these small rows instead of the wide disputes. Read it
    through the dispute (`dispute.colour` …); lists use select_related("grade"), queries
    `grade__colour`."""

    dispute = models.OneToOneField(
        Dispute,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="grade",
        verbose_name=_("dispute"),
    )
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    colour_reasons = models.JSONField(_("reasons of the grade"), default=list, blank=True)
    level = models.SmallIntegerField(_("handled at"), choices=Level.choices, default=0)
    due_at = models.DateTimeField(_("to be resolved by"), null=True, blank=True)
    follow_up_days = models.PositiveSmallIntegerField(_("days between follow-ups"), default=30)
    follow_ups_required = models.PositiveSmallIntegerField(_("follow-ups required"), default=1)
    escalations = models.PositiveSmallIntegerField(_("times escalated"), default=0)

    objects: models.Manager[DisputeGrade] = models.Manager()

    class Meta:
        verbose_name = _("dispute grade")
        verbose_name_plural = _("dispute grades")

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.colour}"


class Party(models.Model):
    """One party to a dispute: a person from the register, a new person, or an organisation.
    The ID number is kept whole for the agreement and shown masked everywhere else."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("applicant")
        RESPONDENT = "respondent", _("respondent")
        THIRD = "third", _("third party")

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANISATION = "organisation", _("organisation")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("dispute")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    resident = models.ForeignKey(
        "people.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    # An organisation's unified social credit code (统一社会信用代码).
    credit_code = models.CharField(_("credit code"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    claims = models.TextField(_("claims"), blank=True)
    vulnerable = models.BooleanField(_("vulnerable"), default=False)

    class Meta:
        ordering = ["dispute_id", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name


class GradeChange(AppendOnlyModel):
    """Every grade given to a dispute, with the rules that gave it and the facts it read."""

    # No database constraint, for the batch's appends (as Suggestion); Django cascades deletes.
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.CASCADE,
        related_name="grades",
        verbose_name=_("dispute"),
        db_constraint=False,
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    from_colour = models.CharField(_("from"), max_length=8, blank=True)
    to_colour = models.CharField(_("to"), max_length=8)
    # [{"code": "people_10", "colour": "orange", "label": "…"}]
    reasons = models.JSONField(_("reasons"), default=list)
    facts = models.JSONField(_("facts"), default=dict)
    cause = models.CharField(_("cause"), max_length=200, blank=True)
    rule_set = models.ForeignKey(
        RuleSet, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("rules")
    )
    by_label = models.CharField(_("who"), max_length=150, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")

    def __str__(self) -> str:
        return f"{self.from_colour or '-'} → {self.to_colour}"


class Session(models.Model):
    """A mediation session: planned (time, in person or online) and then recorded."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("dispute")
    )
    starts_at = models.DateTimeField(_("starts"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    place = models.CharField(_("place or meeting link"), max_length=200)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mediator"),
    )
    record = models.TextField(_("record"), blank=True)
    attendees = models.CharField(_("attendees"), max_length=300, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.dispute} {self.starts_at:%Y-%m-%d %H:%M}"


class Agreement(models.Model):
    """The people's mediation agreement (人民调解协议书) and its judicial confirmation."""

    class Confirmation(models.TextChoices):
        NONE = "", _("not applied for")
        APPLIED = "applied", _("applied to the court")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")

    dispute = models.OneToOneField(
        Dispute, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("dispute")
    )
    disputed_issues = models.TextField(_("facts and disputed issues"))
    content = models.TextField(_("content of the agreement"))
    performance_method = models.TextField(_("method of performance"))
    performance_deadline = models.DateField(_("perform by"))
    effective_on = models.DateField(_("takes effect on"))
    partial = models.BooleanField(_("partial agreement"), default=False)
    confirmation = models.CharField(
        _("judicial confirmation"), max_length=10, choices=Confirmation.choices, blank=True
    )
    court = models.CharField(_("court"), max_length=100, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self) -> str:
        return f"{self.dispute} {self.effective_on}"


class FollowUp(models.Model):
    """A follow-up visit (回访) on the performance of the agreement: due, then done."""

    class Performance(models.TextChoices):
        PERFORMED = "performed", _("performed")
        IN_PROGRESS = "in_progress", _("being performed")
        FAILED = "failed", _("not performed")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("dispute")
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("visited by"),
    )
    performance = models.CharField(
        _("performance"), max_length=12, choices=Performance.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return f"{self.dispute} {self.due_on}"


class Attachment(models.Model):
    """A file given with a dispute (evidence, a court's referral letter), checked by content."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("dispute")
    )
    name = models.CharField(_("name"), max_length=120)
    file = models.CharField(_("stored file"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class DocumentTemplate(models.Model):
    """A staff-edited DOCX template replacing the shipped one of its kind (Jinja placeholders:
    see docs/users.md, "Disputes")."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("people's mediation agreement")
        APPLICATION = "application", _("mediation application")
        RECORD = "record", _("mediation record")

    kind = models.CharField(_("document"), max_length=12, choices=Kind.choices, unique=True)
    content = models.BinaryField(_("DOCX file"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class Suggestion(models.Model):
    """The organisation the last batch suggested for a dispute waiting to be routed (the desk
    decides; the case page also ranks every candidate live)."""

    # No database constraints: the batch replaces hundreds of thousands of these at once, and a
    # per-row foreign-key check would cost more than the rows (Django still cascades deletes).
    dispute = models.OneToOneField(
        Dispute,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="suggestion",
        db_constraint=False,
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("routing suggestion")
        verbose_name_plural = _("routing suggestions")

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.organisation_id}"


class DisputeCount(models.Model):
    """Disputes received in a month in an area (a region code cut to `grain` digits), of one
    type and colour, and what became of them; kept by `disputes.counts`, read by the numbers."""

    grain = models.PositiveSmallIntegerField()
    area = models.CharField(max_length=18)
    month = models.DateField()
    dispute_type = models.CharField(max_length=20)
    colour = models.CharField(max_length=8)
    received = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    # Intake to agreement, summed over the resolved.
    took = models.DurationField(default=timedelta(0))
    repeats = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    red = models.IntegerField(default=0)

    objects: models.Manager[DisputeCount] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "area", "month", "dispute_type", "colour"],
                name="disputes_count_key",
            )
        ]
        verbose_name = _("dispute count")
        verbose_name_plural = _("dispute counts")

    def __str__(self) -> str:
        return f"{self.area} {self.month:%Y-%m} {self.dispute_type} {self.colour}: {self.received}"
