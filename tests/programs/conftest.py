import re
from datetime import timedelta
from urllib.parse import unquote_plus

import pytest
from django.utils import timezone

from people.models import Person
from portal.roles import Role
from tests.conftest import make_user
from tests.programs.factories import PersonFactory


@pytest.fixture
def other_trainer(mae_sot):
    """A second trainer at MAE-SOT: a colleague of `trainer`, whose sessions stay hidden."""
    return make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer2@example.org")


@pytest.fixture
def trainer_delhi(new_delhi):
    return make_user(Role.TRAINER, [new_delhi], mfa=False, email="trainer.delhi@example.org")


@pytest.fixture
def person_mae_sot(mae_sot):
    return PersonFactory(location=mae_sot)


@pytest.fixture
def person_delhi(new_delhi):
    return PersonFactory(location=new_delhi, case_number="ND-25-00001")


@pytest.fixture
def site_of_51(mae_sot):
    """51 usable people at MAE-SOT, registered a day apart: the longest registered first.
    Forms that offer people as checkboxes show the 50 most recent, so not the first."""
    start = timezone.now() - timedelta(days=60)
    people = [PersonFactory(full_name="Thura Zin Maung")] + PersonFactory.create_batch(50)
    for day, person in enumerate(people):
        Person.objects.filter(pk=person.pk).update(created_at=start + timedelta(days=day))
    return people


def offered(response) -> set[str]:
    """Case numbers of the people offered as checkboxes by the page's form."""
    return {
        label.split(" — ")[0]
        for _value, label in response.context["form"]["people"].field.widget.choices
    }


def is_checked(page: str, pk: int) -> bool:
    """Whether the checkbox of person `pk` is in the page, ticked."""
    tag = re.search(rf'<input type="checkbox" name="people" value="{pk}"[^>]*>', page)
    return tag is not None and " checked" in tag.group()


def search(client, url: str, query: str):
    """Search as the page's form does: the words are posted, the page they lead to is shown.
    The words are in no URL (issue 19): neither the redirect's, nor any link or form of the
    page found."""
    response = client.post(url, {"q": query}, follow=True)
    assert response.status_code == 200 and response.redirect_chain
    found_at = response.redirect_chain[-1][0]
    assert "f=" in found_at
    addresses = [found_at, response.request["QUERY_STRING"]] + re.findall(
        r'(?:href|action|src)="([^"]*)"', response.content.decode()
    )
    # The saved filters' key is random letters: "by" can be part of "HbYU4dQkl_Y". Only what
    # is around it must not hold the words.
    key = found_at.split("f=", 1)[1].split("&", 1)[0]
    addresses = [unquote_plus(address).replace(key, "").casefold() for address in addresses]
    for word in query.casefold().split():
        assert not [address for address in addresses if word in address], word
    return response


def check_search_in_the_url_is_not_run(client, url: str, query: str, keep: str = "") -> None:
    """A search typed into the address (an old bookmark) is not run: the page is shown
    without it, at an address that no longer carries it."""
    response = client.get(url, {"q": query, **({"location": keep} if keep else {})})
    expected = f"{url}?location={keep}" if keep else url
    assert response.status_code == 302 and response["Location"] == expected
    page = client.get(response["Location"])
    assert query not in page.content.decode()
    assert "Showing 50 of more than 50 people" in page.content.decode()


def check_offers_the_50_most_recent(client, url: str, site_of_51: list) -> None:
    """The form offers the 50 most recently registered and says there are more (with and
    without a search); with exactly 50 it says nothing more."""
    response = client.get(url)
    assert offered(response) == {person.case_number for person in site_of_51[1:]}
    assert "Showing 50 of more than 50 people" in response.content.decode()
    response = search(client, url, "MS-25-")
    assert len(offered(response)) == 50
    assert "More than 50 people match" in response.content.decode()
    site_of_51[-1].delete()
    response = client.get(url)
    assert len(offered(response)) == 50
    assert "more than 50" not in response.content.decode()


def check_search_finds_beyond_the_first_50(
    client, url: str, site_of_51: list, nobody_message: str
) -> None:
    """A search finds the longest registered person, whom the form does not offer unasked,
    and a search that matches nobody says so."""
    response = search(client, url, "thura zin")
    assert offered(response) == {site_of_51[0].case_number}
    assert "more than 50" not in response.content.decode()
    response = search(client, url, "nobody by that name")
    assert not offered(response)
    assert nobody_message in response.content.decode()


def check_shown_again_with_the_choices(response, chosen: list, refused) -> None:
    """A refused post shows the form again with every chosen person offered and ticked (also
    those beyond the 50 offered unasked), and without the person who was refused."""
    assert response.status_code == 200 and response.context["form"].errors
    page = response.content.decode()
    for person in chosen:
        assert f'value="{person.pk}" id="id_people_' in page
        assert is_checked(page, person.pk)
    assert refused.case_number not in page
