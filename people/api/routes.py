"""The people app's API routes, mounted under /api/v1/ by `portal.api.urls`."""

from people.api import views

# (URL prefix, viewset, route name prefix)
ROUTES = [
    ("people", views.PersonViewSet, "api-person"),
    ("exits", views.ExitViewSet, "api-exit"),
    ("notes", views.CaseNoteViewSet, "api-note"),
    ("follow-ups", views.FollowUpViewSet, "api-follow-up"),
    ("transfers", views.TransferViewSet, "api-transfer"),
    ("partners", views.PartnerViewSet, "api-partner"),
]
