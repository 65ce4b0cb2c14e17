"""Every free text about a person is encrypted at rest (`portal.fields.EncryptedTextField`),
re-encrypted by `rotate_keys` and encrypted in place by the data migrations."""

from datetime import date
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models

from people import services as people_services
from people.models import Exit, Flag, FollowUp, Person, Referral, Transfer
from portal import crypto
from portal.fields import EncryptedTextField, encrypt_existing_values
from portal.models import AuditEvent
from programs import services as programme_services
from programs.models import LivelihoodOutcome, Stay
from tests.people.factories import transfer_accepted
from tests.programs.factories import PartnerFactory, PersonFactory, SafeHomeFactory

# Text fields of person-related models that stay readable by the database, each with why.
# A new CharField/TextField on such a model fails the test below until it is encrypted or
# listed here. (Fields with `choices` hold a fixed vocabulary, not free text.)
NOT_ENCRYPTED = {
    "people.Person.case_number": "the record's public reference, shown instead of the name",
    "people.Person.reference": "the organisation's own identifier, like the case number: "
    "unique (a database constraint) and searched by exact value",
    "people.Person.full_name": "searched and compared by the database (search, duplicates); "
    "scoped and audited on every read",
    "people.Person.preferred_name": "searched by the database; shown on rosters",
    "people.Person.name_my": "searched by the database (Burmese search)",
    "people.Person.name_key": "normalised search key of full_name (same reason)",
    "people.Person.name_my_key": "normalised search key of name_my (same reason)",
    "people.Person.match_key": "canonical syllables of full_name, for matching and search "
    "(issue 21; same reason)",
    "people.Person.match_my_key": "canonical syllables of name_my (same reason)",
    "people.Person.phone_hash": "a keyed hash of the encrypted phone, for exact search",
    "people.Exit.receiving_group": "the name of an organisation, not of the person; offered "
    "as suggestions, which the database reads",
}


def _reaches_person(model, depth: int = 4) -> bool:
    if model is Person:
        return True
    if depth == 0:
        return False
    return any(
        _reaches_person(field.related_model, depth - 1)
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model is not model
    )


def _person_text_fields():
    for model in apps.get_models():
        if not _reaches_person(model):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                yield f"{model._meta.label}.{field.name}", field


def test_every_text_field_about_a_person_is_encrypted_or_declared_not_personal():
    plain = {
        label for label, field in _person_text_fields() if not isinstance(field, EncryptedTextField)
    }
    assert plain - set(NOT_ENCRYPTED) == set(), "encrypt these or say why not (NOT_ENCRYPTED)"
    # A stale entry (a field encrypted or removed since) is removed from the list.
    assert set(NOT_ENCRYPTED) - plain == set()


def test_the_listed_notes_of_issue_19_are_encrypted():
    fields = dict(_person_text_fields())
    for label in [
        "people.Flag.note",
        "people.Flag.resolution_note",
        "people.FollowUp.description",
        "people.Transfer.reason",
        "people.Referral.outcome_note",
        "people.Referral.consent_override_reason",
        "people.Exit.place_township",
        "people.Exit.rank",
        "programs.LivelihoodOutcome.notes",
        "programs.LivelihoodOutcome.business_kind",
        "programs.Stay.over_capacity_reason",
    ]:
        assert isinstance(fields[label], EncryptedTextField), label


@pytest.fixture
def keys(settings):
    def use(*values):
        settings.FIELD_ENCRYPTION_KEYS = list(values)
        crypto.reset_keys_cache()

    yield use
    crypto.reset_keys_cache()


def raw(model, column: str, pk: int) -> str:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test constants
        return cursor.fetchone()[0]


