import re
import uuid

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from portal import offline_key, request_context, services
from portal.roles import MFA_REQUIRED_ROLES, Role
from portal.services import current_pledge_version, has_accepted_current_pledge

# What proxies send (a UUID, or hex digits as nginx's $request_id): at least 16 characters
# with a hex letter, so that a client cannot make a name or a phone number the id that every
# log line and audit row of the request carries.
REQUEST_ID_PATTERN = re.compile(r"^(?=.*[a-fA-F])[0-9a-fA-F-]{16,64}$")

# Paths a signed-in user may reach before MFA set-up and the pledge: signing out, setting up
# the second factor, the pledge itself, the language switch, static files and the health check.
SETUP_PATH_PREFIXES = ("/accounts/", "/pledge/", "/i18n/", "/static/", "/healthz")
HEALTH_CHECK_PATH = "/healthz"


class RequestIdMiddleware:
    """Gives each request an id (kept from X-Request-ID when well-formed) for logs and audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        try:
            source_ip = get_account_adapter(request).get_client_ip(request)
        except Exception:  # noqa: BLE001 - an unknown address is recorded as unknown
            source_ip = None
        token = request_context.current.set(
            request_context.RequestContext(request.request_id, source_ip, request.path)
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's, asking the view before the user: a public view (the health check) then
    never loads the session, so it answers while the database is down."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionTimeoutMiddleware:
    """Signs a user out after 30 minutes without a request, and 12 hours after sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _health_check(request) and request.user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.setdefault("signed_in_at", now)
            last_seen = request.session.get("last_seen_at", now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            too_old = now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if idle or too_old:
                logout(request)
                if request.path.startswith("/api/"):
                    # The API answers for itself (DRF: 401 not_authenticated), never a redirect.
                    return self.get_response(request)
                return redirect(f"{reverse('account_login')}?expired=1")
            # Written at most once a minute: a session write per request would cost a query.
            if now - last_seen > 60 or "last_seen_at" not in request.session:
                request.session["last_seen_at"] = now
        return self.get_response(request)


# The answer that makes a browser erase what the portal left on it: Clear-Site-Data (the
# browser itself drops IndexedDB, caches, the service worker and cookies), and a header the
# offline scripts read where the browser does not support it (offline-store.js `wipe`).
WIPE_HEADERS = {"Clear-Site-Data": '"cache", "cookies", "storage"', "X-Portal-Wipe": "1"}
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie


class DeviceWipeMiddleware:
    """Lockdown (issue 20): a locked user's session ends at its next request, and a device of
    a locked user is told to erase the portal's data the next time it reaches the portal
    (its session is gone by then: the device is known by its `portal_device` cookie). Also
    gives a browser that signs in its device cookie (`portal.signals`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _health_check(request):
            return self.get_response(request)
        wipe = False
        if request.user.is_authenticated and request.user.locked_at is not None:
            logout(request)  # locked while this request's session was being read
            wipe = True
        key = request.COOKIES.get(services.DEVICE_COOKIE)
        # Only requests without a session ask the database: a signed-in page pays nothing.
        if key and not wipe and not request.user.is_authenticated:
            wipe = services.wipe_pending(key)
        response = self.get_response(request)
        if wipe:
            for header, value in WIPE_HEADERS.items():
                response[header] = value
            response.delete_cookie(services.DEVICE_COOKIE)
        elif getattr(request, "new_device_key", None):
            response.set_cookie(
                services.DEVICE_COOKIE,
                request.new_device_key,
                max_age=DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class OfflineKeyMiddleware:
    """The offline data's key-encryption key: set for a signed-in browser, deleted with
    Clear-Site-Data at sign-out (`portal.offline_key`). After DeviceWipeMiddleware in the
    list, so that a lockdown's wider Clear-Site-Data is the one sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not _health_check(request):
            offline_key.apply(request, response)
        return response


def _setup_path(request) -> bool:
    return request.path.startswith(SETUP_PATH_PREFIXES)


def _health_check(request) -> bool:
    """/healthz must answer with the database down: the middleware below leaves it alone
    before anything reads `request.user` (which loads the session from the database)."""
    return request.path == HEALTH_CHECK_PATH


class MfaRequiredMiddleware:
    """Admins and case workers must set up a second factor before any other page; with
    ADMIN_PASSKEY_REQUIRED, admins must also register a passkey (WebAuthn)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not _setup_path(request) and user.is_authenticated and user.role in MFA_REQUIRED_ROLES:
            if not is_mfa_enabled(user):
                return redirect("mfa_activate_totp")
            if (
                settings.ADMIN_PASSKEY_REQUIRED
                and user.role == Role.ADMIN
                and not is_mfa_enabled(user, [Authenticator.Type.WEBAUTHN])
            ):
                return redirect("mfa_add_webauthn")
        return self.get_response(request)


class PledgeRequiredMiddleware:
    """At first sign-in (and after each new version) a user accepts the data-protection pledge."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _setup_path(request) and request.user.is_authenticated:
            current = current_pledge_version()
            if current is not None and request.session.get("pledge_accepted") != current:
                if not has_accepted_current_pledge(request.user):
                    return redirect(f"{reverse('portal:pledge')}?next={request.get_full_path()}")
                request.session["pledge_accepted"] = current
            # MfaRequiredMiddleware (just before this one) and the pledge passed for this
            # session user: the API's AccountInGoodStanding need not ask the database again.
            request.account_checked_for = request.user.pk
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself; pages for signed-in users are never cached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if _health_check(request):
            return response  # never_cache already; request.user would need the database
        if request.path.startswith("/accounts/") or request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response
