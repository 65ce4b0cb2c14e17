"""Wording a user trips over: overdue follow-ups, a currency named twice, the ZIP tool."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from people.models import FollowUp
from programs.models import AssistanceType


def test_home_marks_overdue_follow_ups_as_overdue(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    today = timezone.localdate()
    for days in (-170, 2):
        FollowUp.objects.create(
            person=person_mae_sot,
            due_on=today + timedelta(days=days),
            assignee=case_worker_mae_sot,
            created_by=case_worker_mae_sot,
            description="Call back",
        )
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("home")).content.decode()
    assert "Follow-ups overdue or due this week" in page
    assert page.count("Overdue") == 1
    assert f"was due {(today - timedelta(days=170)):%Y-%m-%d}" in page


def test_currency_in_the_name_is_not_repeated():
    cash = AssistanceType(name="Cash (INR)", kind="cash", currency="INR")
    rice = AssistanceType(name="Rice", kind="food", unit="kg")
    plain_cash = AssistanceType(name="Cash grant", kind="cash", currency="THB")
    assert cash.choice_label == "Cash (INR)"
    assert rice.choice_label == "Rice (kg)"
    assert plain_cash.choice_label == "Cash grant (THB)"


def test_export_pages_name_a_program_that_opens_the_zip(client, signed_in, admin_user):
    signed_in(admin_user)
    page = client.get(reverse("portal:export_new", args=["people"])).content.decode()
    assert "7-Zip" in page and "7z x" in page and "Keka" in page
