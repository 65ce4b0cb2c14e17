"""People's dates judged by the day at the person's site (issue 22), also where a service
fills a date in by itself: a feedback item closed, a status change proposed, a distribution
recorded through the API without a date."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from people import services
from people.forms import StatusChangeForm
from programs.models import Distribution
from tests.factories import saved_version
from tests.people.factories import PersonFactory
from tests.programs.factories import AssistanceTypeFactory

pytestmark = pytest.mark.django_db

# 23:50 on 10 March in Yangon: already the 11th at Mae Sot, still the 10th in New Delhi.
LATE_IN_YANGON = datetime(2026, 3, 10, 23, 50, tzinfo=ZoneInfo("Asia/Yangon"))
REGISTERED = LATE_IN_YANGON - timedelta(days=30)


def activate_on(user, person, day):
    return services.change_status(
        by=user,
        person=person,
        to_status="active",
        expected_version=saved_version(person),
        changed_on=day,
    )


def test_a_change_dated_today_at_mae_sot_is_not_in_the_future(admin_user, mae_sot):
    person = PersonFactory(location=mae_sot, status="intake", created_at=REGISTERED)
    with time_machine.travel(LATE_IN_YANGON, tick=False):
        change = activate_on(admin_user, person, date(2026, 3, 11))
    assert change.changed_on == date(2026, 3, 11)


def test_the_same_date_is_still_tomorrow_in_new_delhi(admin_user, new_delhi):
    person = PersonFactory(location=new_delhi, status="intake", created_at=REGISTERED)
    with time_machine.travel(LATE_IN_YANGON, tick=False), pytest.raises(ValidationError) as error:
        activate_on(admin_user, person, date(2026, 3, 11))
    assert "changed_on" in error.value.message_dict


def test_without_a_date_the_change_takes_the_sites_day(admin_user, mae_sot):
    person = PersonFactory(location=mae_sot, status="intake", created_at=REGISTERED)
    with time_machine.travel(LATE_IN_YANGON, tick=False):
        change = activate_on(admin_user, person, None)
    assert change.changed_on == date(2026, 3, 11)


YANGON = ZoneInfo("Asia/Yangon")


def at_yangon(day: int, hour: int, minute: int):
    return time_machine.travel(datetime(2026, 3, day, hour, minute, tzinfo=YANGON), tick=False)


def test_feedback_closed_without_a_date_is_closed_on_the_sites_day(new_delhi, admin_user):
    person = PersonFactory(location=new_delhi)
    with at_yangon(11, 0, 20):
        feedback = services.save_feedback(
            by=admin_user,
            person=person,
            values={"received_on": date(2026, 3, 1), "channel": "phone",
                    "category": "complaint", "text": "x", "status": "closed"},
        )  # fmt: skip
    assert feedback.closed_on == date(2026, 3, 10)


def test_the_status_change_proposes_the_sites_day(mae_sot):
    person = PersonFactory(location=mae_sot)
    with at_yangon(10, 23, 50):
        form = StatusChangeForm(person=person)
    assert form.fields["changed_on"].initial == date(2026, 3, 11)


def test_a_distribution_without_a_date_is_on_the_persons_sites_day(case_worker_mae_sot, mae_sot):
    person = PersonFactory(location=mae_sot)
    kind = AssistanceTypeFactory()
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(case_worker_mae_sot)[1]}"
    )
    with at_yangon(10, 23, 50):
        response = client.post(
            reverse("api:distribution-list"),
            {"person": person.pk, "assistance_type": kind.pk, "quantity": 1},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert Distribution.objects.get(person=person).distributed_on == date(2026, 3, 11)
