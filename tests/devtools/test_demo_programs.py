from datetime import timedelta

import time_machine
from django.utils import timezone

from devtools.demo import programs as demo_programs
from programs.models import AssistanceType, Course, Enrolment, SafeHome, TrainingSession
from tests.programs.factories import PersonFactory


def counts():
    return tuple(
        model.objects.count()
        for model in (Course, AssistanceType, SafeHome, TrainingSession, Enrolment)
    )


def test_seed_is_deterministic_and_idempotent(trainer, case_worker_mae_sot, new_delhi):
    PersonFactory(location=new_delhi, case_number="ND-25-00001")  # another site: not enrolled
    people = PersonFactory.create_batch(8)
    demo_programs.seed(trainer=trainer, enrolled_by=case_worker_mae_sot)
    first = counts()
    demo_programs.seed(trainer=trainer, enrolled_by=case_worker_mae_sot)
    assert counts() == first
    today = timezone.localdate()
    sessions = TrainingSession.objects.filter(trainer=trainer)
    assert sessions.filter(date=today).count() == 2 and sessions.filter(date__gt=today).exists()
    enrolled = set(Enrolment.objects.values_list("person_id", flat=True))
    assert enrolled == {p.pk for p in sorted(people, key=lambda p: p.case_number)[:6]}
    assert AssistanceType.objects.filter(kind="cash").count() == 3


def test_demo_sessions_move_with_the_calendar(trainer, case_worker_mae_sot):
    demo_programs.seed(trainer=trainer, enrolled_by=case_worker_mae_sot)
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        demo_programs.seed(trainer=trainer, enrolled_by=case_worker_mae_sot)
        assert TrainingSession.objects.filter(date=timezone.localdate()).count() == 2
    assert TrainingSession.objects.count() == len(demo_programs.DEMO_SESSIONS)


def test_demo_courses_and_assistance_have_burmese_names(trainer, case_worker_mae_sot):
    demo_programs.seed(trainer=trainer, enrolled_by=case_worker_mae_sot)
    assert not Course.objects.filter(name_my="").exists()
    assert not AssistanceType.objects.filter(name_my="").exists()
