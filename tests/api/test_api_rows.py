"""The people API's pages read as values (`people.api.rows`): the same data as model objects
give, key by key, for both roles' serializers; no model object made for a page."""

import json

import pytest
from django.db.models.signals import post_init
from django.test import RequestFactory
from django.urls import reverse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

from people import selectors
from people.api.rows import read_people_rows, reading_plan
from people.api.serializers import PersonAdminSerializer, PersonSerializer
from people.models import Exit, Flag, Person
from portal.api.representation import ValuesRow, represent_many
from tests.people.factories import ExitFactory, PersonFactory


@pytest.fixture
def people_with_exits(mae_sot, case_worker_mae_sot):
    first = PersonFactory(
        location=mae_sot,
        case_worker=case_worker_mae_sot,
        full_name="Aung Min",
        name_my="အောင်မင်း",
        phone="+66812345678",
        consent_notes="Said yes on the phone",
    )
    ExitFactory(person=first, exit_type="defected", exit_date="2024-05-03")
    ExitFactory(person=first, exit_type="surrendered", years_of_service="4.5", reasons=["pay"])
    second = PersonFactory(location=mae_sot, case_worker=None, vulnerabilities=["disability"])
    third = PersonFactory(location=mae_sot, birth_year=None, consent_date=None)
    ExitFactory(person=third, exit_type="pow", custody_status="released")
    return [first.pk, second.pk, third.pk]


def _as_json(data) -> str:
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False)


@pytest.mark.parametrize("serializer_class", [PersonSerializer, PersonAdminSerializer])
def test_the_values_give_the_data_of_the_model_objects(
    serializer_class, admin_user, people_with_exits
):
    page = selectors.people_list_with_exits_for(admin_user).filter(pk__in=people_with_exits)
    request = Request(RequestFactory().get("/"))
    request.user = admin_user
    context = {"request": request}
    objects = serializer_class(list(page), many=True, context=context).data

    rows = read_people_rows(page, reading_plan(serializer_class))

    assert all(isinstance(row, ValuesRow) for row in rows)
    assert _as_json(represent_many(serializer_class, rows, context)) == _as_json(objects)
    assert _as_json(serializer_class(rows, many=True, context=context).data) == _as_json(objects)
    assert [row.pk for row in rows] == [person["id"] for person in objects]
    assert {len(person["exits"]) for person in objects} == {0, 1, 2}


def test_the_plan_reads_related_records_by_their_id(db):
    plan = reading_plan(PersonAdminSerializer)
    assert {"location_id", "case_worker_id", "created_by_id", "phone"} <= set(plan.names)
    assert plan.exits_source == "exit_list"
    assert "exit_date" in plan.exit_names and "person" not in plan.names


class WithAMethod(serializers.ModelSerializer):
    shown = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "shown"]

    def get_shown(self, obj):
        return 1


class ThroughARelation(serializers.ModelSerializer):
    site = serializers.CharField(source="location.code")

    class Meta:
        model = Person
        fields = ["id", "site"]


class FlagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Flag
        fields = ["id", "person"]  # columns an exit has too: only the model tells them apart


class WithAnotherList(serializers.ModelSerializer):
    flags = FlagSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["id", "flags"]


@pytest.mark.parametrize("serializer_class", [WithAMethod, ThroughARelation, WithAnotherList])
def test_a_serializer_showing_more_than_columns_is_read_as_objects(serializer_class):
    assert reading_plan(serializer_class) is None


def test_a_search_page_makes_no_model_object(api, case_worker_mae_sot, people_with_exits):
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    post_init.connect(count, sender=Person)
    post_init.connect(count, sender=Exit)
    try:
        response = api(case_worker_mae_sot).post(
            reverse("api:person-search"), {"page_size": 50}, format="json"
        )
    finally:
        post_init.disconnect(count, sender=Person)
        post_init.disconnect(count, sender=Exit)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == len(people_with_exits)
    assert made == []


def test_a_row_names_no_one_in_a_log_or_a_traceback(people_with_exits, admin_user):
    page = selectors.people_list_with_exits_for(admin_user).filter(pk=people_with_exits[0])
    row = read_people_rows(page, reading_plan(PersonSerializer))[0]
    assert repr(row) == f"<ValuesRow {people_with_exits[0]}>"
    assert "Aung" not in repr(row) and "Aung" not in repr([row])


def test_a_shared_serializer_reads_values_by_key(admin_user, people_with_exits):
    """Without DRF's way to an attribute (a mapping test, a callable test per field)."""
    from unittest import mock  # noqa: PLC0415

    page = selectors.people_list_with_exits_for(admin_user).filter(pk__in=people_with_exits)
    rows = read_people_rows(page, reading_plan(PersonSerializer))
    expected = represent_many(PersonSerializer, rows, {})
    with mock.patch(
        "rest_framework.fields.get_attribute", side_effect=AssertionError("read as an object")
    ):
        assert represent_many(PersonSerializer, rows, {}) == expected
