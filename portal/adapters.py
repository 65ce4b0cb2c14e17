from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.db import router
from django.db.models import QuerySet
from django.shortcuts import render

from portal import auditing, crypto
from portal.statements import fetch_all, kept_statement


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are created only by an admin's invitation.
        return False

    def pre_login(self, request, user, **kwargs):
        # Every way in (password, passkey, a code by e-mail) passes here: a locked user is
        # refused until an admin unlocks them (lockdown, issue 20).
        if getattr(user, "locked_at", None) is not None:
            clear_login(request)
            auditing.record(
                auditing.Action.LOGIN_FAILED, obj=user, changes={"locked": [None, True]}
            )
            # 200, as allauth answers for an inactive account: the page says it.
            return render(request, "account/account_locked.html")
        return super().pre_login(request, user, **kwargs)


class MfaAdapter(DefaultMFAAdapter):
    """Keeps TOTP secrets encrypted at rest with the field-encryption keys, and asks whether a
    user has a second factor with a kept statement."""

    def is_mfa_enabled(self, user, types=None) -> bool:
        """allauth's answer (an authenticator of the user, of one of `types` if given), asked
        on every page by `MfaRequiredMiddleware`: read each time, its statement built once per
        user (`portal.statements`)."""
        if user.is_anonymous:
            return False
        kinds = None if types is None else tuple(sorted(types))
        alias = router.db_for_read(Authenticator)
        return bool(fetch_all(_authenticator_statement(alias, user.pk, kinds)))

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)


@kept_statement
def _authenticator_statement(alias: str, user_id: int, types: tuple | None) -> QuerySet:
    authenticators = Authenticator.objects.using(alias).filter(user_id=user_id)
    if types is not None:
        authenticators = authenticators.filter(type__in=types)
    return authenticators.values_list("pk")[:1]
