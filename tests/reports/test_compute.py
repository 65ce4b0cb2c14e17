from datetime import date

import pytest
from django.utils import translation

from people import services as people_services
from people.models import Exit, Person
from reports import headline, services
from reports.compute import compute
from reports.models import Report
from reports.periods import parse

# The organisation's published 2025 figures, rebuilt from synthetic raw rows.
ARTICLE = {
    ("defected", "soldier"): 945, ("defected", "police"): 30, ("defected", "militia"): 64,
    ("surrendered", "soldier"): 157,
    ("pow", "soldier"): 1231, ("pow", "police"): 16, ("pow", "militia"): 135,
}  # fmt: skip


def make_exits(rows: list[tuple[str, str, date, str]], location) -> None:
    people = Person.objects.bulk_create(
        [Person(case_number=f"MS-25-{n:05d}", full_name=f"P {n}", location=location, sex="male", birth_year=2000)
         for n in range(len(rows))]
    )  # fmt: skip
    Exit.objects.bulk_create(
        [
            Exit(person=p, exit_type=t, affiliation=a, exit_date=d, recruit_status=r)
            for p, (t, a, d, r) in zip(people, rows, strict=True)
        ]
    )


@pytest.fixture
def article_2025(mae_sot):
    rows = []
    august_defections = 174
    for (exit_type, affiliation), count in ARTICLE.items():
        for n in range(count):
            if exit_type == "defected" and affiliation == "soldier":
                month = 8 if n < august_defections else 1 + (n % 7)  # Jan–Jul, fewer each
            else:
                month = 9 + n % 4
            rows.append((exit_type, affiliation, date(2025, month, 1 + n % 28)))
    # 2,062 of 2,578 are new recruits: 79.98 %, "about 80 %".
    rows = [(t, a, d, "new_recruit" if i < 2062 else "veteran") for i, (t, a, d) in enumerate(rows)]
    rows.append(("defected", "soldier", date(2024, 12, 31), "new_recruit"))  # outside the year
    make_exits(rows, mae_sot)


def test_the_articles_table_from_raw_rows(article_2025):
    data = compute(parse("annual", "2025"))
    exits = data["exits"]
    assert exits["defected"] == {"soldier": 945, "police": 30, "militia": 64, "total": 1039}
    assert exits["surrendered"] == {"soldier": 157, "police": 0, "militia": 0, "total": 157}
    assert exits["pow"] == {"soldier": 1231, "police": 16, "militia": 135, "total": 1382}
    assert exits["total"] == {"soldier": 2333, "police": 46, "militia": 199, "total": 2578}
    assert data["recruits"]["new_recruit_share"] == pytest.approx(2062 / 2578, abs=1e-4)
    assert data["by_month"]["2025-08"]["defected"] == 174
    assert data["by_month"]["total"]["total"] == 2578
    assert data["by_site"]["MAE-SOT"]["total"] == 2578


def test_the_articles_sentence(article_2025):
    data = compute(parse("annual", "2025"))
    assert headline.sentence(data, "In 2025") == (
        "In 2025, 945 soldiers, 30 police officers and 64 militia members defected, "
        "157 soldiers surrendered and 1,231 soldiers, 16 police officers and 135 militia members "
        "were taken as prisoners of war — 2,578 in all; about 80 % were new recruits; "
        "the most defections were in August (174)."
    )


def test_the_sentence_in_burmese_uses_burmese_punctuation(article_2025):
    data = compute(parse("annual", "2025"))
    with translation.override("my"):
        text = headline.sentence(data, "၂၀၂၅ ခုနှစ်တွင်")
    assert text.endswith("။") and "၊" in text
    assert ", " not in text and not text.endswith(".")


def test_monthly_and_cumulative_periods(article_2025):
    assert compute(parse("monthly", "2025-08"))["exits"]["defected"]["soldier"] == 174
    since = compute(parse("since_1027", today=date(2026, 1, 15)))
    assert since["exits"]["total"]["total"] == 2579  # includes December 2024


def test_sex_and_age_bands(mae_sot):
    make_exits([("pow", "soldier", date(2025, 3, 1), "unknown")], mae_sot)
    Person.objects.update(birth_year=2009)  # 16 at exit
    table = compute(parse("annual", "2025"))["by_sex_and_age"]
    assert table["male"]["under_18"] == 1 and table["total"]["total"] == 1


def test_merged_records_are_not_counted_twice(mae_sot, admin_user):
    make_exits([("defected", "soldier", date(2025, 3, 1), "unknown")] * 2, mae_sot)
    keep, merge = Person.objects.all()
    people_services.merge_people(by=admin_user, keep=keep, merge=merge)
    # The merged record's exit moved to the kept person: still two exits, one person.
    assert compute(parse("annual", "2025"))["exits"]["total"]["total"] == 2


def test_rebuilding_replaces_the_stored_report(article_2025):
    period = parse("annual", "2025")
    first = services.build_report(period)
    second = services.build_report(period)
    assert first.pk == second.pk
    assert second.checksum == services.checksum(second.data)

    assert Report.objects.filter(kind="annual", period="2025").count() == 1


def test_computed_with_a_fixed_number_of_queries(article_2025, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        compute(parse("annual", "2025"))


def test_every_count_carries_the_sum_of_its_peoples_record_keys(mae_sot):
    make_exits(
        [
            ("defected", "soldier", date(2025, 3, 1), "new_recruit"),
            ("defected", "soldier", date(2025, 4, 1), "veteran"),
            ("pow", "police", date(2025, 4, 2), "unknown"),
        ],
        mae_sot,
    )
    first, second, third = Person.objects.order_by("case_number")
    for person, key in ((first, 2**31 - 10), (second, 25), (third, 1000)):
        Person.objects.filter(pk=person.pk).update(record_key=key)
    data = compute(parse("annual", "2025"))
    keys = data["cell_keys"]
    assert keys["exits"]["defected"]["soldier"] == (2**31 - 10 + 25) % (2**31 - 1)
    assert keys["exits"]["pow"]["police"] == 1000
    grand = (2**31 - 10 + 25 + 1000) % (2**31 - 1)
    # The same people are the same cell, whichever table counts them.
    for section in ("exits", "by_month", "by_site", "by_sex_and_age", "verification"):
        assert keys[section]["total"]["total"] == grand, section
    assert keys["by_month"]["2025-04"]["total"] == (25 + 1000)
    assert keys["recruits"]["by_recruit_status"]["veteran"] == 25
    assert keys["exits"]["surrendered"]["total"] == 0
    assert "cell_keys" not in data["exits"]  # one reserved entry, at the top


def test_exits_by_verification(mae_sot):
    make_exits([("defected", "soldier", date(2025, 3, 1), "unknown")] * 3, mae_sot)
    Exit.objects.filter(pk__in=Exit.objects.values("pk")[:2]).update(
        verification="partner_verified"
    )
    table = compute(parse("annual", "2025"))["verification"]
    assert table["defected"] == {"verified": 2, "unverified": 1, "total": 3}
    assert table["total"]["verified"] == 2
