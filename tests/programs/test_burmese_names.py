"""Courses and assistance types have an optional Burmese name shown on Burmese pages, the
English one otherwise (issue 22)."""

import pytest
from django.urls import reverse
from django.utils import translation

from programs.models import AssistanceType, Course
from tests.programs.factories import AssistanceTypeFactory, CourseFactory, DistributionFactory


@pytest.mark.parametrize(
    ("language", "name_my", "expected"),
    [("my", "အပ်ချုပ်", "အပ်ချုပ်"), ("en", "အပ်ချုပ်", "Tailoring"), ("my", "", "Tailoring")],
)
def test_course_name_in_the_active_language(db, language, name_my, expected):
    course = CourseFactory(name="Tailoring", name_my=name_my)
    with translation.override(language):
        assert course.localized_name == expected
        assert str(course) == expected


def test_assistance_choice_label_in_burmese_keeps_the_unit(db):
    cash = AssistanceTypeFactory(
        name="Cash grant", name_my="ငွေသား", kind="cash", unit="", currency="INR"
    )
    with translation.override("my"):
        assert cash.choice_label == "ငွေသား (INR)"
    with translation.override("en"):
        assert cash.choice_label == "Cash grant (INR)"


def test_assistance_list_shows_the_burmese_name_on_burmese_pages(
    client, signed_in, case_worker_mae_sot
):
    food = AssistanceTypeFactory(name="Food basket", name_my="စားနပ်ရိက္ခာ")
    DistributionFactory(assistance_type=food)
    signed_in(case_worker_mae_sot)
    client.cookies["django_language"] = "my"
    burmese = client.get(reverse("programs:distribution_list")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("programs:distribution_list")).content.decode()
    assert "စားနပ်ရိက္ခာ" in burmese and "Food basket" not in burmese
    assert "Food basket" in english and "စားနပ်ရိက္ခာ" not in english


def test_admin_edits_the_burmese_name(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post(
        "/admin/programs/course/add/",
        {"name": "Welding", "name_my": "ဂဟေဆော်", "description": "", "active": "on"},
    )
    assert response.status_code == 302
    assert Course.objects.get(name="Welding").name_my == "ဂဟေဆော်"
    assert AssistanceType._meta.get_field("name_my").blank
