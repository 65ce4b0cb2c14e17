"""The matching rules one by one (people.matching): syllables of the romanisation table,
honorifics, Burmese script, phones, bad input; and their use in the candidates lookup, the
registration screen and the list search."""

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from myanmar.converter import convert

from people import matching, selectors
from people.duplicates import find_candidates
from people.matching import burmese_script, latin
from people.matching.table import SYLLABLES
from people.models import Person
from tests.people.factories import ExitFactory, PersonFactory
from tests.people.matching_corpus import BURMESE

# --- Latin names -------------------------------------------------------------------------------


@pytest.mark.parametrize("canonical", sorted(SYLLABLES))
def test_every_spelling_of_the_table_is_its_syllable(canonical):
    for variant in (canonical, *SYLLABLES[canonical]):
        for written in (variant, variant.upper(), variant.capitalize()):
            assert [s.canonical for s in latin.syllables(f"Xq {written}")] == ["xq", canonical]


def test_no_spelling_belongs_to_two_syllables():
    owners: dict[str, set[str]] = {}
    for canonical, variants in SYLLABLES.items():
        for variant in (canonical, *variants):
            owners.setdefault(latin.fold(variant), set()).add(canonical)
    assert {folded: found for folded, found in owners.items() if len(found) > 1} == {}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Htet", "Thet"), ("Htet", "Het"), ("Tun", "Htun"), ("Kyaw", "Kyau"), ("Kyaw", "Chaw"),
        ("Hlaing", "Laing"), ("Phyo", "Pyo"), ("Phyo", "Phyoe"), ("Myint", "Myintt"),
        ("Soe", "So"), ("Moe", "Mo"), ("Oo", "U"), ("Zaw", "Zau"), ("Nyein", "Nyain"),
        ("Thein", "Thane"), ("Win", "Winn"), ("Khin", "Khinn"), ("Thu", "Thoo"),
        ("Swe", "Swei"), ("Naing", "Nai"), ("Aung", "Aong"), ("Thet", "Thett"),
    ],
)  # fmt: skip
def test_the_usual_romanisations_of_the_issue_are_one_syllable(first, second):
    assert matching.match_key(f"Min {first}") == matching.match_key(f"Min {second}")


@pytest.mark.parametrize(
    "written",
    ["Min Aung Thet", "Min-Aung  Thet", "Min Aung Thett", "Min Aung Htet", "Aung Thet Min",
     "U Min Aung Thet", "Mg Min Aung Thet", "MIN AUNG THET", "Minaung Thet", "min.aung-thet",
     "Sgt. Min Aung Thet", "Dr U Min Aung Thet"],
)  # fmt: skip
def test_the_issues_examples_have_one_key(written):
    assert matching.match_key(written) == "aung htet min"


def test_honorifics_titles_and_ranks_come_off_the_front_only():
    for honorific in latin.HONORIFICS:
        assert matching.match_key(f"{honorific} Kyaw Zaw") == "kyaw zaw", honorific
    assert matching.match_key("Min U") == "min oo"  # a later "U" is the syllable Oo
    assert matching.match_key("Aung Maung") == "aung maung"


def test_bad_names_give_what_is_there():
    assert matching.match_key("") == matching.match_key("   ") == ""
    assert matching.match_key("U") == "oo"  # only an honorific: kept, it is all there is
    assert matching.match_key("Daw Ma") == "ma"
    assert matching.match_key("Kyaw 2 Zaw 1999") == "kyaw zaw"  # digits are not names
    assert matching.match_key("123 !!") == ""
    assert matching.match_key("Xqzt Kyaw") == "kyaw xqzt"  # unknown syllable kept as folded


# --- Burmese script ----------------------------------------------------------------------------


@pytest.mark.parametrize(("canonical", "burmese"), sorted((c, b) for c, b in BURMESE.items() if b))
def test_each_burmese_syllable_romanises_to_its_canonical_spelling(canonical, burmese):
    assert [s.canonical for s in burmese_script.syllables(burmese)] == [canonical]


def test_burmese_script_matches_the_latin_name_and_zawgyi_the_unicode():
    unicode = "ဦးမင်းအောင်ထက်"
    assert matching.match_key(unicode) == matching.match_key("Min Aung Thet") == "aung htet min"
    assert matching.match_key(convert(unicode, "unicode", "zawgyi")) == "aung htet min"
    assert matching.match_key("စန္ဒာ ဝင်း") == matching.match_key("Sandar Win")
    assert matching.match_key("Kyaw ကျော်") == "kyaw kyaw"  # both scripts: both read
    assert matching.match_key("ဦး") == "oo"