def _written_through_the_services(admin_user, mae_sot, new_delhi):
    """One row of each newly encrypted field, each holding the word SECRET."""
    person = PersonFactory(location=mae_sot, consent_sharing=True)
    rows = []
    flag = people_services.raise_flag(
        by=admin_user, person=person, reason="security_risk", note="SECRET seen by informer"
    )
    flag = people_services.resolve_flag(
        by=admin_user, flag=flag, resolution_note="SECRET moved", expected_version=flag.version
    )
    rows += [(Flag, "note", flag.pk), (Flag, "resolution_note", flag.pk)]
    follow_up = people_services.add_follow_up(
        by=admin_user, person=person, due_on=date(2025, 5, 1), assignee=admin_user,
        description="SECRET call his mother",
    )  # fmt: skip
    rows.append((FollowUp, "description", follow_up.pk))
    referral = people_services.create_referral(
        by=admin_user,
        person=person,
        values={"partner": PartnerFactory(), "service": "legal", "referred_on": date(2025, 3, 1)},
    )
    people_services.update_referral(
        by=admin_user,
        referral=referral,
        status="completed",
        outcome_note="SECRET lawyer found",
        expected_version=referral.version,
    )
    rows.append((Referral, "outcome_note", referral.pk))
    exit_ = Exit.objects.create(
        person=person, exit_type="defected", affiliation="soldier", exit_date=date(2024, 2, 1),
        place_township="SECRET township", rank="SECRET sergeant",
    )  # fmt: skip
    rows += [(Exit, "place_township", exit_.pk), (Exit, "rank", exit_.pk)]
    outcome = programme_services.record_outcome(
        by=admin_user,
        person=person,
        values={"outcome": "small_business", "business_kind": "SECRET tea shop",
                "income_band": "basic_needs", "notes": "SECRET earns well"},
    )  # fmt: skip
    rows += [(LivelihoodOutcome, "business_kind", outcome.pk)]
    rows += [(LivelihoodOutcome, "notes", outcome.pk)]
    home = SafeHomeFactory(location=mae_sot, capacity=1)
    programme_services.check_in(
        by=admin_user, person=PersonFactory(location=mae_sot), home=home, check_in_on=date.today()
    )
    stay = programme_services.check_in(
        by=admin_user, person=person, home=home, check_in_on=date.today(),
        override_reason="SECRET fled last night",
    )  # fmt: skip
    rows.append((Stay, "over_capacity_reason", stay.pk))
    transfer = transfer_accepted(
        by=admin_user, person=person, to_location=new_delhi, reason="SECRET threatened in Mae Sot"
    )
    rows.append((Transfer, "reason", transfer.pk))
    return rows


def test_raw_sql_shows_only_ciphertext_of_the_notes(admin_user, mae_sot, new_delhi):
    for model, field, pk in _written_through_the_services(admin_user, mae_sot, new_delhi):
        stored = raw(model, model._meta.get_field(field).column, pk)
        assert "SECRET" not in stored, f"{model.__name__}.{field}"
        assert "SECRET" in getattr(model.objects.get(pk=pk), field)


def test_the_audit_log_does_not_copy_the_notes(admin_user, mae_sot, new_delhi):
    _written_through_the_services(admin_user, mae_sot, new_delhi)
    assert not [e.changes for e in AuditEvent.objects.all() if "SECRET" in str(e.changes)]


def test_rotate_keys_reencrypts_the_notes(admin_user, mae_sot, new_delhi, keys, settings):
    first = list(settings.FIELD_ENCRYPTION_KEYS)  # the admin's second factor was saved with it
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old, *first)
    rows = _written_through_the_services(admin_user, mae_sot, new_delhi)
    keys(new, old, *first)
    call_command("rotate_keys", stdout=None)
    keys(new)  # the old key is gone
    for model, field, pk in rows:
        assert "SECRET" in getattr(model.objects.get(pk=pk), field), f"{model.__name__}.{field}"


def test_the_data_migration_encrypts_existing_values_and_reverses(mae_sot, admin_user):
    person = PersonFactory(location=mae_sot)
    flag = Flag.objects.create(person=person, reason="security_risk", raised_by=admin_user)
    # A value as the column held it before the migration: plain text.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_flag SET note = %s WHERE id = %s", ["Seen by informer", flag.pk]
        )
    operation = encrypt_existing_values("people", {"flag": ["note", "resolution_note"]})
    # What the migration uses of the schema editor (SQLite opens no real one in a test's
    # transaction).
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    operation.code(apps, editor)
    operation.code(apps, editor)  # run twice: a value is encrypted once only
    assert "informer" not in raw(Flag, "note", flag.pk)
    assert Flag.objects.get(pk=flag.pk).note == "Seen by informer"
    assert raw(Flag, "resolution_note", flag.pk) == ""  # empty stays empty
    operation.reverse_code(apps, editor)
    assert raw(Flag, "note", flag.pk) == "Seen by informer"
