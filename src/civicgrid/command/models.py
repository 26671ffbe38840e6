"""The command centre's tables: rollups of the incident loop, and the assessment's weights."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.command.facts import COUNTERS, SECONDS


def _counter(name: str) -> models.Field[Any, Any]:
    if name in SECONDS:
        return models.BigIntegerField(default=0)
    return models.IntegerField(default=0)


class Rollup(models.Model):
    """Sums of the loop's counters for one day (or month), one area and one breakdown.

    Each change of a case adds its difference to a handful of rows (docs/indicators.md):
    cube `a` (the area alone), `c` (by category), `o` (by handling organisation) at the town,
    county and community grain, and `w` (by grid worker) at the community grain; each as a day
    row and a month row. Area codes are cut (or padded with zeros) to the grain's length, so a
    query for any area reads a contiguous range of one grain. Not region-scoped by manager:
    every read goes through civicgrid.command.indicators, which takes the caller's area.
    """

    class Span(models.TextChoices):
        DAY = "d", _("day")
        MONTH = "m", _("month")

    cube = models.CharField(max_length=1)
    grain = models.PositiveSmallIntegerField()
    span = models.CharField(max_length=1, choices=Span.choices)
    # The day, or the first day of the month for a month row (Beijing dates).
    day = models.DateField()
    area = models.CharField(max_length=12)
    category = models.CharField(max_length=8, default="")
    org = models.IntegerField(default=0)
    worker = models.IntegerField(default=0)
    reports = _counter("reports")
    registered = _counter("registered")
    rejected = _counter("rejected")
    merged = _counter("merged")
    escalated = _counter("escalated")
    dispatched = _counter("dispatched")
    dispatched_on_time = _counter("dispatched_on_time")
    returned = _counter("returned")
    handled = _counter("handled")
    handled_on_time = _counter("handled_on_time")
    handle_seconds = _counter("handle_seconds")
    reworked = _counter("reworked")
    closed = _counter("closed")
    closed_on_time = _counter("closed_on_time")
    close_seconds = _counter("close_seconds")
    closed_town = _counter("closed_town")
    closed_county = _counter("closed_county")
    late = _counter("late")
    evaluated = _counter("evaluated")
    satisfied = _counter("satisfied")
    basic = _counter("basic")

    objects: models.Manager[Rollup] = models.Manager()

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            # Also the index every query uses: one grain, one span, an area range, a day range.
            models.UniqueConstraint(
                fields=["cube", "grain", "span", "area", "day", "category", "org", "worker"],
                name="command_rollup_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cube}{self.grain}{self.span} {self.day} {self.area}"


assert tuple(f for f in COUNTERS if not hasattr(Rollup, f)) == (), "a counter lacks its column"


class RollupChange(models.Model):
    """What one change of a case adds to the numbers, waiting to be added to the rollups.

    A change of one case writes its difference here, inside its own transaction: one row per
    day, place, category and who answered (usually one row), and no lock on any rollup row, so
    reports of one district do not queue behind each other on the district's row of the day.
    `civicgrid.command.rollups.fold` moves the waiting rows into the rollups; every read of the
    rollups folds first, so what it reads is exact.
    """

    day = models.DateField()
    region = models.CharField(max_length=18)
    category = models.CharField(max_length=8, default="")
    org = models.IntegerField(default=0)
    worker = models.IntegerField(default=0)
    # The counters in COUNTERS order, comma-separated: read back only by the fold.
    counts = models.TextField()

    objects: models.Manager[RollupChange] = models.Manager()

    class Meta:
        verbose_name = _("rollup change")
        verbose_name_plural = _("rollup changes")

    def __str__(self) -> str:
        return f"{self.day} {self.region} {self.category}"


# The indicators the composite score weighs, in the order forms and tables show them.
WEIGHTED = (
    "dispatch_rate",
    "handle_rate",
    "close_rate",
    "rework_free_rate",
    "satisfaction_rate",
)


class ScoreWeights(models.Model):
    """How an area's assessment weighs the indicators (量化考核): whole points summing to 100.

    The row of the nearest area at or above the one assessed applies; without any row, the
    COMMAND_SCORE_WEIGHTS setting does.
    """

    region = models.OneToOneField(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    dispatch_rate = models.PositiveSmallIntegerField(_("dispatched on time"), default=20)
    handle_rate = models.PositiveSmallIntegerField(_("handled on time"), default=25)
    close_rate = models.PositiveSmallIntegerField(_("closed on time"), default=25)
    rework_free_rate = models.PositiveSmallIntegerField(_("without rework"), default=10)
    satisfaction_rate = models.PositiveSmallIntegerField(_("satisfaction"), default=20)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects: models.Manager[ScoreWeights] = models.Manager()

    class Meta:
        verbose_name = _("assessment weights")
        verbose_name_plural = _("assessment weights")

    def __str__(self) -> str:
        code = getattr(self, "region_id", "")  # the FK column holds the code (to_field)
        return f"{code}: " + ", ".join(f"{getattr(self, f)}" for f in WEIGHTED)

    def as_dict(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in WEIGHTED}

    def clean(self) -> None:
        total = sum(self.as_dict().values())
        if total != 100:
            raise ValidationError(
                _("The weights must add up to 100 (they add up to %(total)d).") % {"total": total},
                code="command.bad_weights",
            )
