from pathlib import Path

import polib
from django.utils import translation

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "my" / "LC_MESSAGES" / "django.po"


def entries():
    return [entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete]


def test_every_burmese_message_is_translated():
    untranslated = [e.msgid for e in entries() if not e.translated() or "fuzzy" in e.flags]
    assert untranslated == []


def test_compiled_catalogue_matches_the_source():
    # A stale django.mo (someone forgot `make messages`) shows up as an English string here.
    stale = []
    with translation.override("my"):
        for entry in entries():
            if entry.msgid_plural:
                continue
            if entry.msgctxt:
                shown = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                shown = translation.gettext(entry.msgid)
            if shown != entry.msgstr:
                stale.append(entry.msgid)
    assert stale == []


def test_login_page_in_burmese(client, db):
    client.cookies["django_language"] = "my"
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="my"' in page
    assert "ဝင်ရောက်ရန်" in page
