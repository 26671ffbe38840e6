"""Incidents and what hangs off them: categories, photos, whistles and departments summoned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class Priority(models.IntegerChoices):
    NORMAL = 0, _("normal")
    URGENT = 1, _("urgent")
    EMERGENCY = 2, _("emergency")


class Category(models.Model):  # type: ignore[django-manager-missing]
    """One class (大类, two digits) or subclass (小类, four digits) of incidents and components.

    Only subclasses are reported against; a class groups them. Stage hours left empty fall
    back to the default loop for the priority (24 hours in all for a normal case).
    """

    class Kind(models.TextChoices):
        EVENT = "event", _("incident (事件)")
        COMPONENT = "component", _("component (部件)")

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("class"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EVENT)
    # Which department answers by default, matched to Organisation.sector (城管, 供电 …).
    sector = models.CharField(_("responsible sector"), max_length=40, blank=True)
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices, default=0)
    register_hours = models.FloatField(_("hours to register"), null=True, blank=True)
    dispatch_hours = models.FloatField(_("hours to dispatch"), null=True, blank=True)
    accept_hours = models.FloatField(_("hours to accept"), null=True, blank=True)
    handle_hours = models.FloatField(_("hours to handle"), null=True, blank=True)
    verify_hours = models.FloatField(_("hours to verify"), null=True, blank=True)
    photo_required = models.BooleanField(_("photo required"), default=False)
    # Open311 GeoReport v2: offered to outside clients when set; attributes as the spec defines.
    open311_enabled = models.BooleanField(_("offered through Open311"), default=False)
    open311_group = models.CharField(_("Open311 group"), max_length=60, blank=True)
    open311_keywords = models.CharField(_("Open311 keywords"), max_length=200, blank=True)
    open311_attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_subclass(self) -> bool:
        return self.parent_id is not None


class Incident(models.Model):  # type: ignore[django-manager-missing]
    """One reported incident and the closed loop it runs through (state lives in its Flow)."""

    class Source(models.TextChoices):
        GRID_WORKER = "grid_worker", _("grid worker")
        CITIZEN = "citizen", _("citizen")
        HOTLINE = "hotline", _("hotline")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")

    class Level(models.IntegerChoices):
        COMMUNITY = 0, _("community")
        TOWN = 1, _("town")
        COUNTY = 2, _("county")

    class HandlerKind(models.TextChoices):
        WORKER = "worker", _("grid worker")
        COMMUNITY = "community", _("community")
        DEPARTMENT = "department", _("department")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        BASIC = "basic", _("basically satisfied")
        UNSATISFIED = "unsatisfied", _("unsatisfied")

    number = models.CharField(_("case number"), max_length=16, unique=True)
    flow = models.OneToOneField(
        "workflow.Flow", on_delete=models.PROTECT, related_name="incident", verbose_name=_("flow")
    )
    category = models.ForeignKey(
        Category, to_field="code", on_delete=models.PROTECT, verbose_name=_("category")
    )
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices, default=0)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    # The micro-grid found by locate, or the town/county centre when the place is unknown.
    region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    location_confirmed = models.BooleanField(_("location confirmed"), default=True)
    # The command desk that must dispatch now: the community, or above it after escalation.
    desk = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("desk"),
    )
    level = models.SmallIntegerField(_("level"), choices=Level.choices, default=Level.COMMUNITY)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reporter"),
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    # Lets a citizen follow the case with its number and this phone; shown masked.
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    # The grid worker responsible for the micro-grid where it happened (from locate).
    responsible_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible grid worker"),
    )
    handler_kind = models.CharField(
        _("handled by"), max_length=12, choices=HandlerKind.choices, blank=True
    )
    handler_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handling grid worker"),
    )
    handler_org = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handling department"),
    )
    handler_region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handling community"),
    )
    supervised = models.BooleanField(_("supervised"), default=False)
    supervision_note = models.CharField(_("supervision note"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    rework_count = models.PositiveSmallIntegerField(_("times sent back"), default=0)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    evaluation_comment = models.CharField(_("evaluation comment"), max_length=500, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    # Offline sync: the phone's key for this report and a digest of what it sent.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    client_digest = models.CharField(max_length=64, blank=True)
    open311_attributes = models.JSONField(_("Open311 attributes"), default=dict, blank=True)
    # A link an Open311 client gave to its own copy of a photo: shown as given, never fetched.
    media_url = models.URLField(_("media link"), max_length=500, blank=True)
    # The stage (by its start) the deadline job last warned about / acted on as overdue, so it
    # warns and escalates once per stage however often it runs.
    warned_for_stage = models.DateTimeField(null=True, blank=True)
    overdue_for_stage = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects: models.Manager[Incident] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Incident] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-reported_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["region", "reported_at"], name="events_incident_area_time"),
            models.Index(fields=["category", "reported_at"], name="events_incident_cat_time"),
            models.Index(fields=["lat", "lng"], name="events_incident_point"),
            models.Index(fields=["desk"], name="events_incident_desk"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def state(self) -> str:
        return self.flow.state

    @property
    def handler_label(self) -> str:
        if self.handler_kind == self.HandlerKind.WORKER and self.handler_user is not None:
            return self.handler_user.get_full_name() or self.handler_user.get_username()
        if self.handler_kind == self.HandlerKind.DEPARTMENT and self.handler_org is not None:
            return self.handler_org.name
        if self.handler_kind == self.HandlerKind.COMMUNITY and self.handler_region is not None:
            return self.handler_region.name
        return ""


class Photo(models.Model):
    """A cleaned photo of an incident, taken when it was reported or when it was handled."""

    class Stage(models.TextChoices):
        REPORT = "report", _("report")
        FEEDBACK = "feedback", _("handling feedback")

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="photos", verbose_name=_("incident")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    file = models.CharField(_("stored file"), max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.file


class Whistle(models.Model):
    """A whistle (吹哨): the case went up a level, and departments may be summoned to it."""

    class Reason(models.TextChoices):
        BEYOND_POWER = "beyond_power", _("beyond the community's power")
        OVERDUE = "overdue", _("deadline passed")
        OPERATOR = "operator", _("raised by an operator")

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="whistles", verbose_name=_("incident")
    )
    level = models.SmallIntegerField(_("level"), choices=Incident.Level.choices)
    desk = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=14, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    raised_by = models.CharField(_("raised by"), max_length=150)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")

    def __str__(self) -> str:
        return f"{self.incident} ↑{self.level}"


class Summons(models.Model):
    """A department called to a whistle, which must report for duty (报到) by its deadline."""

    whistle = models.ForeignKey(
        Whistle, on_delete=models.PROTECT, related_name="summonses", verbose_name=_("whistle")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    due_at = models.DateTimeField(_("report for duty by"))
    acknowledged_at = models.DateTimeField(_("reported for duty"), null=True, blank=True)
    acknowledged_by = models.CharField(_("reported by"), max_length=150, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("summons")
        verbose_name_plural = _("summonses")
        constraints = [
            models.UniqueConstraint(
                fields=["whistle", "organisation"], name="events_summons_once_per_whistle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.whistle} → {self.organisation}"


class FieldPosition(models.Model):
    """A grid worker's last known position, from their reports (or a check-in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="field_position"
    )
    lng = models.FloatField()
    lat = models.FloatField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("field position")
        verbose_name_plural = _("field positions")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.lat:.5f},{self.lng:.5f}"


class Open311Client(models.Model):
    """An outside application that may submit Open311 requests for one jurisdiction."""

    name = models.CharField(_("name"), max_length=100)
    # Only the SHA-256 of the key is kept, so a copy of the database holds no working key. Keys
    # are 256 random bits: a plain digest is enough, a slow password hash would add nothing.
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    # A county or city: the requests this client sends must lie inside it.
    jurisdiction = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.jurisdiction_id})"