# --- Phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["+66907499173", "0907499173", "66 90 749 9173", "+66 90-749-9173", "090 749 9173"]
)
def test_every_written_form_of_a_thai_number_is_one_key(written):
    assert matching.phone_key(written, "TH") == "+66907499173"


def test_the_sites_country_is_the_default_region(settings):
    settings.PHONE_DEFAULT_REGION = "MM"
    assert matching.region_for_country("Thailand") == "TH"
    assert matching.region_for_country(" india ") == "IN"
    assert matching.region_for_country("Myanmar") == matching.region_for_country("Burma") == "MM"
    assert matching.region_for_country("Atlantis") == "MM"
    assert matching.phone_key("09 4250 12345", "MM") == "+959425012345"
    assert matching.phone_key("098765 43210", "IN") == "+919876543210"


def test_an_unreadable_phone_is_matched_by_its_digits():
    assert not matching.is_readable("12-34", "TH")
    assert matching.phone_key("12-34", "TH") == "1234"
    assert matching.phone_key("", "TH") == ""
    assert matching.phone_key("call me", "TH") == ""


# --- Candidates --------------------------------------------------------------------------------


def test_candidates_come_with_their_reasons(mae_sot):
    person = PersonFactory(
        full_name="Min Aung Htet", name_my="မင်းအောင်ထက်", birth_year=1998, sex="male",
        phone="+66907499173", origin_region="kayin",
    )  # fmt: skip
    ExitFactory(person=person, exit_date=date(2024, 3, 1))
    [found] = find_candidates(
        Person.objects.all(), full_name="U Thet Min Aung", birth_year=1999, sex="male",
        phone="66 90 749 9173", phone_region="TH", origin_region="kayin",
        exit_date=date(2024, 3, 20),
    )  # fmt: skip
    assert found.person == person
    assert found.reasons == (
        "same phone", "names sound alike: Thet ≈ Htet", "birth year 1999 vs 1998",
        "same region of origin", "exit dates within a month",
    )  # fmt: skip
    [by_burmese] = find_candidates(Person.objects.all(), full_name="X", name_my="မင်းအောင်ထက်")
    assert "same Burmese name" in by_burmese.reasons


def test_a_far_birth_year_or_another_sex_is_not_the_same_person(mae_sot):
    PersonFactory(full_name="Kyaw Zaw Lin", birth_year=1990, sex="male")
    assert find_candidates(Person.objects.all(), full_name="Kyaw Zaw Lin", birth_year=1980) == []
    assert find_candidates(Person.objects.all(), full_name="Kyaw Zaw Lin", sex="female") == []
    assert len(find_candidates(Person.objects.all(), full_name="Kyaw Zaw Linn")) == 1
    # One syllable of three in common is not enough on the name alone.
    assert find_candidates(Person.objects.all(), full_name="Kyaw Hla Han", birth_year=1990) == []


def test_candidates_are_ranked_and_cut(mae_sot):
    for number in range(8):
        PersonFactory(full_name="Aung Kyaw Min", birth_year=1990 + number % 2)
    best = PersonFactory(full_name="Aung Kyaw Min", birth_year=1990, phone="0907499173")
    found = find_candidates(
        Person.objects.all(), full_name="Aung Kyaw Min", birth_year=1990, phone="0907499173"
    )
    assert len(found) == 5 and found[0].person == best
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_one_lookup_is_one_query(mae_sot, django_assert_num_queries):
    for number in range(30):
        PersonFactory(full_name=f"Aung Kyaw {['Min', 'Zaw', 'Thiha'][number % 3]}")
    with django_assert_num_queries(1):
        found = find_candidates(
            Person.objects.all(), full_name="Thiha Kyaw Aung", name_my="သီဟကျော်အောင်",
            birth_year=1999, phone="0907499173", phone_region="TH", sex="male",
            origin_region="kayin", exit_date=date(2024, 1, 1),
        )  # fmt: skip
        assert found and all(c.person.location.code for c in found)


# --- Registration across sites -----------------------------------------------------------------


