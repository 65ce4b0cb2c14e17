"""Each site has its time zone (issue 22): "today", the correction deadline, the lists, the
roster and its history follow the session's site, not the server's Asia/Yangon.

Yangon is UTC+6:30, Mae Sot (Asia/Bangkok) UTC+7, New Delhi (Asia/Kolkata) UTC+5:30: at
23:50 in Yangon it is already 00:20 the next day at Mae Sot; at 00:20 in Yangon it is still
23:20 the day before in New Delhi.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from portal.roles import Role
from portal.timezones import site_today
from programs import selectors, services
from programs.models import Attendance, AttendanceChange, Enrolment
from tests.conftest import make_user
from tests.programs.factories import PersonFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db

YANGON = ZoneInfo("Asia/Yangon")
DAY = date(2026, 3, 10)


def yangon(day: int, hour: int, minute: int):
    """Travel to a Yangon wall-clock time in March 2026."""
    return time_machine.travel(datetime(2026, 3, day, hour, minute, tzinfo=YANGON), tick=False)


@pytest.fixture
def trainer_two_sites(mae_sot, new_delhi):
    return make_user(Role.TRAINER, [mae_sot, new_delhi], mfa=False, email="t2@example.org")


def session_at(location, trainer, day=DAY, people=1, start=time(9, 0)):
    session = TrainingSessionFactory(
        trainer=trainer, location=location, date=day, start_time=start, end_time=time(23, 55)
    )
    persons = PersonFactory.create_batch(people, location=location)
    Enrolment.objects.bulk_create(
        [Enrolment(session=session, person=p, enrolled_by=trainer) for p in persons]
    )
    return session, persons


def test_sites_keep_their_zones_from_the_migration(mae_sot, mae_sariang, new_delhi):
    assert (mae_sot.time_zone, mae_sariang.time_zone) == ("Asia/Bangkok", "Asia/Bangkok")
    assert new_delhi.time_zone == "Asia/Kolkata"


def test_at_2350_in_yangon_it_is_already_tomorrow_at_mae_sot(mae_sot, new_delhi):
    with yangon(10, 23, 50):
        assert site_today(mae_sot) == date(2026, 3, 11)
        assert site_today(new_delhi) == DAY


def test_a_new_delhi_session_is_today_while_yangon_has_passed_midnight(
    trainer_two_sites, mae_sot, new_delhi
):
    delhi, _ = session_at(new_delhi, trainer_two_sites)
    mae_sot_yesterday, _ = session_at(mae_sot, trainer_two_sites)
    with yangon(11, 0, 20):  # New Delhi 23:20 on the 10th; Mae Sot 00:50 on the 11th
        mine = selectors.my_sessions(trainer_two_sites)
        home = selectors.sessions_for_trainer_home(trainer_two_sites)
        upcoming = list(selectors.session_list(trainer_two_sites))
        past = list(selectors.session_list(trainer_two_sites, past=True))
    assert mine.today == [delhi] and mine.past == [mae_sot_yesterday]
    assert home == [delhi]
    assert upcoming == [delhi] and past == [mae_sot_yesterday]


def test_new_delhi_trainer_can_still_mark_at_2320_their_time(trainer_two_sites, new_delhi):
    session, (person,) = session_at(new_delhi, trainer_two_sites)
    with yangon(12, 0, 20):  # New Delhi: 23:20 on the 11th, the last day of the window
        services.save_attendance(
            by=trainer_two_sites, session=session, marks={person.pk: "present"}
        )
    with yangon(12, 1, 35), pytest.raises(PermissionDenied):  # New Delhi: 00:05 on the 12th
        services.save_attendance(by=trainer_two_sites, session=session, marks={person.pk: "absent"})
    assert Attendance.objects.get().status == "present"


def test_the_correction_deadline_at_mae_sot_is_mae_sot_midnight(trainer, mae_sot):
    session, (person,) = session_at(mae_sot, trainer)
    assert session.correction_closes_at == datetime(
        2026, 3, 11, 23, 59, 59, tzinfo=ZoneInfo("Asia/Bangkok")
    )
    with yangon(11, 23, 20):  # Mae Sot: 23:50 on the 11th
        services.save_attendance(by=trainer, session=session, marks={person.pk: "present"})
    with yangon(11, 23, 40), pytest.raises(PermissionDenied):  # Mae Sot: 00:10 on the 12th
        services.save_attendance(by=trainer, session=session, marks={person.pk: "absent"})


def test_mae_sot_trainer_cannot_mark_before_their_day_begins(trainer, mae_sot):
    session, (person,) = session_at(mae_sot, trainer, day=date(2026, 3, 11))
    with yangon(10, 23, 20), pytest.raises(PermissionDenied):  # Mae Sot: 23:50 on the 10th
        services.save_attendance(by=trainer, session=session, marks={person.pk: "present"})
    with yangon(10, 23, 40):  # Mae Sot: 00:10 on the 11th, the session's day
        services.save_attendance(by=trainer, session=session, marks={person.pk: "present"})


def test_home_roster_and_history_show_new_delhi_time(
    client, signed_in, trainer_two_sites, new_delhi
):
    session, (person,) = session_at(new_delhi, trainer_two_sites, start=time(18, 0))
    signed_in(trainer_two_sites)
    with yangon(11, 0, 20):  # 18:50 UTC on the 10th; 23:20 in New Delhi
        services.save_attendance(
            by=trainer_two_sites, session=session, marks={person.pk: "present"}
        )
        home = client.get(reverse("home")).content.decode()
        roster = client.get(reverse("programs:roster", args=[session.pk])).content.decode()
        history = client.get(
            reverse("programs:attendance_history", args=[session.pk])
        ).content.decode()
    assert "18:00–23:55 IST" in home and "18:00–23:55 IST" in roster
    assert 'data-time-zone="Asia/Kolkata"' in roster
    # Saved at 23:20 New Delhi time, shown so (not 00:20 Yangon, nor 18:50 UTC).
    assert AttendanceChange.objects.count() == 1
    assert "2026-03-10 23:20 IST" in history and "00:20" not in history


def test_the_api_gives_the_sites_zone_and_offsets(trainer_two_sites, new_delhi):
    session, _ = session_at(new_delhi, trainer_two_sites)
    client = APIClient()
    _, token = AuthToken.objects.create(trainer_two_sites)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    detail = client.get(reverse("api:session-detail", args=[session.pk])).json()
    assert detail["time_zone"] == "Asia/Kolkata"
    with yangon(10, 12, 0):
        (mine,) = client.get(reverse("api:session-mine")).json()
    assert mine["time_zone"] == "Asia/Kolkata"
    closes = datetime.fromisoformat(mine["correction_closes_at"])
    assert closes == datetime(2026, 3, 11, 23, 59, 59, tzinfo=ZoneInfo("Asia/Kolkata"))
