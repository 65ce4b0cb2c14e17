"""Confidential feedback (issue 19): feedback about a staff member and every safeguarding
concern are read by admins only; case workers see that such an item exists ("1 confidential
item, visible to admins"), never its content, and cannot open it (404)."""

from datetime import date

import pytest
from django.urls import reverse

from people import selectors, services
from people.models import Feedback
from portal.models import AuditEvent
from portal.roles import Role
from portal.scoping import visible_to
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SECRET = "The officer threatened him at the gate"


def feedback_data(**overrides):
    return {
        "received_on": date.today().isoformat(),
        "channel": "in_person",
        "category": "complaint",
        "text": SECRET,
        "status": "open",
        "response": "",
        "closed_on": "",
        "about_staff": "",
        **overrides,
    }


def record(person, by, **values):
    return services.save_feedback(
        by=by,
        person=person,
        values={"received_on": date.today(), "channel": "phone", "category": "complaint",
                "text": SECRET, "status": "open", **values},
    )  # fmt: skip


@pytest.mark.parametrize(
    "values", [{"category": "safeguarding"}, {"about_staff": "case worker"}], ids=["safeguarding",
                                                                                    "about staff"]
)  # fmt: skip
def test_case_workers_see_that_it_exists_not_what_it_says(
    client, signed_in, case_worker_mae_sot, person_mae_sot, values
):
    if values.get("about_staff"):
        values = {"about_staff": case_worker_mae_sot}  # the one it is about cannot read it
    item = record(person_mae_sot, case_worker_mae_sot, **values)
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:detail", args=[person_mae_sot.pk])).content.decode()
    assert "1 confidential item, visible to admins." in page
    assert reverse("people:feedback_edit", args=[person_mae_sot.pk, item.pk]) not in page
    assert SECRET not in page
    edit = client.get(reverse("people:feedback_edit", args=[person_mae_sot.pk, item.pk]))
    assert edit.status_code == 404
    posted = client.post(
        reverse("people:feedback_edit", args=[person_mae_sot.pk, item.pk]),
        feedback_data(text="Overwritten"),
    )
    assert posted.status_code == 404
    assert Feedback.objects.get(pk=item.pk).text == SECRET


def test_admins_read_confidential_feedback(client, signed_in, admin_user, case_worker_mae_sot,
                                           person_mae_sot):  # fmt: skip
    item = record(person_mae_sot, admin_user, about_staff=case_worker_mae_sot)
    signed_in(admin_user)
    page = client.get(reverse("people:detail", args=[person_mae_sot.pk])).content.decode()
    assert reverse("people:feedback_edit", args=[person_mae_sot.pk, item.pk]) in page
    assert "confidential" in page and "visible to admins" not in page
    edit = client.get(reverse("people:feedback_edit", args=[person_mae_sot.pk, item.pk]))
    assert edit.status_code == 200 and SECRET in edit.content.decode()


def test_ordinary_feedback_stays_visible_to_case_workers(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    item = record(person_mae_sot, case_worker_mae_sot, category="suggestion")
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:detail", args=[person_mae_sot.pk])).content.decode()
    assert reverse("people:feedback_edit", args=[person_mae_sot.pk, item.pk]) in page
    assert "confidential" not in page


def test_scoping_hides_confidential_feedback_from_every_role_but_admins(
    admin_user, case_worker_mae_sot, person_mae_sot
):
    confidential = record(person_mae_sot, admin_user, category="safeguarding")
    ordinary = record(person_mae_sot, admin_user)
    assert set(visible_to(admin_user, Feedback.objects.all())) == {confidential, ordinary}
    assert list(visible_to(case_worker_mae_sot, Feedback.objects.all())) == [ordinary]
    data = selectors.person_page_data(person_mae_sot, case_worker_mae_sot)
    assert data["feedback"] == [ordinary] and data["confidential_feedback"] == 1
    data = selectors.person_page_data(person_mae_sot, admin_user)
    assert data["confidential_feedback"] == 0 and len(data["feedback"]) == 2


def test_recording_a_complaint_about_a_colleague_through_the_form(
    client, signed_in, case_worker_mae_sot, person_mae_sot, mae_sot
):
    colleague = make_user(Role.CASE_WORKER, [mae_sot], email="colleague@example.org")
    signed_in(case_worker_mae_sot)
    url = reverse("people:feedback_add", args=[person_mae_sot.pk])
    form = client.get(url).context["form"]
    assert colleague in form.fields["about_staff"].queryset
    response = client.post(url, feedback_data(about_staff=colleague.pk), follow=True)
    assert response.status_code == 200
    assert "only admins can read it" in response.content.decode()
    item = Feedback.objects.get()
    assert item.about_staff == colleague and item.text == SECRET
    event = AuditEvent.objects.get(action="create", object_type="people.feedback")
    assert event.changes["text"] == ["•••", "•••"]  # never the words in the audit log
    assert event.changes["about_staff"] == [None, str(colleague.pk)]


def test_staff_of_another_site_cannot_be_named(
    client, signed_in, case_worker_mae_sot, case_worker_delhi, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    url = reverse("people:feedback_add", args=[person_mae_sot.pk])
    response = client.post(url, feedback_data(about_staff=case_worker_delhi.pk))
    assert response.status_code == 200 and response.context["form"].errors["about_staff"]
    assert not Feedback.objects.exists()
