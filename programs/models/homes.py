"""Safe homes and the stays of the people who live in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.concurrency import version_field
from portal.fields import EncryptedTextField
from portal.scopes import Scope

User = settings.AUTH_USER_MODEL


class SafeHome(models.Model):
    """A house where people can stay. No address is stored on purpose: homes must stay safe."""

    name = models.CharField(_("name"), max_length=100)
    location = models.ForeignKey(
        "portal.Location",
        on_delete=models.PROTECT,
        related_name="safe_homes",
        verbose_name=_("site"),
    )
    capacity = models.PositiveSmallIntegerField(_("places"))
    active = models.BooleanField(_("active"), default=True)
    version = version_field()

    scope = Scope(site="location_id")

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="unique_home_name_per_site")
        ]
        verbose_name = _("safe home")
        verbose_name_plural = _("safe homes")

    def __str__(self) -> str:
        return self.name


class Stay(models.Model):
    """A person living in a safe home; an open stay (no check-out) means living there now."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="stays")
    home = models.ForeignKey(
        SafeHome, on_delete=models.PROTECT, related_name="stays", verbose_name=_("safe home")
    )
    check_in = models.DateField(_("check-in"), default=timezone.localdate)
    check_out = models.DateField(_("check-out"), null=True, blank=True)
    over_capacity_reason = EncryptedTextField(
        _("reason for checking in over capacity"), max_length=300, blank=True
    )
    checked_in_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checked_out_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = version_field()

    # A stay of someone transferred away stays visible to the home's site as read-only
    # history; the person's new site sees it too (`portal.scopes.Scope.person_site`).
    scope = Scope(site="home__location_id", person_site="person__location_id")

    class Meta:
        ordering = ["-check_in", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(check_out__isnull=True),
                name="one_open_stay_per_person",
            ),
            models.CheckConstraint(
                condition=Q(check_out__isnull=True) | Q(check_out__gte=F("check_in")),
                name="check_out_after_check_in",
            ),
        ]
        indexes = [
            models.Index(fields=["home"], condition=Q(check_out__isnull=True), name="open_stays")
        ]
        verbose_name = _("stay")
        verbose_name_plural = _("stays")

    def __str__(self) -> str:
        return f"stay {self.pk}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_site_id(self) -> int:
        return self.home.location_id

    @property
    def is_open(self) -> bool:
        return self.check_out is None
