from django.urls import path

from people import case_views, duplicate_views, import_views, views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    # The upload page itself is `people_import` (people/import_urls.py).
    path("import/<uuid:job_pk>/", import_views.import_job, name="import_job"),
    path(
        "import/<uuid:job_pk>/progress/",
        import_views.import_job_progress,
        name="import_job_progress",
    ),
    path("duplicates/", duplicate_views.review, name="duplicates"),
    path("duplicates/<int:first_pk>/<int:second_pk>/merge/", duplicate_views.merge, name="merge"),
    path(
        "duplicates/<int:first_pk>/<int:second_pk>/distinct/",
        duplicate_views.mark_distinct,
        name="mark_distinct",
    ),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/anonymise/", views.person_anonymise, name="anonymise"),
    path("<int:pk>/exits/new/", case_views.exit_form, name="exit_add"),
    path("<int:pk>/exits/<int:exit_pk>/", case_views.exit_form, name="exit_edit"),
    path("<int:pk>/notes/new/", case_views.note_add, name="note_add"),
    path("<int:pk>/notes/<int:note_pk>/", case_views.note_edit, name="note_edit"),
    path("<int:pk>/follow-ups/new/", case_views.follow_up_add, name="follow_up_add"),
    path(
        "<int:pk>/follow-ups/<int:follow_up_pk>/done/",
        case_views.follow_up_done,
        name="follow_up_done",
    ),
    path("<int:pk>/transfer/", case_views.transfer, name="transfer"),
    path("<int:pk>/flags/new/", case_views.flag_add, name="flag_add"),
    path("<int:pk>/flags/<int:flag_pk>/resolve/", case_views.flag_resolve, name="flag_resolve"),
    path("<int:pk>/referrals/new/", case_views.referral_add, name="referral_add"),
    path(
        "<int:pk>/referrals/<int:referral_pk>/", case_views.referral_update, name="referral_update"
    ),
    path("<int:pk>/feedback/new/", case_views.feedback_form, name="feedback_add"),
    path("<int:pk>/feedback/<int:feedback_pk>/", case_views.feedback_form, name="feedback_edit"),
]
