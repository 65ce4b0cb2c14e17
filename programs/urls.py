from django.urls import path

from programs import offline
from programs.views import assistance, homes, training

app_name = "programs"

urlpatterns = [
    # Offline attendance: the service worker, served here so that its scope is /programs/
    path("sw.js", offline.service_worker, name="offline_sw"),
    # Training
    path("my-sessions/", training.my_sessions, name="my_sessions"),
    path("sessions/", training.session_list, name="session_list"),
    path("sessions/new/", training.session_create, name="session_create"),
    path("sessions/<int:pk>/", training.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", training.session_edit, name="session_edit"),
    path("sessions/<int:pk>/enrol/", training.session_enrol, name="session_enrol"),
    path("sessions/<int:pk>/roster/", training.roster, name="roster"),
    path("sessions/<int:pk>/history/", training.attendance_history, name="attendance_history"),
    path("enrolments/<int:pk>/status/", training.enrolment_status, name="enrolment_status"),
    path("people/<int:pk>/enrol/", training.person_enrol, name="person_enrol"),
    path("people/<int:pk>/outcome/", training.person_outcome_create, name="person_outcome_create"),
    # Material assistance
    path("assistance/", assistance.distribution_list, name="distribution_list"),
    path("assistance/bulk/", assistance.distribution_bulk, name="distribution_bulk"),
    path(
        "people/<int:pk>/assistance/",
        assistance.person_distribution_create,
        name="person_distribution_create",
    ),
    path(
        "assistance/<int:pk>/confirm/", assistance.distribution_confirm, name="distribution_confirm"
    ),
    # Safe homes
    path("homes/", homes.occupancy, name="occupancy"),
    path("homes/<int:pk>/", homes.home_detail, name="home_detail"),
    path("stays/new/", homes.check_in, name="check_in"),
    path("stays/<int:pk>/check-out/", homes.check_out, name="check_out"),
]
