"""The programs app's API routes, mounted under /api/v1/ by `config.api_urls`."""

from programs.api import views

# (URL prefix, viewset, route name, in the `api:` namespace)
ROUTES = [
    ("courses", views.CourseViewSet, "course"),
    ("sessions", views.SessionViewSet, "session"),
    ("enrolments", views.EnrolmentViewSet, "enrolment"),
    ("attendance", views.AttendanceViewSet, "attendance"),
    ("assistance-types", views.AssistanceTypeViewSet, "assistance-type"),
    ("distributions", views.DistributionViewSet, "distribution"),
    ("homes", views.HomeViewSet, "home"),
    ("stays", views.StayViewSet, "stay"),
]
