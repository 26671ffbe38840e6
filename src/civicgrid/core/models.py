"""Shared tables: the append-only audit log, when each periodic job runs next, live workers."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Audit records are never changed or removed by the application."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be deleted")


class AppendOnlyModel(models.Model):
    """Rows are added, never changed or removed by the application (records, timelines)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} cannot be deleted")


class AuditEntry(AppendOnlyModel):
    class Outcome(models.TextChoices):
        OK = "ok", _("succeeded")
        DENIED = "denied", _("denied")
        FAILED = "failed", _("failed")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as text too, so the record still says who it was if the account goes.
    actor_username = models.CharField(_("who"), max_length=150, blank=True)
    source_ip = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region_code = models.CharField(_("region code"), max_length=24, blank=True, db_index=True)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.OK
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"


class PeriodicRun(models.Model):
    """When a periodic job is next due. Every scheduler claims a run with one compare-and-set
    UPDATE on this row, so several workers together enqueue each job once per interval."""

    name = models.CharField(_("job"), max_length=60, unique=True)
    next_run_at = models.DateTimeField(_("next run"))
    # The interval the next run was planned with: a shorter one configured since takes over
    # at once instead of after the old interval.
    every_seconds = models.PositiveIntegerField(_("every (seconds)"), default=0)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    # Which worker enqueued the last run (host and process), for operators.
    last_claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)

    objects: models.Manager[PeriodicRun] = models.Manager()

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name


class WorkerBeat(models.Model):
    """A running `civicgrid worker` and when it last showed it is alive (database clock).

    A task left "running" by a worker whose beat is older than WORKER_LEASE goes back to the
    queue (core.workers): SIGKILL, a crash or a machine that went away leave no other trace.
    """

    # The id the worker claims tasks with (django-tasks-db keeps it in `worker_ids`).
    worker_id = models.CharField(_("background worker"), max_length=64, unique=True)
    host = models.CharField(_("host"), max_length=100, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    objects: models.Manager[WorkerBeat] = models.Manager()

    class Meta:
        verbose_name = _("background worker")
        verbose_name_plural = _("background workers")

    def __str__(self) -> str:
        return self.worker_id
