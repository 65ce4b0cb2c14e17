"""Strings that stayed English on Burmese pages (issue 22): error pages, sort options, the
invitation e-mail and page."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, translation

from tests.portal.test_accounts import invitation_link, invite


def burmese_client(client):
    client.cookies["django_language"] = "my"
    return client


def test_404_page_in_burmese(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    response = burmese_client(client).get(reverse("people:detail", args=[999999]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "ရှာမတွေ့ပါ" in page and "Not found" not in page


def test_500_page_in_burmese(db, case_worker_mae_sot, monkeypatch):
    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr("config.views.case_worker_home", broken)
    client = Client(raise_request_exception=False)
    client.force_login(case_worker_mae_sot, backend="django.contrib.auth.backends.ModelBackend")
    response = burmese_client(client).get(reverse("home"))
    page = response.content.decode()
    assert response.status_code == 500
    assert 'lang="my"' in page
    assert "တစ်စုံတစ်ခု မှားယွင်းသွားသည်" in page and "Something went wrong" not in page


def test_500_page_in_english(db, case_worker_mae_sot, monkeypatch):
    monkeypatch.setattr(
        "config.views.case_worker_home", lambda user: (_ for _ in ()).throw(RuntimeError)
    )
    client = Client(raise_request_exception=False)
    client.force_login(case_worker_mae_sot, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in page and "Something went wrong" in page


def test_sort_options_in_burmese(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    page = burmese_client(client).get(reverse("people:list")).content.decode()
    assert "(descending)" not in page and "newest first" not in page
    assert "မှတ်ပုံတင်ချိန် (နောက်ဆုံးမှ စ၍)" in page


@pytest.mark.parametrize("admin_language", ["en", "my"])
def test_invitation_email_in_english_and_burmese(
    client, admin_user, mae_sot, django_capture_on_commit_callbacks, admin_language
):
    client.cookies["django_language"] = admin_language
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, admin_user, mae_sot)
    [message] = mail.outbox
    assert "You are invited to the support services portal" in message.subject
    assert "Open this link to choose your password:" in message.body
    burmese_part = message.body.split("-----")[1]
    assert "Open this" not in burmese_part and "http://testserver/invitation/" in burmese_part
    assert message.body.index("An administrator") < message.body.index(burmese_part)


def test_invitation_page_password_rules_in_burmese(
    client, admin_user, mae_sot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, admin_user, mae_sot)
    link = invitation_link(mail.outbox[0])
    client = burmese_client(Client())
    page = client.get(link).content.decode()
    assert "Your password" not in page
    assert "သင်၏ စကားဝှက်တွင် အနည်းဆုံး စာလုံး 12 လုံး ပါရမည်။" in page
    refused = client.post(link, {"password1": "short", "password2": "short"}).content.decode()
    assert "This password is too short" not in refused
    assert "ဤစကားဝှက်သည် တိုလွန်းသည်။" in refused


def test_three_letter_months_in_burmese():
    # The trainer's pages show "6 Dec" (date format "j M").
    with translation.override("my"):
        assert dateformat.format(date(2026, 12, 6), "j M") == "6 ဒီဇင်ဘာ"
    with translation.override("en"):
        assert dateformat.format(date(2026, 12, 6), "j M") == "6 Dec"
