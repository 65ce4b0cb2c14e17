import pytest
from myanmar.converter import convert

from people.burmese import is_zawgyi, name_key, name_my_key, to_unicode

NAMES = ["ကျော်မင်းဦး", "သက်နိုင်", "လှလှဝင်း", "ဇော်လင်းထက်"]


@pytest.mark.parametrize("unicode_name", NAMES)
def test_zawgyi_input_is_detected_and_converted(unicode_name):
    zawgyi = convert(unicode_name, "unicode", "zawgyi")
    assert zawgyi != unicode_name
    assert is_zawgyi(zawgyi)
    assert to_unicode(zawgyi) == (unicode_name, True)


@pytest.mark.parametrize("unicode_name", NAMES)
def test_unicode_input_is_kept(unicode_name):
    assert not is_zawgyi(unicode_name)
    assert to_unicode(unicode_name) == (unicode_name, False)


def test_latin_text_is_never_taken_for_zawgyi():
    assert to_unicode("Kyaw Min Oo") == ("Kyaw Min Oo", False)


def test_name_keys_ignore_case_spacing_and_encoding():
    assert name_key("  Kyaw  Min-Oo ") == name_key("kyaw min oo")
    zawgyi = convert("ကျော်မင်းဦး", "unicode", "zawgyi")
    assert name_my_key(zawgyi) == name_my_key("ကျော် မင်းဦး")
