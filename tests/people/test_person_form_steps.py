"""The registration and edit pages in steps, with an error summary and the duplicate decision
at the top (issue 22)."""

import re

from django.urls import reverse

from people.forms import PersonForm
from people.models import Person


def test_every_field_of_the_person_form_is_in_a_step():
    in_steps = [name for names in PersonForm.STEPS.values() for name in names]
    assert sorted(in_steps) == sorted(PersonForm.Meta.fields)


def test_a_failed_save_lists_each_error_at_the_top_linking_to_its_field(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:create"),
        {"full_name": "", "sex": "male", "status": "intake", "dependants": "0",
         "location": mae_sot.pk, "consent_storing": "on", "exit-exit_type": "defected"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r"<div [^>]*data-error-summary>.*?</div>", html, re.S).group(0)
    assert 'href="#id_full_name"' in summary
    assert 'href="#id_consent_date"' in summary  # consent given without its date
    assert 'href="#id_exit-affiliation"' in summary  # the exit form's errors too
    # The summary comes before the form, and every link names a field of the page.
    assert html.index("data-error-summary") < html.index('id="person-form"')
    for anchor in re.findall(r'href="#(id_[\w-]+)"', summary):
        assert f'id="{anchor}"' in html
    assert Person.objects.count() == 0


def test_choices_of_a_group_link_to_their_first_box(client, signed_in, admin_user, mae_sot):
    signed_in(admin_user)
    response = client.post(
        reverse("people:create"),
        {"full_name": "Aye Aye", "sex": "female", "status": "intake", "dependants": "0",
         "location": mae_sot.pk, "vulnerabilities": "no-such-choice"},
    )  # fmt: skip
    summary = re.search(
        r"<div [^>]*data-error-summary>.*?</div>", response.content.decode(), re.S
    ).group(0)
    assert 'href="#id_vulnerabilities_0"' in summary


def test_the_duplicate_decision_is_above_the_steps_and_required_to_save(
    client, signed_in, admin_user, person_mae_sot, mae_sot
):
    signed_in(admin_user)
    data = {"full_name": "kyaw  min oo", "sex": "male", "birth_year": str(person_mae_sot.birth_year),
            "status": "intake", "dependants": "0", "location": mae_sot.pk}  # fmt: skip
    html = client.post(reverse("people:create"), data).content.decode()
    candidates = html.index(person_mae_sot.case_number)
    decision = html.index('name="not_a_duplicate"')
    assert candidates < decision < html.index('id="step-person"')
    # Not decided: said in the error summary, linking to the decision.
    assert 'href="#id_not_a_duplicate"' in html
    assert Person.objects.count() == 1


def test_the_edit_page_shows_the_steps_without_the_exit(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    html = client.get(reverse("people:edit", args=[person_mae_sot.pk])).content.decode()
    for step in ("person", "consent", "contact"):
        assert f'id="step-{step}"' in html
    assert 'id="step-exit"' not in html
    assert "data-error-summary" not in html
