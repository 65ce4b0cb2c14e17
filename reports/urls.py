from django.urls import path, re_path

from reports import views

app_name = "reports"

PERIOD = r"(?P<kind>monthly|annual|since_1027)/(?P<period>\d{4}(?:-\d{2})?|since_1027)"
VERSION = r"versions/(?P<number>[1-9]\d{0,5})"
FORMAT = r"download\.(?P<file_format>csv|xlsx|pdf)"

urlpatterns = [
    path("", views.index, name="index"),
    path("builds/<int:pk>/", views.build_status, name="build"),
    re_path(rf"^{PERIOD}/$", views.dashboard, name="dashboard"),
    re_path(rf"^{PERIOD}/rebuild/$", views.rebuild, name="rebuild"),
    re_path(rf"^{PERIOD}/{FORMAT}$", views.download, name="download"),
    re_path(rf"^{PERIOD}/versions/$", views.versions, name="versions"),
    re_path(rf"^{PERIOD}/{VERSION}/$", views.version, name="version"),
    re_path(rf"^{PERIOD}/{VERSION}/approve/$", views.approve, name="approve"),
    re_path(rf"^{PERIOD}/{VERSION}/{FORMAT}$", views.download, name="version_download"),
]
