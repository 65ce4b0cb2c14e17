from datetime import time

import factory
from django.utils import timezone

from people.models import Partner
from portal.models import Location
from portal.roles import Role
from portal.timezones import site_today
from programs.models import (
    AssistanceType,
    Course,
    Distribution,
    Enrolment,
    SafeHome,
    Stay,
    TrainingSession,
)
from tests.conftest import site
from tests.factories import UserFactory
from tests.people import factories as people_factories


def _site(code: str = "MAE-SOT") -> Location:
    return site(code)


class PersonFactory(people_factories.PersonFactory):
    """A person registered at a site, as the people tests make them (derived keys included),
    with the case numbers and names the programme tests read, and no sex or birth year."""

    case_number = factory.Sequence(lambda n: f"MS-25-{n + 1:05d}")
    full_name = factory.Sequence(lambda n: f"Full Name {n}")
    preferred_name = factory.Sequence(lambda n: f"Ko {n}")
    sex = "unknown"
    birth_year = None


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner organisation {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Course {n}")


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    # Today at the session's own site (its date is that site's wall-clock day).
    date = factory.LazyAttribute(lambda session: site_today(session.location))
    start_time = time(9, 0)
    end_time = time(12, 0)
    location = factory.LazyFunction(_site)
    trainer = factory.SubFactory(UserFactory, role_and_sites__role=Role.TRAINER)
    capacity = 10


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    session = factory.SubFactory(TrainingSessionFactory)
    person = factory.SubFactory(PersonFactory, location=factory.SelfAttribute("..session.location"))
    enrolled_by = factory.SelfAttribute("session.trainer")


class AssistanceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistanceType
        django_get_or_create = ("name",)

    name = "Food basket"
    kind = AssistanceType.Kind.FOOD
    unit = "basket"
    repeat_warning_days = 30


class DistributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Distribution

    person = factory.SubFactory(PersonFactory)
    location = factory.SelfAttribute("person.location")
    assistance_type = factory.SubFactory(AssistanceTypeFactory)
    quantity = 1
    distributed_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(UserFactory, role_and_sites__role=Role.CASE_WORKER)


class SafeHomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafeHome

    name = factory.Sequence(lambda n: f"Home {n}")
    location = factory.LazyFunction(_site)
    capacity = 4


class StayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stay

    person = factory.SubFactory(PersonFactory)
    home = factory.SubFactory(SafeHomeFactory)
    check_in = factory.LazyFunction(timezone.localdate)
    checked_in_by = factory.SubFactory(UserFactory, role_and_sites__role=Role.CASE_WORKER)
