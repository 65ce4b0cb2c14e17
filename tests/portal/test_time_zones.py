"""Site time zones (issue 22) in the core: the field and its migration, the helpers, the
audit log in UTC, and statistics' one reporting zone."""

import importlib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import modelform_factory
from django.template import Context, Template
from django.urls import reverse

from portal import auditing, services
from portal.audit_log import audit_table
from portal.forms import LocationAdminForm
from portal.models import AuditEvent, Location
from portal.timezones import abbreviation, by_site_day, site_localtime, site_today
from reports.exporting import version_line
from reports.models import ReportVersion
from reports.periods import parse, previous_month

pytestmark = pytest.mark.django_db

YANGON = ZoneInfo("Asia/Yangon")
MIGRATION = importlib.import_module("portal.migrations.0016_location_time_zone")


def test_a_site_refuses_a_zone_that_does_not_exist(mae_sot):
    mae_sot.time_zone = "Asia/Mae_Sot"
    with pytest.raises(ValidationError) as error:
        mae_sot.full_clean()
    assert "time_zone" in error.value.message_dict


def test_the_admin_form_offers_the_zones_as_a_select(mae_sot):
    form = modelform_factory(Location, form=LocationAdminForm, fields=["time_zone"])(
        instance=mae_sot
    )
    choices = dict(form.fields["time_zone"].widget.choices)
    assert "Asia/Kolkata" in choices and "Asia/Mae_Sot" not in choices
    assert form.fields["time_zone"].widget.__class__.__name__ == "Select"


def test_changing_a_sites_zone_is_audited(admin_user, mae_sot):
    services.save_location(
        by=admin_user,
        values={"time_zone": "Asia/Yangon"},
        location=mae_sot,
        expected_version=mae_sot.version,
    )
    event = AuditEvent.objects.filter(object_type="portal.location").latest("id")
    assert event.changes["time_zone"] == ["Asia/Bangkok", "Asia/Yangon"]


def test_the_migration_gives_each_site_the_zone_of_its_country(mae_sot, new_delhi):
    other = Location.objects.create(
        code="MAE-LA", case_prefix="ML", name="Mae La", country="Myanmar", time_zone="UTC"
    )
    Location.objects.update(time_zone="Asia/Yangon")
    MIGRATION.set_zones_from_country(apps, None)
    zones = dict(Location.objects.values_list("code", "time_zone"))
    assert zones["MAE-SOT"] == "Asia/Bangkok" and zones["NEW-DELHI"] == "Asia/Kolkata"
    assert zones[other.code] == "Asia/Yangon"


def test_helpers_around_midnight(mae_sot, new_delhi):
    moment = datetime(2026, 3, 10, 23, 50, tzinfo=YANGON)  # 17:20 UTC
    assert site_today(mae_sot, moment) == date(2026, 3, 11)
    assert site_today(new_delhi, moment) == date(2026, 3, 10)
    assert site_localtime(moment, new_delhi).strftime("%H:%M") == "22:50"
    assert abbreviation(site_localtime(moment, new_delhi)) == "IST"
    assert abbreviation(site_localtime(moment, mae_sot)) == "UTC+07:00"
    assert abbreviation(moment) == "UTC+06:30"
    assert site_localtime(None, mae_sot) is None


def test_by_site_day_groups_sites_by_their_day(mae_sot, new_delhi):
    moment = datetime(2026, 3, 11, 0, 20, tzinfo=YANGON)  # Mae Sot: the 11th; New Delhi: the 10th

    def on_the_10th(today: date) -> Q:
        return Q(pk__isnull=False) if today == date(2026, 3, 10) else Q(pk__in=[])

    condition = by_site_day(on_the_10th, "time_zone", now=moment)
    assert list(Location.objects.filter(condition).values_list("code", flat=True)) == ["NEW-DELHI"]


def test_the_template_tags_show_a_sites_time_with_its_zone(new_delhi):
    template = Template(
        "{% load site_time %}{% site_datetime moment site %}|"
        '{{ moment|in_site_zone:site|date:"H:i" }}'
    )
    moment = datetime(2026, 3, 10, 18, 50, tzinfo=UTC)
    rendered = template.render(Context({"moment": moment, "site": new_delhi}))
    assert rendered == "2026-03-11 00:20 IST|00:20"


# --- The audit log in UTC ---------------------------------------------------------------------


@pytest.fixture
def event_at_yangon_midnight(admin_user):
    # 00:20 on the 11th in Yangon is 17:50 UTC on the 10th.
    with time_machine.travel(datetime(2026, 3, 11, 0, 20, tzinfo=YANGON), tick=False):
        return auditing.record(auditing.Action.LOGIN, actor=admin_user)


def test_the_audit_list_shows_utc_where_it_says_utc(
    client, signed_in, admin_user, event_at_yangon_midnight
):
    signed_in(admin_user)
    page = client.get(reverse("portal:audit_list"), {"action": "login"}).content.decode()
    assert "When (UTC)" in page
    assert "2026-03-10 17:50:00" in page and "2026-03-11 00:20:00" not in page


def test_the_audit_filter_days_are_utc_days(admin_user, event_at_yangon_midnight):
    on_the_10th = audit_table(admin_user, {"since": "2026-03-10", "until": "2026-03-10"})
    on_the_11th = audit_table(admin_user, {"since": "2026-03-11", "until": "2026-03-11"})
    rows = list(on_the_10th.rows)
    assert on_the_10th.header[0] == "occurred_at_utc"
    assert any(row[0] == "2026-03-10 17:50:00" for row in rows)
    assert not any(row[0].startswith("2026-03-10 17:50") for row in on_the_11th.rows)


# --- Statistics: one reporting zone -----------------------------------------------------------


def test_months_of_reports_follow_the_reporting_zone(settings):
    # 00:10 on 1 April in Yangon is still 31 March in UTC.
    with time_machine.travel(datetime(2026, 4, 1, 0, 10, tzinfo=YANGON), tick=False):
        settings.STATISTICS_TIME_ZONE = "Asia/Yangon"
        assert previous_month() == "2026-03"
        assert parse("since_1027").end == date(2026, 3, 31)
        settings.STATISTICS_TIME_ZONE = "UTC"
        assert previous_month() == "2026-02"
        assert parse("since_1027").end == date(2026, 2, 28)


def test_a_reports_release_date_is_the_reporting_zones(settings):
    # 18:00 UTC on 31 March is 00:30 on 1 April in Yangon.
    version = ReportVersion(
        number=2,
        status=ReportVersion.Status.APPROVED,
        approved_at=datetime(2026, 3, 31, 18, 0, tzinfo=UTC),
    )
    settings.STATISTICS_TIME_ZONE = "Asia/Yangon"
    assert "April 1, 2026" in version_line(version, exact=False)
    settings.STATISTICS_TIME_ZONE = "UTC"
    assert "March 31, 2026" in version_line(version, exact=False)
