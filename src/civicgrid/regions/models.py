"""The place tree: province → city → county → town → community → grid → micro-grid."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicgrid.regions.levels import Level


# django-scopes builds its manager at run time, which the stubs plugin cannot follow.
class Region(models.Model):  # type: ignore[django-manager-missing]
    """One node of the place tree. Its code extends its parent's code (see levels.CODE_LENGTH)."""

    class Source(models.TextChoices):
        OFFICIAL = "official", _("official division")
        GENERATED = "generated", _("generated")
        IMPORTED = "imported", _("imported boundary")

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_constraint=True,
        verbose_name=_("parent"),
    )
    # WKB of a Polygon/MultiPolygon in WGS-84 (lng, lat); an ordinary column so that SQLite
    # and PostgreSQL hold the same data.
    boundary = models.BinaryField(_("boundary"), null=True, blank=True)
    boundary_is_synthetic = models.BooleanField(_("synthetic boundary"), default=True)
    centroid_lng = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.OFFICIAL)
    updated_at = models.DateTimeField(auto_now=True)

    # Guard (DESIGN.md "Scope", layer 3): reads raise unless a region scope is active.
    objects: models.Manager[Region] = ScopedManager(region="code__startswith")
    all_objects: models.Manager[Region] = models.Manager()

    class Meta:
        ordering = ["code"]
        base_manager_name = "all_objects"
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)

    def contains_code(self, code: str) -> bool:
        return code.startswith(self.code)


class LayerVersion(models.Model):
    """A counter bumped whenever boundaries change, so every process knows to rebuild its index."""

    name = models.CharField(max_length=32, primary_key=True)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
