"""Users, each scoped to one region node, and the organisations they work for."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicgrid.accounts.roles import Role, role_can


class Organisation(models.Model):
    """A department (职能部门), a mediation organisation or a service company, in one region."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("government department")
        MEDIATION = "mediation", _("mediation organisation")
        ENTERPRISE = "enterprise", _("public service company")
        OTHER = "other", _("other organisation")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The sector it answers for (供电, 城管, 住建, 民政 …), used for routing work later.
    sector = models.CharField(_("sector"), max_length=40, blank=True)
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, verbose_name=_("region")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects: models.Manager[Organisation] = ScopedManager(region="region__code__startswith")
    all_objects: models.Manager[Organisation] = models.Manager()

    class Meta:
        ordering = ["region_id", "name"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="organisation_unique_name"),
        ]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Everything they may see is found below `region` by code prefix."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        null=True,  # only for the bootstrap superuser; every service requires a region
        blank=False,
        related_name="+",
        verbose_name=_("region"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("organisation"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_demo = models.BooleanField(_("demo account"), default=False)
    password_changed_at = models.DateTimeField(default=timezone.now)

    REQUIRED_FIELDS = ["email", "role", "region"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Separation of duties: superuser status never rides on another role (such as the
            # security or audit administrator's), so no account holds two of the three duties.
            models.CheckConstraint(
                condition=models.Q(is_superuser=False) | models.Q(role=Role.ADMIN),
                name="user_superuser_only_system_admin",
            ),
        ]

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        # The clock of the periodic change (PASSWORD_MAX_AGE_DAYS) restarts with every new one.
        self.password_changed_at = timezone.now()

    @property
    def region_code(self) -> str:
        return self.region_id or ""

    def can(self, capability: str) -> bool:
        return self.is_active and role_can(self.role, capability)
