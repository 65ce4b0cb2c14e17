"""A list's rows represented by one serializer shared by every request
(`portal.api.representation`): the same data as a new serializer per request, and the usual
way for any serializer whose reading may depend on the request."""

import json
from unittest import mock

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

from people import selectors
from people.api.serializers import PersonAdminSerializer, PersonSerializer
from people.models import Person
from portal.api import representation
from portal.api.representation import ContextNeeded, represent_many
from tests.people.factories import ExitFactory, PersonFactory


@pytest.fixture(autouse=True)
def no_shared_serializers():
    """Each test builds its own: one test's monkeypatched class must not leak into another."""
    representation._SHARED.clear()
    yield
    representation._SHARED.clear()


@pytest.fixture
def people_with_exits(mae_sot, case_worker_mae_sot):
    first = PersonFactory(location=mae_sot, case_worker=case_worker_mae_sot, full_name="Aung Min")
    ExitFactory(person=first, exit_type="defected", exit_date="2024-05-03")
    ExitFactory(person=first, exit_type="surrendered", years_of_service="4.5")
    second = PersonFactory(location=mae_sot, case_worker=None, vulnerabilities=["disability"])
    third = PersonFactory(location=mae_sot, birth_year=None, consent_date=None)
    ExitFactory(person=third, exit_type="pow", custody_status="released")
    return [first.pk, second.pk, third.pk]


def _context(user):
    request = Request(RequestFactory().get("/"))
    request.user = user
    return {"request": request}


def _as_json(data) -> str:
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False)


@pytest.mark.parametrize("serializer_class", [PersonSerializer, PersonAdminSerializer])
def test_people_with_their_exits_are_the_same_data_as_drf_gives(
    serializer_class, admin_user, people_with_exits
):
    rows = list(selectors.people_with_exits_for(admin_user).filter(pk__in=people_with_exits))
    context = _context(admin_user)

    shared = represent_many(serializer_class, rows, context)
    usual = serializer_class(rows, many=True, context=context).data

    assert representation._SHARED[(serializer_class, translation.get_language())] is not None
    assert _as_json(shared) == _as_json(usual)
    assert [row["id"] for row in shared] == [row.pk for row in rows]
    assert {len(row["exits"]) for row in shared} == {0, 1, 2}


def test_the_people_search_builds_no_serializer_fields_after_its_first_request(
    api, case_worker_mae_sot, people_with_exits
):
    """DRF would deep-copy the fields of each serializer it builds, for every request."""
    client = api(case_worker_mae_sot)
    search = reverse("api:person-search")
    first = client.post(search, {}, format="json")
    assert first.status_code == 200, first.content
    with mock.patch.object(
        PersonSerializer, "get_fields", side_effect=AssertionError("fields built again")
    ):
        again = client.post(search, {}, format="json")
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert len(again.json()["results"]) == len(people_with_exits)


def test_each_language_has_its_own_shared_serializer(admin_user, people_with_exits):
    rows = list(Person.objects.filter(pk__in=people_with_exits))
    with translation.override("en"):
        english = represent_many(PersonSerializer, rows, _context(admin_user))
    with translation.override("my"):
        burmese = represent_many(PersonSerializer, rows, _context(admin_user))
    assert english == burmese  # values, never labels
    assert {language for _cls, language in representation._SHARED} == {"en", "my"}


# --- Serializers whose reading may depend on the request: the usual way --------------------------


class WithMethodField(serializers.Serializer):
    id = serializers.IntegerField()
    viewer = serializers.SerializerMethodField()

    def get_viewer(self, obj):
        return self.context["request"].user.email


class OwnReading(serializers.CharField):
    def to_representation(self, value):
        return value.upper()


class WithOwnField(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = OwnReading()


class WithNestedOwnField(serializers.Serializer):
    id = serializers.IntegerField()
    inner = WithOwnField(source="*")


@pytest.mark.parametrize("serializer_class", [WithMethodField, WithOwnField, WithNestedOwnField])
def test_a_serializer_that_may_read_the_request_is_not_shared(
    serializer_class, admin_user, person_mae_sot
):
    context = _context(admin_user)
    data = represent_many(serializer_class, [person_mae_sot], context)
    assert representation._SHARED[(serializer_class, translation.get_language())] is None
    assert data == serializer_class([person_mae_sot], many=True, context=context).data


def test_a_field_found_reading_the_context_sends_its_class_back_to_the_usual_way(
    admin_user, person_mae_sot
):
    """Past the checks made when the serializer is built (here forced through): the shared
    serializer's context refuses to be read, and the rows are represented the usual way."""
    context = _context(admin_user)
    with mock.patch.object(representation, "_reads_alone", return_value=True):
        data = represent_many(WithMethodField, [person_mae_sot], context)
    assert data == [{"id": person_mae_sot.pk, "viewer": admin_user.email}]
    assert representation._SHARED[(WithMethodField, translation.get_language())] is None
    with pytest.raises(ContextNeeded):
        representation._NoContext()["request"]
