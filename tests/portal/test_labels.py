"""Labels translated once per language and kept (`portal.labels`): the same text as Django's
translation each time, in each language, escaped as templates escape."""

from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, pgettext_lazy, trans_real

from people.choices import Status
from portal import labels
from portal.labels import escaped_label


@pytest.fixture(autouse=True)
def nothing_kept():
    labels._kept.clear()
    yield
    labels._kept.clear()


@pytest.mark.parametrize("language", ["en", "my"])
def test_a_label_reads_as_djangos_translation_in_each_language(language):
    with translation.override(language):
        for _, label in Status.choices:
            assert escaped_label(label, translation.get_language()) == str(label)


def test_a_kept_label_is_not_translated_again(monkeypatch):
    # What `gettext` (and so every `gettext_lazy` label) asks for a translation.
    gettext = mock.Mock(wraps=trans_real.gettext)
    monkeypatch.setattr(translation._trans, "gettext", gettext)
    with translation.override("my"):
        first = escaped_label(Status.ACTIVE.label, "my")
        asked = gettext.call_count
        assert escaped_label(Status.ACTIVE.label, "my") == first == "အသုံးပြုနေဆဲ"
    assert asked == 1 and gettext.call_count == 1
    with translation.override("en"):
        assert escaped_label(Status.ACTIVE.label, "en") == "Active"


def test_both_languages_are_kept_apart():
    with translation.override("my"):
        burmese = escaped_label(Status.ACTIVE.label, "my")
    with translation.override("en"):
        english = escaped_label(Status.ACTIVE.label, "en")
    assert (burmese, english) == ("အသုံးပြုနေဆဲ", "Active")


def test_labels_are_escaped_and_safe_strings_kept_as_templates_keep_them():
    assert escaped_label(gettext_lazy("<b>Tom & Jerry</b>"), "en") == (
        "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
    )
    assert escaped_label("<i>", "en") == "&lt;i&gt;"
    assert escaped_label(mark_safe("<i>x</i>"), "en") == "<i>x</i>"  # noqa: S308
    assert escaped_label(3, "en") == "3"


def test_only_plain_lazy_translations_are_kept():
    with translation.override("en"):
        escaped_label(pgettext_lazy("sort", "Name"), "en")
        escaped_label("Name", "en")
    assert labels._kept == {}


def test_new_catalogues_forget_what_was_kept(settings):
    escaped_label(Status.ACTIVE.label, "en")
    assert labels._kept
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
    assert labels._kept == {}


def test_the_people_list_menus_follow_the_users_language(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    english = client.get(reverse("people:list")).content.decode()
    client.cookies["django_language"] = "my"
    burmese = client.get(reverse("people:list")).content.decode()
    assert '<option value="active">Active</option>' in english
    assert '<option value="active">အသုံးပြုနေဆဲ</option>' in burmese
    assert "Any status" in english and "Any status" not in burmese
