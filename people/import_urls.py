from django.urls import path

from people import import_views

urlpatterns = [
    path("", import_views.people_import, name="people_import"),
]
