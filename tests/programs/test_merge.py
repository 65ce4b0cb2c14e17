from people import services
from programs.models import Enrolment, Stay
from tests.programs.factories import EnrolmentFactory, PersonFactory, SafeHomeFactory, StayFactory


def test_merging_two_records_in_the_same_session_and_both_housed(admin_user):
    first = EnrolmentFactory()
    keep = first.person
    merge = PersonFactory(location=keep.location)
    Enrolment.objects.create(session=first.session, person=merge, enrolled_by=first.enrolled_by)
    StayFactory(person=keep)
    StayFactory(person=merge, home=SafeHomeFactory())
    services.merge_people(by=admin_user, keep=keep, merge=merge)
    assert Enrolment.objects.filter(session=first.session, person=keep).count() == 1
    assert not Enrolment.objects.filter(person=merge).exists()
    assert Stay.objects.filter(person=keep, check_out__isnull=True).count() == 1
    assert Stay.objects.filter(person=keep).count() == 2
