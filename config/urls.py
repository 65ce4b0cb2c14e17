"""Root URLconf. Each app's names are namespaced (`portal:`, `people:`, `programs:`,
`reports:`, `api:`); only the project's own pages and the libraries' keep plain names."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from config import caseload, views
from portal.access import public
from portal.views.accounts import closed
from portal.views.health import healthz

# The Django admin signs in through allauth (rate limits, MFA) instead of its own form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Support services portal — administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("caseload/", caseload.caseload, name="caseload"),
    path("", include("portal.urls")),
    path("people/", include("people.urls")),
    path("programs/", include("programs.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("config.api_urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    # Accounts come from invitations only, and e-mail addresses are changed by admins:
    # allauth's sign-up and e-mail management pages are closed.
    path("accounts/signup/", public(closed), name="account_signup"),
    path("accounts/email/", public(closed), name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
