"""The household register: households in micro-grids, their residents, tags and change requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords


class Household(models.Model):  # type: ignore[django-manager-missing]
    """A household (户) living in one micro-grid."""

    number = models.CharField(_("household number"), max_length=24, unique=True)
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, verbose_name=_("micro-grid")
    )
    address = models.CharField(_("address"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects: models.Manager[Household] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Household] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.number} {self.address}"


class Resident(models.Model):  # type: ignore[django-manager-missing]
    """One person, one record: the ID number is unique; moving house changes the household."""

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        OTHER = "other", _("other relative")

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("registered (户籍)")
        PERMANENT = "permanent", _("permanent (常住)")
        FLOATING = "floating", _("floating (流动)")

    name = models.CharField(_("name"), max_length=50, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    # Derived from the ID number, kept as columns so age and gender can be queried.
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=11, blank=True, db_index=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("household")
    )
    relation = models.CharField(_("relation to head"), max_length=12, choices=Relation.choices)
    # The household's micro-grid, repeated here so scoped reads need no join.
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, verbose_name=_("micro-grid")
    )
    residence_type = models.CharField(_("residence"), max_length=12, choices=ResidenceType.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects: models.Manager[Resident] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Resident] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(relation="head"), name="one_head_per_household"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "birth_date"], name="resident_region_birth"),
            # A name prefix inside an area (town, community): one index range on PostgreSQL.
            models.Index(
                fields=["region", "name"],
                name="resident_region_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return self.name


class Tag(models.TextChoices):
    """What other capabilities need to know about a person. Age groups are derived, not stored."""

    LIVING_ALONE = "living_alone", _("living alone")
    DISABLED = "disabled", _("disabled")
    LOW_INCOME = "low_income", _("low income")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("child in difficulty")
    UNEMPLOYED = "unemployed", _("unemployed")
    GRADUATE_SEEKING_WORK = "graduate_seeking_work", _("graduate seeking work")
    VETERAN = "veteran", _("veteran")
    KEY_CARE = "key_care", _("key person for care")
    # Hardship signals social assistance watches for (dynamic monitoring): a serious illness,
    # and a death recorded by the community (the record stays, for the household's history).
    SERIOUSLY_ILL = "seriously_ill", _("seriously ill")
    DECEASED = "deceased", _("deceased")


# Labels of a tag's kind: the four low-income kinds and the seven disability types.
TAG_KINDS = {
    "dibao": _("minimum living guarantee (低保)"),
    "tekun": _("extremely poor (特困)"),
    "marginal": _("marginal low income (低保边缘)"),
    "expenditure": _("rigid-expenditure hardship (支出型)"),
    "visual": _("visual"),
    "hearing": _("hearing"),
    "speech": _("speech"),
    "physical": _("physical"),
    "intellectual": _("intellectual"),
    "mental": _("mental"),
    "multiple": _("multiple"),
}


class ResidentTag(models.Model):  # type: ignore[django-manager-missing]
    """One tag of one resident, with its kind (低保/特困 …, disability type) and grade (1–4)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=24, choices=Tag.choices)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    # The resident's micro-grid again: "how many X in this town" is one index range scan.
    region_code = models.CharField(max_length=24)

    objects: models.Manager[ResidentTag] = ScopedManager(region="region_code__startswith")
    all_objects: models.Manager[ResidentTag] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="one_tag_of_a_kind"),
        ]
        # Pattern ops on PostgreSQL, so "region_code LIKE '320113002%'" is a range of this index
        # (the default collation's btree only serves equality there); SQLite ignores opclasses.
        indexes = [
            models.Index(
                fields=["tag", "region_code"],
                name="tag_region_prefix",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            )
        ]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.get_tag_display()

    @property
    def kind_label(self) -> str:
        return str(TAG_KINDS.get(self.kind, self.kind))


class ChangeRequest(models.Model):  # type: ignore[django-manager-missing]
    """A grid worker's proposed change to the register, confirmed or rejected by community staff."""

    class Kind(models.TextChoices):
        ADD_HOUSEHOLD = "add_household", _("add a household")
        ADD_RESIDENT = "add_resident", _("add a resident")
        UPDATE_RESIDENT = "update_resident", _("update a resident")
        MOVE_RESIDENT = "move_resident", _("move a resident to another household")
        SET_TAGS = "set_tags", _("set a resident's tags")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    # The micro-grid the change is about: whose staff may decide, and who may see it.
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, verbose_name=_("micro-grid")
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payload = models.JSONField(_("proposed values"), default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects: models.Manager[ChangeRequest] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[ChangeRequest] = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "region"], name="change_status_region")]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"
