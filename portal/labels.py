"""Choice labels and headings in the page's language, escaped, remembered per language.

A lazy translation (`gettext_lazy`, the labels of every `TextChoices` and form field) is
translated again each time it is turned into text: through Django's lazy proxy, the active
translation (an `asgiref` local) and the catalogue, about 25 Python calls. The people list's
filter menus and rows turn some sixty labels into text on every request, the same sixty.

`escaped_label` keeps the escaped text of a `gettext_lazy` label by language and message,
so that each is translated once per process and language. The catalogues do not change while
a process runs; tests that change the languages or the catalogues' paths clear what is kept
(`setting_changed`, as Django clears its own translations). Any other value (a plain string,
a lazy string of another kind, a number) is escaped each time as Django's templates do
(`conditional_escape`: a string marked safe is kept as it is).
"""

from __future__ import annotations

from html import escape

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy

# Django makes one proxy class per lazy function: this one is `gettext_lazy`'s.
_GETTEXT_LAZY = type(gettext_lazy(""))
# The messages of the code are a few hundred; a bound in case one is made at run time.
_MOST_KEPT = 4096
_kept: dict[tuple[str | None, tuple], str] = {}


def escaped_label(label: object, language: str | None) -> str:
    """`label` as text in `language` (the active one: `get_language()`, read once by the
    caller for a whole menu or page), HTML-escaped."""
    if type(label) is not _GETTEXT_LAZY or label._kw:
        return conditional_escape(label)
    key = (language, label._args)
    text = _kept.get(key)
    if text is None:
        if len(_kept) >= _MOST_KEPT:
            _kept.clear()
        text = _kept[key] = escape(str(label))
    return text


@receiver(setting_changed)
def _forget_on_new_catalogues(*, setting: str, **kwargs) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _kept.clear()
