import re
from datetime import timedelta

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
