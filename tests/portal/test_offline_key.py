"""Issue 20: the key that keeps a phone's offline data readable only during a sign-in
(portal/offline_key.py): given at sign-in in a script-readable, SameSite=Strict cookie, new at
each sign-in, handed over only to the same user, deleted at sign-out with Clear-Site-Data."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from portal import offline_key
from portal.models import AuditEvent
from portal.roles import Role
from tests.conftest import make_user
from tests.factories import PASSWORD
from tests.portal.test_settings import run_python

pytestmark = pytest.mark.django_db

MY_SESSIONS = "/programs/my-sessions/"


@pytest.fixture
def trainer_at_site(mae_sot):
    return make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer.key@example.org")


def sign_in(browser: Client, user) -> None:
    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content


def key_cookie(browser: Client):
    return browser.cookies.get(offline_key.KEY_COOKIE)


def test_signing_in_gives_a_script_readable_strict_key_cookie_for_the_sign_ins_life(
    trainer_at_site, settings
):
    browser = Client()
    sign_in(browser, trainer_at_site)
    cookie = key_cookie(browser)
    assert cookie and cookie.value
    assert not cookie["httponly"]  # the pages read it offline
    assert cookie["samesite"] == "Strict"
    assert not cookie["secure"]  # development over HTTP; production below
    assert 0 < int(cookie["max-age"]) <= settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
    secret, _signature = cookie.value.split(":")
    assert len(secret) == 43  # 32 random bytes, base64url
    stored = Session.objects.get().get_decoded()[offline_key.SESSION_KEY]
    assert stored["secret"] == secret


@override_settings(SESSION_COOKIE_SECURE=True)
def test_the_key_cookie_is_secure_where_the_session_cookie_is(trainer_at_site):
    browser = Client()
    sign_in(browser, trainer_at_site)
    assert key_cookie(browser)["secure"]


def test_each_sign_in_gets_a_new_key(trainer_at_site):
    browser = Client()
    sign_in(browser, trainer_at_site)
    first = key_cookie(browser).value
    browser.post(reverse("account_logout"))
    sign_in(browser, trainer_at_site)
    assert key_cookie(browser).value not in ("", first)


def test_a_page_request_does_not_set_the_cookie_again_once_the_browser_has_it(trainer_at_site):
    browser = Client()
    sign_in(browser, trainer_at_site)
    response = browser.get(MY_SESSIONS)
    assert response.status_code == 200
    assert offline_key.KEY_COOKIE not in response.cookies


def test_a_lost_cookie_is_given_again_with_the_same_key(trainer_at_site):
    browser = Client()
    sign_in(browser, trainer_at_site)
    value = key_cookie(browser).value
    del browser.cookies[offline_key.KEY_COOKIE]
    response = browser.get(MY_SESSIONS)
    assert response.cookies[offline_key.KEY_COOKIE].value == value


def test_signing_out_deletes_the_key_and_asks_the_browser_to_erase_storage(trainer_at_site):
    browser = Client()
    sign_in(browser, trainer_at_site)
    response = browser.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    deleted = response.cookies[offline_key.KEY_COOKIE]
    assert deleted.value == "" and int(deleted["max-age"]) == 0
    assert AuditEvent.objects.filter(action="logout", actor=trainer_at_site).count() == 1


def test_a_session_ended_by_inactivity_keeps_the_cookie_and_erases_nothing(
    trainer_at_site, settings
):
    """Offline longer than the idle timeout: the saves on the phone must survive until the
    trainer signs in again, so neither the cookie nor the storage goes."""
    browser = Client()
    sign_in(browser, trainer_at_site)
    assert browser.get(MY_SESSIONS).status_code == 200
    idle = settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=1)
    with time_machine.travel(timezone.now() + idle):
        response = browser.get(MY_SESSIONS)
    assert response.status_code == 302  # to the sign-in page
    assert "Clear-Site-Data" not in response
    assert offline_key.KEY_COOKIE not in response.cookies
    assert key_cookie(browser).value  # still on the phone


def test_the_same_user_signing_in_again_gets_the_previous_key_handed_over(trainer_at_site):
    browser = Client()
    sign_in(browser, trainer_at_site)
    previous = key_cookie(browser).value
    Session.objects.all().delete()  # the sign-in ended on the server while the phone was away
    sign_in(browser, trainer_at_site)
    handed = browser.cookies[offline_key.PREVIOUS_COOKIE]
    assert handed.value == previous
    assert int(handed["max-age"]) == offline_key.PREVIOUS_COOKIE_AGE
    assert handed["samesite"] == "Strict" and not handed["httponly"]
    assert key_cookie(browser).value != previous
    logins = AuditEvent.objects.filter(action="login", actor=trainer_at_site).order_by("pk")
    assert [event.changes for event in logins] == [
        {},
        {"offline_key": ["previous sign-in", "handed over"]},
    ]


def test_another_user_signing_in_on_the_phone_gets_no_previous_key(trainer_at_site, mae_sot):
    other = make_user(Role.TRAINER, [mae_sot], mfa=False, email="other.key@example.org")
    browser = Client()
    sign_in(browser, trainer_at_site)
    Session.objects.all().delete()
    sign_in(browser, other)
    assert offline_key.PREVIOUS_COOKIE not in browser.cookies


def test_a_forged_key_cookie_is_not_handed_over(trainer_at_site):
    browser = Client()
    browser.cookies[offline_key.KEY_COOKIE] = offline_key.new_secret() + ":forged"
    sign_in(browser, trainer_at_site)
    assert offline_key.PREVIOUS_COOKIE not in browser.cookies


@pytest.mark.parametrize(
    "value", ["", "no-colon", "a:b:c", ":", offline_key.cookie_value(2, "secret")]
)
def test_only_a_cookie_signed_for_the_user_gives_its_secret(value):
    assert offline_key.secret_for_user(value, 1) is None
    assert offline_key.secret_for_user(offline_key.cookie_value(1, "secret"), 1) == "secret"


@override_settings(OFFLINE_DATA_MAX_DAYS=3)
def test_the_pages_and_the_worker_are_told_the_expiry_and_the_cookie_names(
    client, signed_in, trainer
):
    signed_in(trainer)
    page = client.get(MY_SESSIONS).content.decode()
    assert 'data-max-days="3"' in page
    assert f'data-key-cookie="{offline_key.KEY_COOKIE}"' in page
    assert f'data-previous-key-cookie="{offline_key.PREVIOUS_COOKIE}"' in page
    worker = client.get(reverse("programs:offline_sw")).content.decode()
    assert '"maxDays": 3' in worker
    assert f'"keyCookie": "{offline_key.KEY_COOKIE}"' in worker


def test_offline_data_max_days_is_read_from_the_environment():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.OFFLINE_DATA_MAX_DAYS)"
    result = run_python(code, {"DEBUG": "True", "OFFLINE_DATA_MAX_DAYS": "12"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "12"


def test_an_api_token_request_gets_no_key_and_writes_no_session(trainer_at_site):
    _, token = AuthToken.objects.create(trainer_at_site)
    response = Client().get("/api/v1/sessions/mine/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert offline_key.KEY_COOKIE not in response.cookies
    assert not Session.objects.exists()
