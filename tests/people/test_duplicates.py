from django.urls import reverse

from people import services
from people.duplicates import suspected_pairs
from people.models import Person
from tests.people.factories import ExitFactory, PersonFactory


def test_registration_shows_possible_duplicates_before_saving(
    client, signed_in, admin_user, person_mae_sot, mae_sot
):
    signed_in(admin_user)
    data = {"full_name": "kyaw  min oo", "sex": "male", "birth_year": str(person_mae_sot.birth_year + 1),
            "status": "intake", "dependants": "0", "location": mae_sot.pk}  # fmt: skip
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200
    assert person_mae_sot in response.context["possible_duplicates"]
    assert Person.objects.count() == 1
    response = client.post(reverse("people:create"), {**data, "not_a_duplicate": "on"})
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_same_burmese_name_or_phone_are_duplicates_but_distant_birth_years_are_not(person_mae_sot):
    same_burmese = PersonFactory(
        full_name="Other Spelling", name_my="ကျော်မင်း ဦး", birth_year=person_mae_sot.birth_year
    )
    same_phone = PersonFactory(
        full_name="Different", phone="+66 81 234 5678".replace("+66 ", "0"), birth_year=1950
    )
    far_year = PersonFactory(full_name="Kyaw Min Oo", birth_year=person_mae_sot.birth_year + 5)
    pairs = {(a.pk, b.pk): why for a, b, why in suspected_pairs(Person.objects.all())}
    assert pairs[(person_mae_sot.pk, same_burmese.pk)] == "name_my"
    assert pairs[(person_mae_sot.pk, same_phone.pk)] == "phone"
    assert (person_mae_sot.pk, far_year.pk) not in pairs


def test_merge_moves_everything_and_keeps_a_redirect(client, signed_in, admin_user, person_mae_sot):
    twin = PersonFactory(full_name="Kyaw Min Oo")
    ExitFactory(person=twin)
    services.add_note(by=admin_user, person=twin, text="note on the twin")
    signed_in(admin_user)
    response = client.post(
        reverse("people:merge", args=[person_mae_sot.pk, twin.pk]), {"keep": str(person_mae_sot.pk)}
    )
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into == person_mae_sot
    assert person_mae_sot.exits.count() == 1 and person_mae_sot.notes.count() == 1
    assert suspected_pairs(Person.objects.all()) == []


def test_pair_marked_as_different_people_is_not_suggested_again(
    client, signed_in, admin_user, person_mae_sot
):
    twin = PersonFactory(full_name="Kyaw Min Oo")
    signed_in(admin_user)
    page = client.get(reverse("people:duplicates")).content.decode()
    assert twin.case_number in page
    client.post(reverse("people:mark_distinct", args=[twin.pk, person_mae_sot.pk]))
    assert twin.case_number not in client.get(reverse("people:duplicates")).content.decode()


def test_a_merged_record_cannot_be_merged_again(admin_user, person_mae_sot):
    import pytest
    from django.core.exceptions import ValidationError

    twin = PersonFactory()
    services.merge_people(by=admin_user, keep=person_mae_sot, merge=twin)
    with pytest.raises(ValidationError):
        services.merge_people(by=admin_user, keep=person_mae_sot, merge=twin)
