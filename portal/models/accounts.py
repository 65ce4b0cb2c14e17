from __future__ import annotations

import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.concurrency import version_field
from portal.roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """A member of staff. Signs in with an e-mail address; never signs up on their own."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.ANALYST)
    # Moved on by each change of the user's name, role, sites or active flag on the users
    # screen (`portal.services.update_user`): two admins editing one user cannot both win.
    version = version_field()
    # Lockdown (issue 20): a locked user cannot sign in and has no session or API token; set
    # and cleared by `portal.services.lock_user`/`lock_site` only. `locked_site` says the lock
    # came with a site's (lifted with it).
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True, editable=False)
    locked_site = models.ForeignKey(
        "portal.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_short_name()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.short_name_of(self.full_name, self.email)

    @staticmethod
    def short_name_of(full_name: str, email: str) -> str:
        """How a user is named on screens (their name, else their e-mail): also for a user
        read as values (`people.list_rows`)."""
        return full_name or email


class Device(models.Model):
    """A browser a user signed in from, known by a random cookie (only its hash is kept).
    After a lockdown, the device's next request is answered with the signal to erase what
    the portal left on it (`portal.middleware.DeviceWipeMiddleware`)."""

    key_hash = models.CharField(max_length=64, db_index=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    registered_at = models.DateTimeField(default=timezone.now)
    wipe_requested_at = models.DateTimeField(null=True, blank=True)
    wipe_signalled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_hash", "user"], name="one_device_row_per_user")
        ]
        verbose_name = _("device")

    def __str__(self) -> str:
        return f"device {self.pk}"


class SiteAssignment(models.Model):
    """Gives a user access to one site, until `ends_on` (inclusive) when it is set."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="site_assignments")
    location = models.ForeignKey(
        "portal.Location", on_delete=models.PROTECT, related_name="assignments"
    )
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "location"], name="unique_site_assignment")
        ]
        verbose_name = _("site assignment")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.location_id}"

    @classmethod
    def active_q(cls, today: date | None = None) -> Q:
        """Assignments that have not ended by `today` (the local date by default)."""
        return Q(ends_on__isnull=True) | Q(ends_on__gte=today or timezone.localdate())


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def find_open(self, token: str) -> Invitation | None:
        """The unused, unexpired invitation for a token from an e-mail link, if any."""
        return (
            self.select_related("user")
            .filter(
                token_hash=_hash_token(token),
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )


class Invitation(models.Model):
    """A one-time set-password link sent by an admin; only a hash of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="invitations_sent", null=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.pk}"

    @classmethod
    def issue(cls, user: User, invited_by: User | None) -> tuple[Invitation, str]:
        """Create an invitation and return it with the clear token (sent once, by e-mail)."""
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        invitation = cls.objects.create(
            user=user,
            invited_by=invited_by,
            token_hash=_hash_token(token),
            created_at=now,
            expires_at=now + settings.INVITATION_VALID_FOR,
        )
        return invitation, token


class Pledge(models.Model):
    """The organisation's data-protection pledge; the newest version must be accepted."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("data-protection pledge")

    def __str__(self) -> str:
        return f"Pledge v{self.version}"

    @classmethod
    def current(cls) -> Pledge | None:
        return cls.objects.order_by("-version").first()


class PledgeAcceptance(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pledge_acceptances")
    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "pledge"], name="unique_pledge_acceptance")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted v{self.pledge_id}"
