"""Answers to requests sent with an `Idempotency-Key`, so that a repeated request (a phone
sending again a save whose answer it never received) is answered without being applied twice.

Written in the same transaction as the change it answers; forgotten after 30 days by
`programs.tasks.forget_idempotency_keys`. Holds no personal data: the request is kept only
as a hash, and the answers of the attendance endpoint carry counts and times."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a key is remembered (the phone sends its pending saves within days).
IDEMPOTENCY_KEY_DAYS = 30


class IdempotentRequest(models.Model):
    """The first answer to (user, key): replayed for a repeat with the same request hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    # SHA-256 of the method, path and canonical JSON body: a different body under the same key
    # is refused.
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response_body = models.JSONField(_("response body"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key_per_user")
        ]
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")

    def __str__(self) -> str:
        return f"idempotent request {self.pk}"

    @classmethod
    def expired(cls, now=None) -> models.QuerySet[IdempotentRequest]:
        now = now or timezone.now()
        return cls.objects.filter(created_at__lt=now - timedelta(days=IDEMPOTENCY_KEY_DAYS))
