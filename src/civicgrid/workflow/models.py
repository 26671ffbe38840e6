"""The case engine's tables: one narrow Flow row per case, and its append-only timeline."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicgrid.core.models import AppendOnlyModel


class Flow(models.Model):  # type: ignore[django-manager-missing]
    """Where one case of any domain stands: state, version, and its current stage's deadline.

    Kept narrow on purpose: the deadline sweep reads and updates only this table, through the
    (overdue, due_at) and (overdue, due_soon_at) indexes. Terminal states carry no deadline.
    """

    workflow = models.CharField(_("workflow"), max_length=40)
    state = models.CharField(_("state"), max_length=40)
    # Bumped by every change an operator makes; writers say which version they saw.
    version = models.PositiveIntegerField(_("version"), default=1)
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, verbose_name=_("area")
    )
    category = models.CharField(_("category"), max_length=40, blank=True, default="")
    priority = models.SmallIntegerField(_("priority"), default=0)
    stage_started_at = models.DateTimeField(_("stage started"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    due_soon_at = models.DateTimeField(_("due soon from"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    # The domain object (incident, dispute, application ...); optional so the engine stands alone.
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # NULL, not "", so that flows without a subject never clash in the unique constraint.
    object_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    subject = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: models.Manager[Flow] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Flow] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-created_at", "-id"]
        verbose_name = _("case flow")
        verbose_name_plural = _("case flows")
        indexes = [
            models.Index(fields=["overdue", "due_at"], name="workflow_flow_overdue_due"),
            models.Index(fields=["overdue", "due_soon_at"], name="workflow_flow_overdue_soon"),
            models.Index(fields=["workflow", "state"], name="workflow_flow_state"),
        ]
        constraints = [
            # NULLs are distinct on SQLite and PostgreSQL alike: flows without a subject pass.
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="workflow_flow_one_per_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow}#{self.pk} {self.state} v{self.version}"


class TimelineEntry(AppendOnlyModel):
    """One thing that happened to a case: who, when, from where, and what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        TRANSITION = "transition", _("transition")
        ASSIGNMENT = "assignment", _("assignment")
        COMMENT = "comment", _("comment")
        ATTACHMENT = "attachment", _("attachment")
        DEADLINE = "deadline", _("deadline change")
        # A domain action that is not a transition (escalation, merge, evaluation ...).
        EVENT = "event", _("case event")

    flow = models.ForeignKey(
        Flow, on_delete=models.PROTECT, related_name="timeline", verbose_name=_("case flow")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as text too, so the entry still says who it was if the account goes.
    actor_label = models.CharField(_("who"), max_length=150, blank=True)
    source_ip = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    transition = models.CharField(_("transition"), max_length=40, blank=True)
    from_state = models.CharField(_("from state"), max_length=40, blank=True)
    to_state = models.CharField(_("to state"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.kind} {self.transition}"
