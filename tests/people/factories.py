import factory

from people import transfers
from people.keys import apply_derived_fields
from people.models import Exit, Person
from portal.roles import Role
from tests.conftest import make_user, site


class PersonFactory(factory.django.DjangoModelFactory):
    """A person at MAE-SOT unless given another site. Derived fields are set as the services
    set them, so search and duplicate detection behave as in the application."""

    class Meta:
        model = Person

    case_number = factory.Sequence(lambda n: f"TS-25-{n:05d}")
    full_name = factory.Sequence(lambda n: f"Person Number {n}")
    preferred_name = factory.Sequence(lambda n: f"P{n}")
    sex = "male"
    birth_year = 1999
    location = factory.LazyFunction(lambda: site("MAE-SOT"))
    status = "active"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        person = model_class(*args, **kwargs)
        apply_derived_fields(person)
        person.save()
        return person


class ExitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exit

    person = factory.SubFactory(PersonFactory)
    exit_type = "defected"
    affiliation = "soldier"
    exit_date = factory.Faker("date_between", start_date="-2y", end_date="-1d")
    recruit_status = "new_recruit"


def transfer_accepted(*, by, person, to_location, reason="Family moved", new_case_worker=None):
    """A person moved the one way the portal allows: a transfer request `by` the sending site,
    accepted by the receiving site (an admin, for a new case worker of that site unless
    given). Returns the `Transfer` history row."""
    request = transfers.request_transfer(
        by=by, person=person, to_location=to_location, reason=reason
    )
    new_case_worker = new_case_worker or make_user(Role.CASE_WORKER, [to_location])
    admin = make_user(Role.ADMIN)
    accepted = transfers.accept_transfer(
        by=admin, request=request, new_case_worker=new_case_worker, expected_version=1
    )
    person.refresh_from_db()
    return accepted.transfer
