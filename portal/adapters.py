from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.mfa.adapter import DefaultMFAAdapter
from django.shortcuts import render

from portal import auditing, crypto


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
    """Keeps TOTP secrets encrypted at rest with the field-encryption keys."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)
