"""Statements built once and sent again (`portal.statements`), and the second-factor check
that uses one (`portal.adapters.MfaAdapter.is_mfa_enabled`)."""

import pytest
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.db.models import QuerySet

from portal.adapters import MfaAdapter, _authenticator_statement
from portal.models import Location
from portal.statements import fetch_all, kept_statement

pytestmark = pytest.mark.django_db


@kept_statement
def _codes_statement(alias: str, active: bool) -> QuerySet:
    return Location.objects.using(alias).filter(active=active).order_by("code").values_list("code")


def test_a_statement_is_built_once_per_values_and_read_every_time(mae_sot, new_delhi):
    _codes_statement.cache_clear()
    assert fetch_all(_codes_statement("default", True)) == [
        ("MAE-SARIANG",),
        ("MAE-SOT",),
        ("NEW-DELHI",),
    ]
    Location.objects.filter(pk=new_delhi.pk).update(active=False)
    assert fetch_all(_codes_statement("default", True)) == [("MAE-SARIANG",), ("MAE-SOT",)]
    assert fetch_all(_codes_statement("default", False)) == [("NEW-DELHI",)]
    built = _codes_statement.cache_info()
    assert (built.misses, built.hits) == (2, 1)


@pytest.mark.parametrize("types", [None, [Authenticator.Type.TOTP], [Authenticator.Type.WEBAUTHN]])
def test_the_second_factor_check_answers_as_allauths(admin_user, trainer, types):
    for user in (admin_user, trainer):  # with a TOTP authenticator, and with none
        assert MfaAdapter().is_mfa_enabled(user, types) == DefaultMFAAdapter().is_mfa_enabled(
            user, types
        )
    assert MfaAdapter().is_mfa_enabled(admin_user) is True
    assert MfaAdapter().is_mfa_enabled(trainer) is False


def test_a_removed_authenticator_shows_at_the_next_check(admin_user, django_assert_num_queries):
    _authenticator_statement.cache_clear()
    with django_assert_num_queries(1):
        assert MfaAdapter().is_mfa_enabled(admin_user)
    Authenticator.objects.filter(user=admin_user).delete()
    with django_assert_num_queries(1):
        assert not MfaAdapter().is_mfa_enabled(admin_user)
    assert _authenticator_statement.cache_info().misses == 1
