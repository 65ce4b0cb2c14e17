from django.urls import path, re_path

from reports import views

app_name = "reports"

PERIOD = r"(?P<kind>monthly|annual|since_1027)/(?P<period>\d{4}(?:-\d{2})?|since_1027)"

urlpatterns = [
    path("", views.index, name="index"),
    path("builds/<int:pk>/", views.build_status, name="build"),
    re_path(rf"^{PERIOD}/$", views.dashboard, name="dashboard"),
    re_path(rf"^{PERIOD}/rebuild/$", views.rebuild, name="rebuild"),
    re_path(
        rf"^{PERIOD}/download\.(?P<file_format>csv|xlsx|pdf)$", views.download, name="download"
    ),
]
