"""The programs app's API routes, mounted under /api/v1/ by `portal.api.urls`."""

from programs.api import views

# (URL prefix, viewset, route name prefix)
ROUTES = [
    ("courses", views.CourseViewSet, "api-course"),
    ("sessions", views.SessionViewSet, "api-session"),
    ("enrolments", views.EnrolmentViewSet, "api-enrolment"),
    ("attendance", views.AttendanceViewSet, "api-attendance"),
    ("assistance-types", views.AssistanceTypeViewSet, "api-assistance-type"),
    ("distributions", views.DistributionViewSet, "api-distribution"),
    ("homes", views.HomeViewSet, "api-home"),
    ("stays", views.StayViewSet, "api-stay"),
]