def test_a_match_at_another_site_is_said_without_anything_about_it(
    client, signed_in, case_worker_mae_sot, mae_sot, new_delhi
):
    PersonFactory(
        location=new_delhi, full_name="Zaw Min Htet", birth_year=1995, case_number="ND-26-00077"
    )
    signed_in(case_worker_mae_sot)
    data = {"full_name": "Zau Minn Thet", "sex": "male", "birth_year": "1996",
            "status": "intake", "dependants": "0", "location": mae_sot.pk}  # fmt: skip
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200 and Person.objects.count() == 1
    shown = response.context["possible_duplicates"]
    assert shown.elsewhere and shown.shown == []
    page = response.content.decode()
    assert "A possible match exists at another site; an admin will review it." in page
    assert "ND-26-00077" not in page and "Zaw Min Htet" not in page and "NEW-DELHI" not in page
    response = client.post(reverse("people:create"), {**data, "not_a_duplicate": "on"})
    assert response.status_code == 302 and Person.objects.count() == 2


def test_a_match_at_an_own_site_is_shown_with_its_reasons(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    person = PersonFactory(location=mae_sot, full_name="Zaw Min Htet", birth_year=1995)
    signed_in(case_worker_mae_sot)
    data = {"full_name": "Zaw Min Thet", "sex": "male", "birth_year": "1996",
            "status": "intake", "dependants": "0", "location": mae_sot.pk}  # fmt: skip
    response = client.post(reverse("people:create"), data)
    shown = response.context["possible_duplicates"]
    assert person in shown and not shown.elsewhere
    page = response.content.decode()
    assert person.case_number in page and "names sound alike: Thet ≈ Htet" in page


# --- The list search ---------------------------------------------------------------------------


def test_the_search_finds_variants_phones_and_burmese_script(
    case_worker_mae_sot, mae_sot, new_delhi
):
    htet = PersonFactory(full_name="Min Aung Htet", phone="+66907499173")
    burmese_only = PersonFactory(full_name="ကျော်ဇော", name_my="ကျော်ဇော")
    PersonFactory(location=new_delhi, full_name="Min Aung Htet")  # not at the user's sites
    other = PersonFactory(full_name="Aung Zaw Oo")
    people = selectors.people_list_for(case_worker_mae_sot)

    def found(query):
        return list(selectors.search_people(people, query))

    for query in ("Thet", "U Min Aung Thett", "Aung Thet Min", "0907499173", "66 90 749 9173"):
        assert found(query) == [htet], query
    assert found("Kyaw Zaw") == [burmese_only]
    assert found("Kyau Zau") == [burmese_only]
    assert set(found("Aung")) == {htet, other}


def test_the_closest_come_first(case_worker_mae_sot, mae_sot):
    exact = PersonFactory(full_name="Aung Min")
    PersonFactory(full_name="Aung Min Kyaw")
    people = selectors.people_list_for(case_worker_mae_sot)
    found = list(selectors.search_people(people, "Min Aung"))
    assert found[0] == exact and len(found) == 2


# --- Keys kept up to date ----------------------------------------------------------------------


def test_keys_follow_the_services_and_the_rebuild_command(admin_user, mae_sot):
    from people import services  # noqa: PLC0415

    outcome = services.create_person(
        by=admin_user,
        person_data={"full_name": "U Kyau Zaw", "name_my": "ကျော်ဇော", "location": mae_sot,
                     "phone": "090 749 9173", "birth_year": 1990},
    )  # fmt: skip
    person = outcome.obj
    assert (person.match_key, person.match_my_key) == ("kyaw zaw", "kyaw zaw")
    Person.objects.filter(pk=person.pk).update(match_key="stale", phone_hash="stale")
    call_command("rebuild_match_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    person.refresh_from_db()
    assert person.match_key == "kyaw zaw"
    assert person.phone_hash == matching_hash("+66907499173")


def matching_hash(e164: str) -> str:
    from portal.fields import search_hash  # noqa: PLC0415

    return search_hash(e164)


def test_without_the_sites_region_every_known_region_is_tried(mae_sot):
    person = PersonFactory(full_name="Kyaw Zaw", phone="+66907499173")
    [found] = find_candidates(Person.objects.all(), full_name="Someone Else", phone="090 749 9173")
    assert found.person == person and found.reasons == ("same phone",)
    assert find_candidates(Person.objects.all(), full_name="Someone", phone="090 749 9174") == []


def test_written_together_and_short_zawgyi_names():
    assert matching.match_key("KhantThane") == matching.match_key("Khant Thein")
    assert matching.match_key("ေဝစိုး") == matching.match_key("ဝေစိုး") == "soe way"  # E first
    assert matching.match_key("နွေထက်") == "htet nwe"  # Unicode order left alone
    zawgyi = "လႈိင္ထြန္းပိုင္"  # too short for the detector, but Zawgyi-only forms
    assert matching.match_key(zawgyi) == "hlaing paing tun"
