"""Emergency resources: shelters, AEDs, fire points, materials depots, medical points."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class Kind(models.TextChoices):
    SHELTER = "shelter", _("emergency shelter (避难场所)")
    AED = "aed", _("AED (自动体外除颤器)")
    FIRE_STATION = "fire_station", _("fire station (消防站)")
    MICRO_FIRE_STATION = "micro_fire_station", _("micro fire station (微型消防站)")
    MATERIALS_DEPOT = "materials_depot", _("materials depot (物资仓库)")
    MEDICAL_POINT = "medical_point", _("medical point (医疗点)")


class Resource(models.Model):  # type: ignore[django-manager-missing]
    """One emergency resource at a point, placed in the micro-grid that holds the point."""

    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # How much it holds: people for a shelter, beds for a medical point, items for a depot.
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    capacity_unit = models.CharField(_("unit of capacity"), max_length=20, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    # A mobile (11 digits) or a landline (area code-number); shown masked to whom does not keep
    # the register.
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("micro-grid"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects: models.Manager[Resource] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Resource] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["region_id", "kind", "name", "id"]
        verbose_name = _("emergency resource")
        verbose_name_plural = _("emergency resources")
        indexes = [
            models.Index(fields=["lat", "lng"], name="resources_point"),
            models.Index(fields=["kind", "is_active"], name="resources_kind_active"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
