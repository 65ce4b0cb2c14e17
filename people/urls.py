from django.urls import path

from people.views import cases, duplicates, imports, persons, restricted, retention, transfers

app_name = "people"

urlpatterns = [
    path("", persons.person_list, name="list"),
    path("new/", persons.person_create, name="create"),
    path("import/", imports.people_import, name="import"),
    path("import/<uuid:job_pk>/", imports.import_job, name="import_job"),
    path(
        "import/<uuid:job_pk>/progress/",
        imports.import_job_progress,
        name="import_job_progress",
    ),
    path("duplicates/", duplicates.review, name="duplicates"),
    path("duplicates/<int:first_pk>/<int:second_pk>/merge/", duplicates.merge, name="merge"),
    path(
        "duplicates/<int:first_pk>/<int:second_pk>/distinct/",
        duplicates.mark_distinct,
        name="mark_distinct",
    ),
    path("transfers/", transfers.transfer_list, name="transfers"),
    path("transfers/<int:transfer_pk>/accept/", transfers.transfer_accept, name="transfer_accept"),
    path(
        "transfers/<int:transfer_pk>/decline/", transfers.transfer_decline, name="transfer_decline"
    ),
    path(
        "transfers/<int:transfer_pk>/withdraw/",
        transfers.transfer_withdraw,
        name="transfer_withdraw",
    ),
    path("retention/", retention.retention_list, name="retention"),
    path("restricted-openings/", restricted.access_reviews, name="access_reviews"),
    path(
        "restricted-openings/<int:access_pk>/review/",
        restricted.access_review,
        name="access_review",
    ),
    path("<int:pk>/", persons.person_detail, name="detail"),
    path("<int:pk>/restriction/", restricted.restriction, name="restriction"),
    path("<int:restricted_pk>/open/", restricted.open_restricted, name="open_restricted"),
    path("<int:pk>/edit/", persons.person_edit, name="edit"),
    path("<int:pk>/anonymise/", persons.person_anonymise, name="anonymise"),
    path("<int:pk>/status/", cases.status_change, name="status_change"),
    path("<int:pk>/keep/", retention.retention_hold, name="retention_hold"),
    path("<int:pk>/keep/lift/", retention.retention_lift, name="retention_lift"),
    path("<int:pk>/exits/new/", cases.exit_form, name="exit_add"),
    path("<int:pk>/exits/<int:exit_pk>/", cases.exit_form, name="exit_edit"),
    path("<int:pk>/notes/new/", cases.note_add, name="note_add"),
    path("<int:pk>/notes/<int:note_pk>/", cases.note_edit, name="note_edit"),
    path("<int:pk>/follow-ups/new/", cases.follow_up_add, name="follow_up_add"),
    path(
        "<int:pk>/follow-ups/<int:follow_up_pk>/done/",
        cases.follow_up_done,
        name="follow_up_done",
    ),
    path("<int:pk>/transfer/", transfers.transfer, name="transfer"),
    path("<int:pk>/flags/new/", cases.flag_add, name="flag_add"),
    path("<int:pk>/flags/<int:flag_pk>/resolve/", cases.flag_resolve, name="flag_resolve"),
    path("<int:pk>/referrals/new/", cases.referral_add, name="referral_add"),
    path("<int:pk>/referrals/<int:referral_pk>/", cases.referral_update, name="referral_update"),
    path("<int:pk>/feedback/new/", cases.feedback_form, name="feedback_add"),
    path("<int:pk>/feedback/<int:feedback_pk>/", cases.feedback_form, name="feedback_edit"),
]
