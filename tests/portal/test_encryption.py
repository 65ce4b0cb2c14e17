import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from people import services
from people.models import CaseNote, Person
from portal import crypto
from portal.roles import Role
from tests.conftest import activate_totp, make_user, totp_code
from tests.people.factories import PersonFactory

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    def use(*values):
        settings.FIELD_ENCRYPTION_KEYS = list(values)
        crypto.reset_keys_cache()

    yield use
    crypto.reset_keys_cache()


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test constants
        return cursor.fetchone()[0]


def test_raw_sql_shows_only_ciphertext_and_names_stay_searchable(admin_user, keys):
    keys(OLD)
    person = PersonFactory(
        full_name="Kyaw Min Oo", phone="0812345678", consent_notes="Consent via interpreter"
    )
    note = services.add_note(by=admin_user, person=person, text="Brother still serving")
    assert "0812" not in raw("people_person", "phone", person.pk)
    assert "interpreter" not in raw("people_person", "consent_notes", person.pk)
    assert "Brother" not in raw("people_casenote", "text", note.pk)
    assert raw("people_person", "full_name", person.pk) == "Kyaw Min Oo"


def test_rotate_keys_reencrypts_everything_with_the_newest_key(db, keys):
    keys(OLD)
    admin_user = make_user(Role.ADMIN, mfa=False)
    person = PersonFactory(phone="0812345678")
    note = services.add_note(by=admin_user, person=person, text="Secret text")
    activate_totp(admin_user)
    keys(NEW, OLD)
    call_command("rotate_keys", stdout=None)
    keys(NEW)  # the old key is gone
    assert Person.objects.get(pk=person.pk).phone == "0812345678"
    assert CaseNote.objects.get(pk=note.pk).text == "Secret text"
    assert len(totp_code(admin_user)) == 6
    keys(OLD)
    with pytest.raises(InvalidToken):
        Person.objects.get(pk=person.pk).phone  # noqa: B018 - reading decrypts


def test_encrypted_fields_refuse_content_lookups(db):
    with pytest.raises(NotImplementedError):
        list(Person.objects.filter(phone__icontains="081"))
