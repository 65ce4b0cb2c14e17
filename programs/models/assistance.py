"""Material assistance: types of assistance and distributions to people."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.concurrency import version_field
from portal.scopes import Scope
from programs.models.training import REFERENCE_DATA
from programs.naming import in_active_language

User = settings.AUTH_USER_MODEL


class Currency(models.TextChoices):
    THB = "THB", _("Thai baht (THB)")
    INR = "INR", _("Indian rupee (INR)")
    USD = "USD", _("US dollar (USD)")


class AssistanceType(models.Model):
    """A kind of assistance and its unit; cash is counted in a currency."""

    class Kind(models.TextChoices):
        FOOD = "food", _("Food")
        HYGIENE = "hygiene", _("Hygiene")
        CLOTHING = "clothing", _("Clothing")
        HOUSEHOLD = "household", _("Household items")
        MEDICAL = "medical", _("Medical support")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_my = models.CharField(
        _("name in Burmese"),
        max_length=100,
        blank=True,
        help_text=_("Shown on Burmese pages; the English name is shown when empty."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    unit = models.CharField(
        _("unit"),
        max_length=30,
        blank=True,
        help_text=_("What one counts, e.g. basket, kit, set. For cash, leave empty."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    repeat_warning_days = models.PositiveSmallIntegerField(
        _("warn of a repeat within (days)"),
        default=30,
        help_text=_(
            "Warn before giving this to someone who received it within this many days. "
            "0 for no warning."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    version = version_field()

    scope = REFERENCE_DATA

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="cash") & ~Q(currency="")) | (~Q(kind="cash") & Q(currency="")),
                name="currency_for_cash_only",
            )
        ]
        verbose_name = _("assistance type")
        verbose_name_plural = _("assistance types")

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the page's language (Burmese when given, else English)."""
        return in_active_language(self.name, self.name_my)

    def clean(self) -> None:
        if self.kind == self.Kind.CASH and not self.currency:
            raise ValidationError({"currency": _("Cash needs a currency.")})
        if self.kind != self.Kind.CASH and self.currency:
            raise ValidationError({"currency": _("Only cash has a currency.")})

    @property
    def unit_label(self) -> str:
        return self.currency if self.kind == self.Kind.CASH else self.unit

    @property
    def choice_label(self) -> str:
        """The name with its unit, unless the name says it already ("Cash (INR)")."""
        unit, name = self.unit_label, self.localized_name
        return f"{name} ({unit})" if unit and unit not in name else name


class Distribution(models.Model):
    """Assistance given to one person on one day, optionally with a partner organisation."""

    distributed_on = models.DateField(_("date"), default=timezone.localdate)
    location = models.ForeignKey(
        "portal.Location",
        on_delete=models.PROTECT,
        related_name="distributions",
        verbose_name=_("site"),
    )
    assistance_type = models.ForeignKey(
        AssistanceType,
        on_delete=models.PROTECT,
        related_name="distributions",
        verbose_name=_("assistance"),
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="distributions",
        verbose_name=_("recipient"),
        # Looked up by the index `distribution_by_person`, which begins with the person.
        db_index=False,
    )
    partner = models.ForeignKey(
        "people.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distributions",
        verbose_name=_("partner organisation"),
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set when someone gave this despite a repeat-assistance warning.
    repeat_acknowledged = models.BooleanField(default=False, editable=False)
    received_confirmed_at = models.DateTimeField(_("receipt confirmed at"), null=True, blank=True)
    received_confirmed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt confirmed by"),
    )
    version = version_field()

    # A site keeps what it gave someone transferred away as read-only history; the person's
    # new site sees it too (`portal.scopes.Scope.person_site`).
    scope = Scope(site="location_id", person_site="person__location_id")

    class Meta:
        ordering = ["-distributed_on", "-id"]
        indexes = [
            # A person's distributions of a type by date (the repeat warning), and every
            # distribution in person order with what a report groups by: the report reads its
            # period's distributions from this index alone, person after person, and counts
            # the distinct people of each group without sorting them (at a million people
            # 10.3 -> 2.0 s over 5M distributions; `reports.compute_programs.assistance`).
            models.Index(
                fields=["person", "assistance_type", "distributed_on"],
                include=["location", "partner", "quantity"],
                name="distribution_by_person",
            ),
            models.Index(fields=["location", "-distributed_on"]),
            # The list's order: its latest 200 are read in index order instead of sorting
            # every distribution of the user's sites (docs/performance.md).
            models.Index(fields=["-distributed_on", "-id"], name="distribution_list_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="distribution_quantity")
        ]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")

    def __str__(self) -> str:
        return f"distribution {self.pk}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_site_id(self) -> int:
        return self.location_id

    @property
    def receipt_confirmed(self) -> bool:
        return self.received_confirmed_at is not None
