from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.concurrency import version_field
from portal.roles import Role
from portal.scopes import Scope
from portal.zone_names import default_site_zone, validate_time_zone


class Location(models.Model):
    """A site where the organisation works (e.g. Mae Sot on the Thai border, New Delhi)."""

    class Kind(models.TextChoices):
        BORDER = "border", _("Border")
        NEW_DELHI = "new_delhi", _("New Delhi")
        OTHER = "other", _("Other")

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        allow_unicode=False,
        help_text=_("Short upper-case code, e.g. MAE-SOT."),
    )
    case_prefix = models.CharField(
        _("case number prefix"),
        max_length=4,
        unique=True,
        help_text=_("Two to four capital letters that start this site's case numbers, e.g. MS."),
        validators=[RegexValidator(r"^[A-Z]{2,4}$", _("Use two to four capital letters."))],
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    country = models.CharField(_("country"), max_length=64)
    active = models.BooleanField(_("active"), default=True)
    # Issue 22: the site's clock for session days and times, "today" and local times shown.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_site_zone,
        validators=[validate_time_zone],
        help_text=_("The IANA name of the site's time zone, e.g. Asia/Bangkok."),
    )
    version = version_field()
    # Lockdown (issue 20): set while the site is locked (`portal.services.lock_site`).
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True, editable=False)

    # Case workers and trainers see their assigned sites; analysts see site names for
    # statistics filters; admins see all.
    scope = Scope(
        site="pk",
        site_roles=frozenset({Role.CASE_WORKER, Role.TRAINER}),
        open_to_roles=frozenset({Role.ANALYST}),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.code = self.code.upper()
        super().save(*args, **kwargs)
