from django.urls import reverse

from people import services
from tests.people.factories import PersonFactory


def test_case_worker_home_lists_recent_cases_and_due_follow_ups_of_their_sites(
    client, signed_in, case_worker_mae_sot, mae_sot, new_delhi
):
    own = PersonFactory(location=mae_sot)
    other = PersonFactory(location=new_delhi)
    services.add_follow_up(
        by=case_worker_mae_sot,
        person=own,
        due_on="2020-01-01",
        assignee=case_worker_mae_sot,
        description="Visit the clinic",
    )
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("home")).content.decode()
    assert own.case_number in page and "Visit the clinic" in page
    assert other.case_number not in page


def test_trainer_and_analyst_homes_show_no_person_data(
    client, signed_in, trainer, analyst, mae_sot
):
    person = PersonFactory(location=mae_sot)
    for user in (trainer, analyst):
        signed_in(user)
        page = client.get(reverse("home")).content.decode()
        assert person.case_number not in page and person.full_name not in page


def test_trainer_home_names_the_sites_they_work_at(client, signed_in, trainer, mae_sot, new_delhi):
    signed_in(trainer)
    page = client.get(reverse("home")).content.decode()
    assert mae_sot.name in page and new_delhi.name not in page
    assert "not assigned to any site" not in page
