"""People's dates judged by the day at the person's site (issue 22)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from people import services
from tests.factories import saved_version
from tests.people.factories import PersonFactory

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
