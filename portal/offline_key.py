"""The key that keeps a phone's offline data readable only during a sign-in (issue 20).

Offline attendance (programs/static/programs/offline-store.js) encrypts the rosters and saves it
keeps in IndexedDB and Cache Storage with a random data key of the device; that key is stored
only wrapped by the *key-encryption key* (KEK) handed out here. The KEK is a random secret made
at each sign-in, kept in the session and given to the pages in a cookie that scripts can read
(the pages need it offline, without asking the server) but that is SameSite=Strict, Secure in
production and expires when the sign-in's absolute limit does. Sign-out deletes it and asks
the browser to erase the site's storage and caches (Clear-Site-Data).

The cookie carries `<secret>:<signature>`, the signature binding the secret to the user. When
the same user signs in again on the phone (the session ended by inactivity while the phone was
offline), the old cookie, if still there and signed for that user, is handed back for a few
minutes as `portal_offline_key_prev`, so that the saves not yet sent can be re-wrapped under
the new key instead of being lost. Another user never gets it.
"""

from __future__ import annotations

import base64
import secrets
import time

from django.conf import settings
from django.contrib import auth
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

KEY_COOKIE = "portal_offline_key"
PREVIOUS_COOKIE = "portal_offline_key_prev"
SESSION_KEY = "offline_key"
# Long enough for the first page after sign-in to re-wrap the data key.
PREVIOUS_COOKIE_AGE = 10 * 60
# What sign-out asks the browser to erase: its caches and storage (IndexedDB, Cache Storage,
# service workers). Not "cookies": the device cookie must stay for a later lockdown.
SIGN_OUT_CLEAR_SITE_DATA = '"cache", "storage"'

_signer = signing.Signer(salt="portal.offline_key")


def new_secret() -> str:
    """32 random bytes for AES-256, base64url without padding."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


def cookie_value(user_pk: int, secret: str) -> str:
    signature = _signer.signature(f"{user_pk}:{secret}")
    return f"{secret}:{signature}"


def secret_for_user(value: str | None, user_pk: int) -> str | None:
    """The secret of a KEK cookie when it was signed for `user_pk`, else None."""
    if not value or value.count(":") != 1:
        return None
    secret, _signature = value.split(":")
    if not secrets.compare_digest(cookie_value(user_pk, secret), value):
        return None
    return secret


def start(request: HttpRequest, user_pk: int) -> None:
    """At sign-in: a new KEK for the new session (rotation); the previous one of the same user
    is remembered on the request for the hand-over cookie."""
    previous = request.COOKIES.get(KEY_COOKIE)
    secret = new_secret()
    expires = time.time() + settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
    request.session[SESSION_KEY] = {"secret": secret, "expires": expires}
    if secret_for_user(previous, user_pk):
        request.offline_key_previous = previous


def end(request: HttpRequest) -> None:
    """At sign-out (the sign-out page only: a session ended by inactivity keeps the cookie, so
    that unsent saves survive until the same user signs in again): the response deletes the
    cookies and asks the browser to erase the site's storage."""
    if request.path == reverse("account_logout"):
        request.offline_signed_out = True


def apply(request: HttpRequest, response: HttpResponse) -> None:
    """Set, renew or delete the KEK cookies on `response` (called by the middleware)."""
    secure = settings.SESSION_COOKIE_SECURE
    if getattr(request, "offline_signed_out", False):
        response.delete_cookie(KEY_COOKIE, samesite="Strict")
        response.delete_cookie(PREVIOUS_COOKIE, samesite="Strict")
        response["Clear-Site-Data"] = SIGN_OUT_CLEAR_SITE_DATA
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # The session may have ended by inactivity while the phone was offline: the cookie stays
        # until it expires, so that the same user signing in again can re-wrap unsent saves.
        return
    if request.session.get(auth.SESSION_KEY) is None:
        # Signed in by an API token (DRF sets request.user): no session, no browser pages.
        return
    stored = request.session.get(SESSION_KEY)
    if not stored:
        # Signed in before this feature existed: a key for the rest of this session.
        start(request, user.pk)
        stored = request.session[SESSION_KEY]
    remaining = int(stored["expires"] - time.time())
    if remaining <= 0:
        return
    value = cookie_value(user.pk, stored["secret"])
    if request.COOKIES.get(KEY_COOKIE) != value:
        response.set_cookie(
            KEY_COOKIE, value, max_age=remaining, secure=secure, httponly=False, samesite="Strict"
        )
    previous = getattr(request, "offline_key_previous", None)
    if previous and previous != value:
        response.set_cookie(
            PREVIOUS_COOKIE,
            previous,
            max_age=PREVIOUS_COOKIE_AGE,
            secure=secure,
            httponly=False,
            samesite="Strict",
        )
