"""Safe homes: one open stay per person, capacity with an explicit override, occupancy."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from programs import selectors, services
from programs.models import Stay
from tests.factories import saved_version
from tests.programs.factories import PersonFactory, SafeHomeFactory, StayFactory

TODAY = timezone.localdate


@pytest.fixture
def home(mae_sot):
    return SafeHomeFactory(name="Home A", location=mae_sot, capacity=2)


# --- One open stay per person -----------------------------------------------------------------


def test_a_person_has_at_most_one_open_stay(case_worker_mae_sot, home, mae_sot):
    person = PersonFactory()
    services.check_in(by=case_worker_mae_sot, person=person, home=home, check_in_on=TODAY())
    other_home = SafeHomeFactory(location=mae_sot)
    with pytest.raises(ValidationError, match="already staying at Home A"):
        services.check_in(
            by=case_worker_mae_sot, person=person, home=other_home, check_in_on=TODAY()
        )
    assert Stay.objects.filter(person=person).count() == 1


def test_the_database_refuses_a_second_open_stay(home):
    person = PersonFactory()
    StayFactory(person=person, home=home)
    with pytest.raises(IntegrityError), transaction.atomic():
        StayFactory(person=person, home=home)


def test_after_check_out_the_person_can_check_in_again(case_worker_mae_sot, home):
    person = PersonFactory()
    stay = services.check_in(
        by=case_worker_mae_sot, person=person, home=home, check_in_on=TODAY() - timedelta(days=5)
    )
    services.check_out(
        by=case_worker_mae_sot,
        stay=stay,
        check_out_on=TODAY() - timedelta(days=1),
        expected_version=stay.version,
    )
    services.check_in(by=case_worker_mae_sot, person=person, home=home, check_in_on=TODAY())
    assert Stay.objects.filter(person=person).count() == 2


def test_check_out_cannot_precede_check_in_or_happen_twice(case_worker_mae_sot, home):
    stay = services.check_in(
        by=case_worker_mae_sot, person=PersonFactory(), home=home, check_in_on=TODAY()
    )
    with pytest.raises(ValidationError):
        services.check_out(
            by=case_worker_mae_sot,
            stay=stay,
            check_out_on=TODAY() - timedelta(days=1),
            expected_version=stay.version,
        )
    services.check_out(
        by=case_worker_mae_sot, stay=stay, check_out_on=TODAY(), expected_version=stay.version
    )
    with pytest.raises(ValidationError, match="already ended"):
        services.check_out(
            by=case_worker_mae_sot,
            stay=stay,
            check_out_on=TODAY(),
            expected_version=saved_version(stay),
        )


# --- Capacity override ------------------------------------------------------------------------


def test_a_full_home_takes_someone_more_only_with_a_reason(case_worker_mae_sot, home):
    for person in PersonFactory.create_batch(2):
        services.check_in(by=case_worker_mae_sot, person=person, home=home, check_in_on=TODAY())
    newcomer = PersonFactory()
    with pytest.raises(ValidationError) as refused:
        services.check_in(by=case_worker_mae_sot, person=newcomer, home=home, check_in_on=TODAY())
    assert "override_reason" in refused.value.error_dict
    stay = services.check_in(
        by=case_worker_mae_sot,
        person=newcomer,
        home=home,
        check_in_on=TODAY(),
        override_reason="Released from detention tonight, nowhere else to go",
    )
    assert stay.over_capacity_reason.startswith("Released")
    event = AuditEvent.objects.get(object_type="programs.stay", person_id=newcomer.pk)
    # The reason stays on the (encrypted) stay; the audit log says there was one.
    assert event.changes["over_capacity_reason"] == [None, "•••"]


def test_a_reason_is_not_kept_when_there_is_room(case_worker_mae_sot, home):
    stay = services.check_in(
        by=case_worker_mae_sot,
        person=PersonFactory(),
        home=home,
        check_in_on=TODAY(),
        override_reason="x",
    )
    assert stay.over_capacity_reason == ""


def test_check_in_form_shows_the_capacity_message(client, signed_in, case_worker_mae_sot, home):
    StayFactory.create_batch(2, home=home)
    newcomer = PersonFactory()
    signed_in(case_worker_mae_sot)
    data = {"home": home.pk, "person": newcomer.pk, "check_in": TODAY().isoformat()}
    response = client.post(reverse("programs:check_in"), data)
    assert response.status_code == 200 and "is full" in response.content.decode()
    data["override_reason"] = "Emergency"
    assert client.post(reverse("programs:check_in"), data).status_code == 302
    assert Stay.objects.get(person=newcomer).over_capacity_reason == "Emergency"


def test_check_in_form_offers_only_people_without_an_open_stay(
    client, signed_in, case_worker_mae_sot, home, person_delhi
):
    living = StayFactory(home=home).person
    free = PersonFactory(case_number="MS-25-09998")
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("programs:check_in")).content.decode()
    assert free.case_number in page
    assert living.case_number not in page and person_delhi.case_number not in page


def test_check_out_through_the_home_page(client, signed_in, case_worker_mae_sot, home):
    stay = StayFactory(home=home, check_in=TODAY() - timedelta(days=3))
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:check_out", args=[stay.pk]),
        {"check_out": TODAY().isoformat(), "version": stay.version},
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.check_out == TODAY() and stay.checked_out_by == case_worker_mae_sot


# --- Occupancy --------------------------------------------------------------------------------


def test_occupancy_per_site_shows_capacity_residents_and_free_places(
    admin_user, home, mae_sot, new_delhi, django_assert_max_num_queries
):
    StayFactory(home=home)
    StayFactory(
        home=home, check_in=TODAY() - timedelta(days=9), check_out=TODAY() - timedelta(days=2)
    )
    small = SafeHomeFactory(name="Home B", location=mae_sot, capacity=1)
    StayFactory.create_batch(2, home=small)  # over capacity after an override
    delhi = SafeHomeFactory(name="Delhi home", location=new_delhi, capacity=5)
    SafeHomeFactory(name="Closed home", location=mae_sot, active=False)
    with django_assert_max_num_queries(2):  # homes with their sites; open stays with people
        sites = selectors.occupancy(admin_user)
    by_site = {site.location.code: site for site in sites}
    mae_sot_site = by_site["MAE-SOT"]
    assert [(h.home.name, h.home.capacity, h.occupied, h.free) for h in mae_sot_site.homes] == [
        ("Home A", 2, 1, 1),
        ("Home B", 1, 2, 0),
    ]
    assert mae_sot_site.homes[1].over_capacity
    assert (mae_sot_site.capacity, mae_sot_site.occupied, mae_sot_site.free) == (3, 3, 1)
    assert [h.home for h in by_site["NEW-DELHI"].homes] == [delhi]


def test_occupancy_page_shows_only_the_case_workers_sites(
    client, signed_in, case_worker_mae_sot, home, new_delhi
):
    resident = StayFactory(home=home).person
    SafeHomeFactory(name="Delhi home", location=new_delhi)
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("programs:occupancy")).content.decode()
    assert "Home A" in page and resident.case_number in page
    assert "Delhi home" not in page
    assert "1 of 2 places taken, 1 free" in page
