from datetime import date

import pytest
from django.db import connection

from programs.models import AssistanceType, Attendance, Distribution, Enrolment, TrainingSession
from reports import compute_programs
from reports.compute import compute
from reports.periods import parse
from tests.programs.factories import (
    AssistanceTypeFactory,
    DistributionFactory,
    PartnerFactory,
    PersonFactory,
    SafeHomeFactory,
    StayFactory,
    TrainingSessionFactory,
)


def test_training_assistance_and_safe_home_figures(mae_sot, trainer):
    people = [PersonFactory(location=mae_sot) for _ in range(3)]
    # Two sessions held in August: 2 then 3 attendees present; one cancelled.
    for day, present in ((5, 2), (19, 3)):
        session = TrainingSessionFactory(
            date=date(2025, 8, day), location=mae_sot, status=TrainingSession.Status.HELD
        )
        for index, person in enumerate(people):
            Enrolment.objects.create(session=session, person=person, enrolled_by=trainer)
            status = "present" if index < present else "absent"
            Attendance.objects.create(
                session=session, person=person, status=status, marked_by=trainer
            )
    TrainingSessionFactory(
        date=date(2025, 8, 26), location=mae_sot, status=TrainingSession.Status.CANCELLED
    )
    food = AssistanceTypeFactory()
    cash = AssistanceTypeFactory(
        name="Cash grant", kind=AssistanceType.Kind.CASH, unit="", currency="THB"
    )
    for person in people:
        DistributionFactory(person=person, assistance_type=food, distributed_on=date(2025, 8, 3))
    DistributionFactory(
        person=people[0], assistance_type=cash, quantity=1500, distributed_on=date(2025, 8, 4)
    )
    DistributionFactory(
        person=people[0], assistance_type=cash, quantity=500, distributed_on=date(2025, 9, 4)
    )
    home = SafeHomeFactory(location=mae_sot, capacity=6)
    StayFactory(person=people[0], home=home, check_in=date(2025, 7, 1))
    StayFactory(person=people[1], home=home, check_in=date(2025, 7, 1), check_out=date(2025, 8, 15))

    data = compute(parse("monthly", "2025-08"))
    training = data["training"]
    assert training["sessions_held"] == 2 and training["sessions_cancelled"] == 1
    assert training["people_trained"] == 3
    assert training["attendance_rate"] == round(5 / 6, 4)
    assert training["by_month"]["2025-08"] == {
        "sessions": 2,
        "attendees": 5,
        "attendees_per_session": 2.5,
    }
    assistance = data["assistance"]
    assert assistance["distributions"] == 4 and assistance["people_reached"] == 3
    assert assistance["by_type"]["Food basket"] == {"distributions": 3, "people": 3}
    assert assistance["cash_by_currency"] == {"THB": 1500.0}
    assert data["safe_homes"]["residents"] == 1
    assert data["safe_homes"]["by_site"]["MAE-SOT"] == {"homes": 1, "places": 6, "residents": 1}


def test_people_and_records_have_their_own_cell_keys(mae_sot):
    food = AssistanceTypeFactory()
    first, second = PersonFactory(location=mae_sot), PersonFactory(location=mae_sot)
    for person, key in ((first, 100), (second, 7)):
        type(person).objects.filter(pk=person.pk).update(record_key=key)
    for person in (first, first, second):
        DistributionFactory(person=person, assistance_type=food, distributed_on=date(2025, 8, 3))
    data = compute(parse("monthly", "2025-08"))
    keys = data["cell_keys"]["assistance"]
    # Three distributions: the first person's key counts twice; two people: once each.
    assert keys["distributions"] == 207 and keys["people_reached"] == 107
    assert keys["by_type"]["Food basket"] == {"distributions": 207, "people": 107}
    assert data["cell_keys"]["training"]["sessions_held"] == "exact"


