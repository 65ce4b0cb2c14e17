"""Distributions: one or many people at once, the repeat warning, receipts and the summary."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from programs import selectors, services
from programs.models import AssistanceType, Distribution
from tests.programs.conftest import (
    check_offers_the_50_most_recent,
    check_search_finds_beyond_the_first_50,
    check_search_in_the_url_is_not_run,
    check_shown_again_with_the_choices,
    is_checked,
    offered,
    search,
)
from tests.programs.factories import (
    AssistanceTypeFactory,
    DistributionFactory,
    PartnerFactory,
    PersonFactory,
)


@pytest.fixture
def food(db):
    return AssistanceTypeFactory(name="Food basket", repeat_warning_days=30)


def bulk_data(assistance_type, people, **extra):
    return {
        "assistance_type": assistance_type.pk,
        "quantity": "1",
        "distributed_on": timezone.localdate().isoformat(),
        "people": [p.pk for p in people],
        **extra,
    }


# --- Bulk distribution ------------------------------------------------------------------------


def test_bulk_form_distributes_one_type_to_many_people(
    client, signed_in, case_worker_mae_sot, food, django_assert_max_num_queries
):
    people = PersonFactory.create_batch(3)
    partner = PartnerFactory(name="Food partner")
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:distribution_bulk"), bulk_data(food, people, partner=partner.pk)
    )
    assert response.status_code == 302
    rows = Distribution.objects.all()
    assert {d.person_id for d in rows} == {p.pk for p in people}
    assert {(d.assistance_type, d.partner, d.recorded_by) for d in rows} == {
        (food, partner, case_worker_mae_sot)
    }
    events = AuditEvent.objects.filter(object_type="programs.distribution", action="create")
    assert {e.person_id for e in events} == {p.pk for p in people}


def test_bulk_distribution_takes_the_same_queries_for_many_people(
    case_worker_mae_sot, food, mae_sot, django_assert_max_num_queries
):
    people = PersonFactory.create_batch(50)
    # savepoint, the repeat check, one INSERT of distributions, one of audit rows with the
    # audit chain's head (locked, then moved), release
    with django_assert_max_num_queries(7):
        services.distribute(
            by=case_worker_mae_sot,
            location=mae_sot,
            assistance_type=food,
            people=people,
            quantity=Decimal(1),
            distributed_on=timezone.localdate(),
        )
    assert Distribution.objects.count() == 50


def test_bulk_form_lists_only_people_of_the_chosen_site(
    client, signed_in, case_worker_mae_sot, person_mae_sot, person_delhi, food
):
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("programs:distribution_bulk")).content.decode()
    assert person_mae_sot.case_number in page and person_delhi.case_number not in page


def test_bulk_form_refuses_a_person_of_another_site(
    client, signed_in, case_worker_mae_sot, person_delhi, food
):
    signed_in(case_worker_mae_sot)
    response = client.post(reverse("programs:distribution_bulk"), bulk_data(food, [person_delhi]))
    assert response.status_code == 200 and not Distribution.objects.exists()


def test_service_refuses_people_of_another_site(case_worker_mae_sot, mae_sot, person_delhi, food):
    with pytest.raises(ValidationError, match="another site"):
        services.distribute(
            by=case_worker_mae_sot,
            location=mae_sot,
            assistance_type=food,
            people=[person_delhi],
            quantity=Decimal(1),
            distributed_on=timezone.localdate(),
        )


def test_a_future_date_or_zero_quantity_is_refused(
    case_worker_mae_sot, mae_sot, person_mae_sot, food
):
    for quantity, on in (
        (Decimal(0), timezone.localdate()),
        (Decimal(1), timezone.localdate() + timedelta(days=1)),
    ):
        with pytest.raises(ValidationError):
            services.distribute(
                by=case_worker_mae_sot,
                location=mae_sot,
                assistance_type=food,
                people=[person_mae_sot],
                quantity=quantity,
                distributed_on=on,
            )


def test_admin_chooses_the_site_of_a_bulk_distribution(
    client, signed_in, admin_user, new_delhi, person_delhi, food
):
    signed_in(admin_user)
    url = reverse("programs:distribution_bulk") + f"?location={new_delhi.pk}"
    assert person_delhi.case_number in client.get(url).content.decode()
    assert client.post(url, bulk_data(food, [person_delhi])).status_code == 302
    assert Distribution.objects.get().location == new_delhi


def test_admin_searches_the_chosen_site_without_the_name_in_the_url(
    client, signed_in, admin_user, mae_sot, new_delhi, person_delhi, food
):
    """The site stays in the URL (it names nobody); the search is kept under `?f=`."""
    PersonFactory(location=mae_sot, full_name="Kyaw Soe Lin")
    PersonFactory(location=new_delhi, full_name="Hla Myint Oo", case_number="ND-25-00002")
    signed_in(admin_user)
    url = reverse("programs:distribution_bulk") + f"?location={new_delhi.pk}"
    response = search(client, url, person_delhi.full_name)
    assert response.redirect_chain[-1][0].startswith(f"{url}&f=")
    assert offered(response) == {person_delhi.case_number}
    # The distribution form posts to that page: the search and the site stay chosen.
    found_at = response.redirect_chain[-1][0]
    assert client.post(found_at, bulk_data(food, [person_delhi])).status_code == 302
    assert Distribution.objects.get().location == new_delhi


def test_single_distribution_from_the_person_page(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    cash = AssistanceTypeFactory(name="Cash (THB)", kind="cash", unit="", currency="THB")
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:person_distribution_create", args=[person_mae_sot.pk]),
        {
            "assistance_type": cash.pk,
            "quantity": "1500",
            "distributed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    distribution = Distribution.objects.get()
    assert (
        distribution.quantity == Decimal(1500) and distribution.location == person_mae_sot.location
    )


# --- The bulk form at a large site: at most 50 people offered, search finds the others -----


def test_bulk_form_offers_the_50_most_recently_registered_and_says_there_are_more(
    client, signed_in, case_worker_mae_sot, food, site_of_51
):
    signed_in(case_worker_mae_sot)
    check_offers_the_50_most_recent(client, reverse("programs:distribution_bulk"), site_of_51)


def test_bulk_form_search_finds_someone_beyond_the_first_50(
    client, signed_in, case_worker_mae_sot, food, site_of_51
):
    signed_in(case_worker_mae_sot)
    check_search_finds_beyond_the_first_50(
        client,
        reverse("programs:distribution_bulk"),
        site_of_51,
        "Nobody at this site matches this search.",
    )


def test_bulk_form_does_not_run_a_search_in_the_url(
    client, signed_in, case_worker_mae_sot, mae_sot, food, site_of_51
):
    signed_in(case_worker_mae_sot)
    url = reverse("programs:distribution_bulk")
    check_search_in_the_url_is_not_run(client, url, "Thura Zin")
    check_search_in_the_url_is_not_run(client, url, "Thura Zin", keep=str(mae_sot.pk))
    # Only a site's id is carried on, never words typed in its place.
    assert client.get(url, {"q": "Thura", "location": "Thura"})["Location"] == url
    response = client.post(f"{url}?location=Thura", {"q": "Thura"})
    assert response.status_code == 302 and "Thura" not in response["Location"]


def test_bulk_form_says_when_nobody_at_the_site_may_receive_assistance(
    client, signed_in, case_worker_mae_sot, food, mae_sot
):
    PersonFactory(status="closed")
    signed_in(case_worker_mae_sot)
    response = client.get(reverse("programs:distribution_bulk"))
    assert not offered(response)
    assert "Nobody at this site may receive assistance." in response.content.decode()


def test_someone_beyond_the_first_50_receives_a_bulk_distribution(
    client, signed_in, case_worker_mae_sot, food, site_of_51
):
    oldest, second, newest = site_of_51[0], site_of_51[1], site_of_51[-1]
    signed_in(case_worker_mae_sot)
    # Found by a search, posted from the search results, or from the unfiltered page.
    url = reverse("programs:distribution_bulk")
    found_at = search(client, url, "thura").redirect_chain[-1][0]
    assert client.post(found_at, bulk_data(food, [oldest])).status_code == 302
    assert client.post(url, bulk_data(food, [second, newest])).status_code == 302
    assert set(Distribution.objects.values_list("person_id", flat=True)) == {
        oldest.pk,
        second.pk,
        newest.pk,
    }


def test_bulk_form_shown_again_keeps_the_people_chosen(
    client, signed_in, case_worker_mae_sot, food, site_of_51, person_delhi
):
    chosen = [site_of_51[0], site_of_51[1], site_of_51[-1]]  # the first two not among the 50
    signed_in(case_worker_mae_sot)
    url = reverse("programs:distribution_bulk")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for data in (
        bulk_data(food, chosen, distributed_on=tomorrow),  # an error of another field
        bulk_data(food, [*chosen, person_delhi]),  # someone of another site
    ):
        response = client.post(url, data)
        assert not Distribution.objects.exists()
        check_shown_again_with_the_choices(response, chosen, refused=person_delhi)


def test_repeat_warning_for_someone_beyond_the_first_50_can_be_confirmed(
    client, signed_in, case_worker_mae_sot, food, site_of_51
):
    oldest, newest = site_of_51[0], site_of_51[-1]
    DistributionFactory(
        person=oldest, assistance_type=food, distributed_on=timezone.localdate() - timedelta(days=3)
    )
    signed_in(case_worker_mae_sot)
    url = reverse("programs:distribution_bulk")
    first = client.post(url, bulk_data(food, [oldest, newest]))
    page = first.content.decode()
    assert "Save anyway" in page and oldest.case_number in page
    # "Save anyway" submits the form shown: both people must still be ticked in it.
    assert is_checked(page, oldest.pk) and is_checked(page, newest.pk)
    token = first.context["form"].acknowledgement
    second = client.post(url, bulk_data(food, [oldest, newest], acknowledge_repeats=token))
    assert second.status_code == 302
    assert Distribution.objects.filter(assistance_type=food).count() == 3


# --- Repeat-assistance warning ----------------------------------------------------------------


def test_repeat_assistance_warns_before_saving_and_saves_once_confirmed(
    client, signed_in, case_worker_mae_sot, food
):
    fed, new = PersonFactory.create_batch(2)
    DistributionFactory(
        person=fed, assistance_type=food, distributed_on=timezone.localdate() - timedelta(days=10)
    )
    signed_in(case_worker_mae_sot)
    url = reverse("programs:distribution_bulk")

    first = client.post(url, bulk_data(food, [fed, new]))
    page = first.content.decode()
    assert first.status_code == 200 and "Received this recently" in page
    assert fed.case_number in page and "Save anyway" in page
    assert Distribution.objects.count() == 1  # nothing saved yet: a warning, shown before saving

    token = first.context["form"].acknowledgement
    second = client.post(url, bulk_data(food, [fed, new], acknowledge_repeats=token))
    assert second.status_code == 302
    assert Distribution.objects.count() == 3
    assert Distribution.objects.get(person=fed, repeat_acknowledged=True)
    assert not Distribution.objects.get(person=new).repeat_acknowledged
    event = AuditEvent.objects.get(object_type="programs.distribution", person_id=fed.pk)
    assert event.changes["repeat_acknowledged"] == [None, True]


def test_a_confirmation_covers_only_the_people_named_in_the_warning(
    case_worker_mae_sot, mae_sot, food
):
    warned, other = PersonFactory.create_batch(2)
    for person in (warned, other):
        DistributionFactory(person=person, assistance_type=food)
    with pytest.raises(services.RepeatAssistance) as warning:
        services.distribute(
            by=case_worker_mae_sot,
            location=mae_sot,
            assistance_type=food,
            people=[warned, other],
            quantity=Decimal(1),
            distributed_on=timezone.localdate(),
            acknowledged_repeats={warned.pk},
        )
    assert set(warning.value.last_received) == {warned.pk, other.pk}
    assert Distribution.objects.count() == 2


def test_no_warning_outside_the_period_or_for_another_type(case_worker_mae_sot, mae_sot, food):
    person = PersonFactory()
    DistributionFactory(
        person=person,
        assistance_type=food,
        distributed_on=timezone.localdate() - timedelta(days=31),
    )
    DistributionFactory(
        person=person, assistance_type=AssistanceTypeFactory(name="Hygiene kit", kind="hygiene")
    )
    services.distribute(
        by=case_worker_mae_sot,
        location=mae_sot,
        assistance_type=food,
        people=[person],
        quantity=Decimal(1),
        distributed_on=timezone.localdate(),
    )
    assert Distribution.objects.filter(assistance_type=food).count() == 2


def test_the_warning_period_is_set_per_type_and_zero_turns_it_off(case_worker_mae_sot, mae_sot):
    medical = AssistanceTypeFactory(name="Medical support", kind="medical", repeat_warning_days=0)
    person = PersonFactory()
    DistributionFactory(person=person, assistance_type=medical)
    services.distribute(
        by=case_worker_mae_sot,
        location=mae_sot,
        assistance_type=medical,
        people=[person],
        quantity=Decimal(1),
        distributed_on=timezone.localdate(),
    )
    assert Distribution.objects.count() == 2


# --- Types, receipts and the summary ----------------------------------------------------------


def test_cash_needs_a_currency_and_only_cash_has_one(db):
    with pytest.raises(ValidationError):
        AssistanceType(name="Cash", kind="cash").full_clean()
    with pytest.raises(ValidationError):
        AssistanceType(name="Rice", kind="food", unit="bag", currency="THB").full_clean()
    with pytest.raises(IntegrityError):
        AssistanceType.objects.create(name="Cash", kind="cash")


def test_receipt_is_confirmed_once_with_who_and_when(client, signed_in, case_worker_mae_sot, food):
    distribution = DistributionFactory(assistance_type=food)
    signed_in(case_worker_mae_sot)
    url = reverse("programs:distribution_confirm", args=[distribution.pk])
    assert client.post(url, {"version": distribution.version}).status_code == 302
    distribution.refresh_from_db()
    assert distribution.received_confirmed_by == case_worker_mae_sot
    assert distribution.received_confirmed_at is not None
    client.post(url, {"version": distribution.version})
    assert (
        AuditEvent.objects.filter(object_type="programs.distribution", action="update").count() == 1
    )


def test_summary_counts_distributions_people_quantity_and_confirmed_receipts(admin_user, food):
    person = PersonFactory()
    DistributionFactory(person=person, assistance_type=food, quantity=2)
    DistributionFactory(
        person=person, assistance_type=food, quantity=1, received_confirmed_at=timezone.now()
    )
    DistributionFactory(assistance_type=food, quantity=1, received_confirmed_at=timezone.now())
    (row,) = selectors.assistance_summary(selectors.distributions_for(admin_user))
    assert (row["distributions"], row["people"], row["quantity"], row["confirmed"]) == (3, 2, 4, 2)


def test_distribution_list_shows_own_sites_only(
    client, signed_in, case_worker_mae_sot, person_mae_sot, person_delhi, food
):
    DistributionFactory(person=person_mae_sot, assistance_type=food)
    DistributionFactory(person=person_delhi, assistance_type=food)
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("programs:distribution_list")).content.decode()
    assert person_mae_sot.case_number in page and person_delhi.case_number not in page
    assert "0 / 1" in page  # one distribution, none confirmed


# --- The list's period: the last 30 days unless dates are given ------------------------------

YANGON = ZoneInfo("Asia/Yangon")


def on(day: date):
    """Travel to noon of a local (Yangon) day."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 12, tzinfo=YANGON), tick=False
    )


