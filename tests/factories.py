import factory

from portal import services
from portal.models import Location, User
from portal.roles import Role

PASSWORD = "correct-horse-battery-staple"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SITE-{n}")
    case_prefix = factory.Sequence(lambda n: "T" + "".join(chr(65 + int(d)) for d in f"{n:03d}"))
    name = factory.LazyAttribute(lambda o: f"Site {o.code}")
    kind = Location.Kind.OTHER
    country = "Thailand"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Staff Member {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role_and_sites(self, create, extracted, **kwargs):
        role = kwargs.get("role", Role.ANALYST)
        services.set_role(self, role)
        sites = kwargs.get("sites") or []
        services.set_sites(self, sites)


def saved_version(record) -> int:
    """The version of a record as saved now (what a form or an ETag read now would carry)."""
    return type(record)._default_manager.filter(pk=record.pk).values_list("version", flat=True)[0]
