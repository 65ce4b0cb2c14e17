"""URLs of the core: invitations, the pledge, users, exports and the audit log (`portal:`)."""

from django.urls import path

from portal.views import accounts, audit, exports, lockdown

app_name = "portal"

urlpatterns = [
    path("pledge/", accounts.pledge, name="pledge"),
    path("invitation/<str:token>/", accounts.accept_invitation, name="accept_invitation"),
    path("users/", accounts.user_list, name="users"),
    path("users/invite/", accounts.user_invite, name="user_invite"),
    path("users/<int:pk>/", accounts.user_edit, name="user_edit"),
    path(
        "users/<int:pk>/resend/",
        accounts.user_resend_invitation,
        name="user_resend_invitation",
    ),
    path("exports/", exports.export_list, name="export_list"),
    path("exports/new/<slug:kind>/", exports.export_new, name="export_new"),
    path("exports/<uuid:pk>/", exports.export_detail, name="export_detail"),
    path("exports/<uuid:pk>/progress/", exports.export_progress, name="export_progress"),
    path("exports/<uuid:pk>/download/", exports.export_download, name="export_download"),
    path("audit/", audit.audit_list, name="audit_list"),
    path("lockdown/", lockdown.lockdown, name="lockdown"),
    path("lockdown/sites/<int:pk>/lock/", lockdown.lock_site, name="lock_site"),
    path("lockdown/sites/<int:pk>/unlock/", lockdown.unlock_site, name="unlock_site"),
    path("lockdown/users/lock/", lockdown.lock_user, name="lock_user"),
    path("lockdown/users/<int:pk>/unlock/", lockdown.unlock_user, name="unlock_user"),
]
