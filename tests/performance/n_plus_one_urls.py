"""A page with a deliberate N+1, to show that the tests catch one (test_n_plus_one.py)."""

from django.http import HttpResponse
from django.urls import path

from people.models import Person


def site_codes(request):
    # One query for the people, then one more per person for its site: an N+1.
    return HttpResponse(", ".join(person.location.code for person in Person.objects.all()))


def site_codes_joined(request):
    people = Person.objects.select_related("location")
    return HttpResponse(", ".join(person.location.code for person in people))


urlpatterns = [
    path("n-plus-one/", site_codes),
    path("joined/", site_codes_joined),
]
