"""`manage.py check_keys`: every encrypted column of every model, found by introspection, and
the MFA secrets, checked against the configured keys without printing a value."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db.models import TextField
from django.db.models.functions import Cast

from people import services
from people.models import Person
from portal import crypto
from portal.management.commands.check_keys import fingerprint
from portal.roles import Role
from tests.conftest import activate_totp, make_user
from tests.people.factories import PersonFactory

OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))
PHONE, NOTE = "0812345678", "Brother still serving in Sagaing"


@pytest.fixture
def keys(settings):
    def use(*values):
        settings.FIELD_ENCRYPTION_KEYS = list(values)
        crypto.reset_keys_cache()

    yield use
    crypto.reset_keys_cache()


def run(*args) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("check_keys", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code
    return code, out.getvalue() + err.getvalue()


def records(key_setter, key):
    key_setter(key)
    admin = make_user(Role.ADMIN, mfa=False)
    activate_totp(admin)
    person = PersonFactory(phone=PHONE, consent_notes="Consent via interpreter")
    note = services.add_note(by=admin, person=person, text=NOTE)
    return person, note


def assert_no_values(output: str, *tokens: str) -> None:
    for secret in (PHONE, NOTE, "interpreter", OLD, NEW, LOST, *tokens):
        assert secret not in output


def test_everything_under_the_newest_key_passes(db, keys):
    records(keys, NEW)
    code, output = run()
    assert code == 0
    assert "people.Person.phone: 1 values; 1 under the newest key" in output
    assert "people.CaseNote.text: 1 values; 1 under the newest key" in output
    assert "MFA secrets" in output and f"#1 {fingerprint(NEW)}" in output
    assert "Every encrypted value is under the newest key." in output
    assert_no_values(output)


def test_values_under_an_old_key_are_counted_and_strict_fails(db, keys):
    records(keys, OLD)
    keys(NEW, OLD)
    code, output = run()
    assert code == 0
    assert "people.Person.phone: 1 values; 0 under the newest key, 1 under key #2" in output
    assert "still under an older key" in output
    assert run("--strict")[0] == 1
    call_command("rotate_keys", stdout=StringIO())
    code, output = run("--strict")
    assert code == 0 and "Every encrypted value is under the newest key." in output


def test_values_under_a_removed_key_are_named_by_row_and_fail(db, keys):
    person, note = records(keys, LOST)
    keys(NEW)
    code, output = run()
    assert code == 1
    assert (
        f"people.Person.phone: 1 values; 0 under the newest key, 1 UNREADABLE (ids {person.pk})"
    ) in output
    assert (
        f"people.CaseNote.text: 1 values; 0 under the newest key, 1 UNREADABLE (ids {note.pk})"
    ) in output
    assert "cannot be read with the configured keys" in output
    tokens = Person.objects.filter(pk=person.pk).values_list(
        Cast("phone", TextField()), "phone_hash"
    )
    assert_no_values(output, *tokens.get())


def test_a_mix_of_keys_is_told_per_column(db, keys):
    records(keys, OLD)
    keys(NEW, OLD)
    PersonFactory(phone="0999")
    code, output = run()
    assert code == 0
    assert "people.Person.phone: 2 values; 1 under the newest key, 1 under key #2" in output
