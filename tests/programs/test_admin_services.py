"""The programmes' reference data in the Django admin: saved through the services, with
their rules (shown as form errors) and audit rows."""

from datetime import time, timedelta

from django.utils import timezone

from portal.models import AuditEvent
from programs.models import AssistanceType, Course, SafeHome, TrainingSession
from tests.programs.factories import (
    AssistanceTypeFactory,
    CourseFactory,
    DistributionFactory,
    EnrolmentFactory,
    SafeHomeFactory,
    StayFactory,
    TrainingSessionFactory,
)


def _session_form(session=None, **overrides):
    day = timezone.localdate() + timedelta(days=3)
    data = {
        "course": session.course_id if session else None,
        "date": (session.date if session else day).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "location": session.location_id if session else None,
        "trainer": session.trainer_id if session else None,
        "capacity": session.capacity if session else 10,
        "status": "planned",
    }
    data.update(overrides)
    return data


def test_admin_plans_a_session_through_the_service(client, signed_in, admin_user, trainer, mae_sot):
    course = CourseFactory()
    signed_in(admin_user)
    response = client.post(
        "/admin/programs/trainingsession/add/",
        _session_form(course=course.pk, location=mae_sot.pk, trainer=trainer.pk),
    )
    assert response.status_code == 302
    session = TrainingSession.objects.get(course=course)
    assert session.created_by == admin_user
    event = AuditEvent.objects.get(object_type="programs.trainingsession", action="create")
    assert event.object_id == str(session.pk) and event.site_id == mae_sot.pk


def test_admin_cannot_give_a_session_a_trainer_of_another_site(
    client, signed_in, admin_user, trainer_delhi, mae_sot
):
    course = CourseFactory()
    signed_in(admin_user)
    response = client.post(
        "/admin/programs/trainingsession/add/",
        _session_form(course=course.pk, location=mae_sot.pk, trainer=trainer_delhi.pk),
    )
    assert response.status_code == 200
    assert "does not work at the chosen site" in response.content.decode()
    assert not TrainingSession.objects.filter(course=course).exists()
    assert not AuditEvent.objects.filter(object_type="programs.trainingsession").exists()


def test_admin_cannot_make_someone_who_is_not_a_trainer_the_trainer(
    client, signed_in, admin_user, case_worker_mae_sot, mae_sot
):
    course = CourseFactory()
    signed_in(admin_user)
    response = client.post(
        "/admin/programs/trainingsession/add/",
        _session_form(course=course.pk, location=mae_sot.pk, trainer=case_worker_mae_sot.pk),
    )
    assert response.status_code == 200
    assert not TrainingSession.objects.filter(course=course).exists()


def test_the_trainer_is_chosen_from_a_list_not_typed_as_an_id(
    client, signed_in, admin_user, trainer, case_worker_mae_sot
):
    signed_in(admin_user)
    response = client.get("/admin/programs/trainingsession/add/")
    choices = set(response.context["adminform"].form.fields["trainer"].queryset)
    assert trainer in choices and case_worker_mae_sot not in choices
    assert "vForeignKeyRawIdAdminField" not in response.content.decode()


def test_admin_cannot_lower_capacity_below_the_places_taken(
    client, signed_in, admin_user, trainer, mae_sot
):
    session = TrainingSessionFactory(trainer=trainer, location=mae_sot, capacity=3)
    EnrolmentFactory.create_batch(2, session=session)
    signed_in(admin_user)
    response = client.post(
        f"/admin/programs/trainingsession/{session.pk}/change/",
        {
            **_session_form(session, start_time="09:00", end_time="12:00", capacity=1),
            "opened_version": session.version,
        },
    )
    assert response.status_code == 200
    assert "2 people are already enrolled" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 3
    assert not AuditEvent.objects.filter(object_type="programs.trainingsession").exists()