@pytest.mark.postgresql
def test_postgresql_person_by_person_read_gives_the_figures_of_one_query_per_group(
    mae_sot, mae_sariang
):
    """The distributions read once in person order give exactly the rows of the portable
    queries: the same counts, key sums (SUM(DISTINCT) of keys, even when two people share a
    key), the partnerless group apart from the total, no row for a type, site or partner
    without distributions in the period, and the same order. The planner's hash aggregation
    is turned off for that statement alone."""
    food, kit = AssistanceTypeFactory(), AssistanceTypeFactory(name="Hygiene kit")
    baht, kyat = (
        AssistanceTypeFactory(name=name, kind=AssistanceType.Kind.CASH, unit="", currency=currency)
        for name, currency in (("Cash grant", "THB"), ("Cash top-up", "MMK"))
    )
    partner = PartnerFactory()
    AssistanceTypeFactory(name="Never given")
    PartnerFactory(name="Never a partner")
    first, second, third = (
        PersonFactory(location=site) for site in (mae_sot, mae_sot, mae_sariang)
    )
    for person, key in ((first, 100), (second, 100), (third, 7)):
        type(person).objects.filter(pk=person.pk).update(record_key=key)
    for person, kind, with_partner in (
        (first, food, True),
        (first, food, False),
        (second, kit, True),
        (third, food, False),
        (third, kit, True),
    ):
        DistributionFactory(
            person=person,
            assistance_type=kind,
            partner=partner if with_partner else None,
            distributed_on=date(2025, 8, 3),
        )
    DistributionFactory(person=first, assistance_type=kit, distributed_on=date(2024, 8, 3))
    for person, kind, quantity in ((first, baht, 1500), (third, baht, 500), (second, kyat, 70000)):
        DistributionFactory(
            person=person, assistance_type=kind, quantity=quantity, distributed_on=date(2025, 9, 4)
        )

    results = {}
    for period in (parse("annual", "2025"), parse("annual", "2023")):
        given = Distribution.objects.filter(
            distributed_on__gte=period.start, distributed_on__lte=period.end
        )
        portable = compute_programs._distribution_groups(given)
        one_scan, cash = compute_programs._distribution_by_person(period, given.db)
        assert one_scan == portable
        # The cash amounts come from the by-type rows of the same scan.
        assert cash == compute_programs._cash_by_currency(given)
        assert [list(rows) for rows in one_scan.values()] == [
            list(rows) for rows in portable.values()
        ]
        results[period.key] = one_scan, cash
    cash = results["2025"][1]
    assert cash == {"THB": [2000, 2, 107], "MMK": [70000, 1, 100]}
    assert results["2023"] == ({**{f: {} for f in compute_programs.DISTRIBUTION_GROUPS[:3]},
                                None: {None: {"n": 0, "key": None, "people": 0, "people_key": None}}},
                               {})  # fmt: skip
    # A type or partner that no distribution has is no column of the statement.
    named = [name for _, _, name, _ in compute_programs._group_values(connection.alias)]
    assert "Never given" not in named and "Never a partner" not in named
    assert partner.name in named and named[-1] is None  # no partner, last
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashagg')")
        assert cursor.fetchone() == ("on",)
    results = {key: groups for key, (groups, _) in results.items()}
    # With or without a partner: all three people, but the first two share the key 100, so
    # their distinct keys sum to 107.
    assert results["2025"]["partner__name"][None]["people_key"] == 107
    assert results["2025"]["partner__name"][partner.name]["people"] == 3
    assert results["2025"][None][None] == {"n": 8, "key": 521, "people": 3, "people_key": 107}


@pytest.mark.postgresql
def test_postgresql_one_scan_of_the_marks_gives_the_figures_of_the_portable_queries(
    mae_sot, trainer
):
    """The marks read once (GROUPING SETS by month and by person) give exactly the figures of
    the two portable queries: every month's marks and keys, and the people present at least
    once with SUM(DISTINCT) of their keys (two people sharing a key count it once); marks of
    cancelled sessions, of other periods and people only ever absent are left out."""
    people = [PersonFactory(location=mae_sot) for _ in range(4)]
    for person, key in zip(people, (100, 100, 7, 9), strict=True):
        type(person).objects.filter(pk=person.pk).update(record_key=key)
    marks = {
        (date(2025, 8, 5), TrainingSession.Status.HELD): ("present", "present", "absent", "absent"),
        (date(2025, 9, 9), TrainingSession.Status.HELD): ("absent", "present", "excused", None),
        (date(2025, 9, 30), TrainingSession.Status.CANCELLED): ("present",) * 4,
        (date(2024, 12, 31), TrainingSession.Status.HELD): ("present",) * 4,
    }
    for (day, status), statuses in marks.items():
        session = TrainingSessionFactory(date=day, location=mae_sot, status=status)
        for person, mark in zip(people, statuses, strict=True):
            if mark:
                Attendance.objects.create(
                    session=session, person=person, status=mark, marked_by=trainer
                )
    for period in (parse("annual", "2025"), parse("monthly", "2025-09"), parse("annual", "2023")):
        held_marks = compute_programs.held_marks_in(period)
        by_month, trained = compute_programs._marks_grouping_sets(period, held_marks.db)
        portable = compute_programs._marks_by_month(held_marks)
        assert by_month == {
            month: {figure: item[figure] for figure in compute_programs.MARK_FIGURES}
            for month, item in portable.items()
        }
        assert trained == compute_programs._trained(held_marks)
    annual = compute_programs._marks_grouping_sets(parse("annual", "2025"), held_marks.db)
    assert annual == (
        {
            "2025-08": {"total": 4, "total_key": 216, "present": 2, "present_key": 200},
            "2025-09": {"total": 3, "total_key": 207, "present": 1, "present_key": 100},
        },
        # The first two people (both key 100) were present: their distinct keys sum to 100.
        {"people": 2, "people_key": 100},
    )
    assert compute_programs._marks_grouping_sets(parse("annual", "2023"), held_marks.db) == (
        {},
        {"people": 0, "people_key": None},
    )
