"""Users, each scoped to one region node, and the organisations they work for."""

from __future__ import annotations

from datetime import datetime

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
    # The language of the last sign-in or choice in the language menu: notifications caused by
    # others are written in it (empty: LANGUAGE_CODE).
    language = models.CharField(_("language"), max_length=10, blank=True)
    password_changed_at = models.DateTimeField(default=timezone.now)

    # The area of a temporary grant this request works in (AreaGrant, set per request by the
    # scope middleware); None: the user's own area. Not stored: it lives in the session.
    acting_region: str | None = None

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
        """The area this user's reads and writes are bound to: their own, or the area of the
        temporary grant they have taken up for this session."""
        return self.acting_region or self.region_id or ""

    def can(self, capability: str) -> bool:
        return self.is_active and role_can(self.role, capability)


class AreaGrant(models.Model):
    """Temporary access to another area (SECURITY.md: cross-area administrative access is
    explicit, time-limited and logged).

    A security administrator grants it, with a reason and an end; the user takes it up for their
    session and then works in that area instead of their own until it ends, is revoked or they
    leave it. Every request made under it is audit-logged.
    """

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="area_grants", verbose_name=_("user")
    )
    region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("ends at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("area access grant")
        verbose_name_plural = _("area access grants")
        indexes = [models.Index(fields=["user", "expires_at"], name="areagrant_user_expires")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="areagrant_ends_after_start",
            ),
            # Nobody grants themselves another area.
            models.CheckConstraint(
                condition=~models.Q(user=models.F("granted_by")), name="areagrant_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.region_id}"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.granted_at <= now < self.expires_at