def test_admin_raises_capacity_with_an_audit_row(client, signed_in, admin_user, trainer, mae_sot):
    session = TrainingSessionFactory(
        trainer=trainer, location=mae_sot, capacity=3, start_time=time(9), end_time=time(12)
    )
    signed_in(admin_user)
    response = client.post(
        f"/admin/programs/trainingsession/{session.pk}/change/",
        {**_session_form(session, capacity=12), "opened_version": session.version},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="programs.trainingsession", action="update")
    assert event.changes == {"capacity": ["3", "12"]} and event.actor == admin_user


def test_sessions_are_cancelled_not_deleted_in_the_admin(client, signed_in, admin_user, trainer):
    session = TrainingSessionFactory(trainer=trainer)
    signed_in(admin_user)
    response = client.post(f"/admin/programs/trainingsession/{session.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert TrainingSession.objects.filter(pk=session.pk).exists()


def test_admin_adds_a_course_with_an_audit_row(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post(
        "/admin/programs/course/add/", {"name": "Welding", "description": "", "active": "on"}
    )
    assert response.status_code == 302
    course = Course.objects.get(name="Welding")
    assert AuditEvent.objects.filter(
        object_type="programs.course", object_id=str(course.pk), action="create"
    ).exists()


def test_cash_without_a_currency_is_a_form_error(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post(
        "/admin/programs/assistancetype/add/",
        {
            "name": "Cash grant",
            "kind": "cash",
            "unit": "",
            "currency": "",
            "repeat_warning_days": 30,
        },
    )
    assert response.status_code == 200
    assert "Cash needs a currency" in response.content.decode()
    assert not AssistanceType.objects.filter(name="Cash grant").exists()


def test_the_unit_of_assistance_already_given_stays(client, signed_in, admin_user):
    kind = AssistanceTypeFactory(name="Rice", unit="bag")
    DistributionFactory(assistance_type=kind)
    signed_in(admin_user)
    response = client.post(
        f"/admin/programs/assistancetype/{kind.pk}/change/",
        {"name": "Rice", "kind": "food", "unit": "kg", "currency": "", "repeat_warning_days": 30,
         "active": "on", "opened_version": kind.version},
    )  # fmt: skip
    assert response.status_code == 200
    assert "kind, unit and currency stay" in response.content.decode()
    kind.refresh_from_db()
    assert kind.unit == "bag"


def test_a_home_with_residents_is_not_closed(client, signed_in, admin_user, mae_sot):
    home = SafeHomeFactory(location=mae_sot, capacity=4)
    StayFactory(home=home)
    signed_in(admin_user)
    response = client.post(
        f"/admin/programs/safehome/{home.pk}/change/",
        {"name": home.name, "location": mae_sot.pk, "capacity": 4, "opened_version": home.version},
    )
    assert response.status_code == 200
    assert "check them out before closing it" in response.content.decode()
    home.refresh_from_db()
    assert home.active


def test_admin_renames_a_home_with_an_audit_row(client, signed_in, admin_user, mae_sot):
    home = SafeHomeFactory(location=mae_sot, capacity=4, name="Home A")
    signed_in(admin_user)
    response = client.post(
        f"/admin/programs/safehome/{home.pk}/change/",
        {
            "name": "Home B",
            "location": mae_sot.pk,
            "capacity": 4,
            "active": "on",
            "opened_version": home.version,
        },
    )
    assert response.status_code == 302
    assert SafeHome.objects.get(pk=home.pk).name == "Home B"
    event = AuditEvent.objects.get(object_type="programs.safehome", action="update")
    assert event.changes == {"name": ["Home A", "Home B"]} and event.site_id is None


def test_a_course_named_in_zawgyi_in_the_admin_is_stored_in_unicode(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post(
        "/admin/programs/course/add/",
        {"name": "လက္ဖက္ရည္ဆိုင္", "description": "", "active": "on"},  # Zawgyi: "tea shop"
    )
    assert response.status_code == 302
    assert Course.objects.filter(name="လက်ဖက်ရည်ဆိုင်").exists()