@pytest.fixture
def spring_distributions(food, mae_sot):
    """Food given on 15 March 2026 (today in these tests), on 14 February (the 30th day back)
    and on 13 February (31 days back): {day: distribution}."""
    days = [date(2026, 3, 15), date(2026, 2, 14), date(2026, 2, 13)]
    return {day: DistributionFactory(assistance_type=food, distributed_on=day) for day in days}


def test_distribution_list_shows_the_last_30_days_by_default(
    client, signed_in, case_worker_mae_sot, spring_distributions
):
    with on(date(2026, 3, 15)):
        signed_in(case_worker_mae_sot)
        response = client.get(reverse("programs:distribution_list"))
    page = response.content.decode()
    shown = {d.person_id for d in response.context["distributions"]}
    assert shown == {d.person_id for day, d in spring_distributions.items() if day.day != 13}
    (summary,) = response.context["summary"]
    assert (summary["distributions"], summary["people"]) == (2, 2)
    assert "Showing the last 30 days, 2026-02-14 to 2026-03-15." in page
    assert 'name="from" value="2026-02-14"' in page and 'name="to" value="2026-03-15"' in page
    assert 'href="?from=&amp;to="' in page  # show all dates


def test_distribution_list_with_the_dates_cleared_shows_every_date(
    client, signed_in, case_worker_mae_sot, spring_distributions
):
    with on(date(2026, 3, 15)):
        signed_in(case_worker_mae_sot)
        response = client.get(reverse("programs:distribution_list"), {"from": "", "to": ""})
    assert len(response.context["distributions"]) == 3
    (summary,) = response.context["summary"]
    assert summary["distributions"] == 3
    page = response.content.decode()
    assert "Showing the last" not in page
    assert 'name="from" value=""' in page and 'name="to" value=""' in page


def test_distribution_list_shows_the_dates_chosen(
    client, signed_in, case_worker_mae_sot, spring_distributions
):
    oldest = spring_distributions[date(2026, 2, 13)]
    with on(date(2026, 3, 15)):
        signed_in(case_worker_mae_sot)
        url = reverse("programs:distribution_list")
        response = client.get(url, {"from": "2026-02-01", "to": "2026-02-13"})
        assert [d.pk for d in response.context["distributions"]] == [oldest.pk]
        assert "Showing the last" not in response.content.decode()
        # Only one date, or an impossible one: the other end is open.
        response = client.get(url, {"to": "2026-02-13"})
        assert [d.pk for d in response.context["distributions"]] == [oldest.pk]
        response = client.get(url, {"from": "2026-02-30"})
        assert response.status_code == 200 and len(response.context["distributions"]) == 3
