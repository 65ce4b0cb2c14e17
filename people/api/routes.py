"""The people app's API routes, mounted under /api/v1/ by `config.api_urls`."""

from people.api import views

# (URL prefix, viewset, route name, in the `api:` namespace)
ROUTES = [
    ("people", views.PersonViewSet, "person"),
    ("exits", views.ExitViewSet, "exit"),
    ("notes", views.CaseNoteViewSet, "note"),
    ("follow-ups", views.FollowUpViewSet, "follow-up"),
    ("transfers", views.TransferViewSet, "transfer"),
    ("transfer-requests", views.TransferRequestViewSet, "transfer-request"),
    ("partners", views.PartnerViewSet, "partner"),
]
