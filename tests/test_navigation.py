"""The main menu (`config.navigation.MainMenu`): each role's links in order, the current
page marked, the labels and the role's name in the page's language, written only when a
page shows them."""

import re

import pytest
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix

from config.navigation import NAVIGATION, navigation
from portal.roles import Role

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a class="nav-link( active" aria-current="page)?" href="([^"]+)">([^<]+)</a>')


def menu_of(page: str) -> list[tuple[bool, str, str]]:
    """(current, URL, label) of each link of the main menu on `page`."""
    menu = page.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>", 1)[0]
    return [(bool(current), url, label) for current, url, label in LINK.findall(menu)]


@pytest.mark.parametrize("user_name", ["admin_user", "case_worker_mae_sot", "trainer", "analyst"])
def test_each_role_sees_its_links_in_order(request, client, signed_in, user_name):
    user = request.getfixturevalue(user_name)
    signed_in(user)
    page = client.get(reverse("api:tokens")).content.decode()
    expected = [
        (url_name == "api:tokens", reverse(url_name), str(label))
        for url_name, label, roles in NAVIGATION
        if user.role in roles
    ]
    assert menu_of(page) == expected
    assert f"· {Role(user.role).label}</span>" in page


def test_home_is_current_on_the_home_page_only(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    home = menu_of(client.get(reverse("home")).content.decode())
    people = menu_of(client.get(reverse("people:list")).content.decode())
    assert [label for current, _, label in home if current] == ["Home"]
    assert [label for current, _, label in people if current] == ["People"]


def test_the_menu_and_the_role_in_burmese(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    client.cookies["django_language"] = "my"
    page = client.get(reverse("people:list")).content.decode()
    labels = [label for _, _, label in menu_of(page)]
    assert "People" not in labels and "Home" not in labels and len(labels) == 7
    assert "· Case worker</span>" not in page


def test_a_signed_out_page_has_no_menu(client):
    page = client.get(reverse("account_login")).content.decode()
    assert menu_of(page) == []


def test_the_menu_is_written_only_when_a_page_shows_it(case_worker_mae_sot):
    request = RequestFactory().get(reverse("people:list"))
    request.user = case_worker_mae_sot
    menu = navigation(request)["main_menu"]
    assert "links" not in menu.__dict__ and "role" not in menu.__dict__
    assert "People" in menu.links


def test_the_menus_links_follow_the_script_prefix(case_worker_mae_sot):
    request = RequestFactory().get("/portal/people/")
    request.user = case_worker_mae_sot
    plain = navigation(request)["main_menu"].links
    set_script_prefix("/portal/")
    try:
        prefixed = navigation(request)["main_menu"].links
    finally:
        clear_script_prefix()
    assert 'href="/people/"' in plain and 'href="/portal/people/"' not in plain
    assert 'href="/portal/people/"' in prefixed
    assert 'class="nav-link active" aria-current="page" href="/portal/people/"' in prefixed
