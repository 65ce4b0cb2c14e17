from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from portal import audit_views, export_views, views
from portal.access import public

# The Django admin signs in through allauth (rate limits, MFA) instead of its own form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Support services portal — administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("pledge/", views.pledge, name="pledge"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("users/", views.user_list, name="users"),
    path("users/invite/", views.user_invite, name="user_invite"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/resend/", views.user_resend_invitation, name="user_resend_invitation"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/new/<slug:kind>/", export_views.export_new, name="export_new"),
    path("exports/<uuid:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<uuid:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<uuid:pk>/download/", export_views.export_download, name="export_download"),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("people/import/", include("people.import_urls")),
    path("people/", include("people.urls")),
    path("programs/", include("programs.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("portal.api.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    # Accounts come from invitations only, and e-mail addresses are changed by admins:
    # allauth's sign-up and e-mail management pages are closed.
    path("accounts/signup/", public(views.closed), name="account_signup"),
    path("accounts/email/", public(views.closed), name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
