"""Property tests with an attacker: random populations, every report of a year, every additive
relation between their published figures.

What is tested, precisely. For a random population of exits in 2025 (hypothesis: types,
affiliations, months, sites, sex, birth years, recruit status, verification, record keys), the
portal computes every report a reader can get for that year: the 12 monthly reports, the annual
report and the 12 cumulative (`since_1027`) reports as published at the end of each month, each
with its exits, by month, by site, by sex and age, recruit status and verification tables. The
attacker knows the method and the perturbation table (not the keys) and every published figure,
so each true count lies in `disclosure.possible_counts(published)`. The attacker also knows
every additive relation between the true counts:

- rows and columns of every table add up to their totals;
- sections against their breakdowns (the exits total = the by-month, by-site, sex-and-age,
  verification totals = the sum of recruit statuses; a type's total in each of them; the
  number of distributions = its sums by type, by site and by partner);
- sites and months: the annual report's cell = the sum of the twelve monthly reports' cells
  (annual minus eleven months is the twelfth), and a month's row of a report = that month's
  own report;
- cumulative differences: the cumulative report at the end of a month = the one at the end of
  the month before + that month's report (nothing before 2025, which the attacker is told).

Counts of distinct people (people reached by assistance) are not additive across months or
sites (one person can be in both), so no relation holds for them; their protection is the
table's.

The attacker narrows every count's range with all these relations at once until nothing
changes (bounds propagation, the audit statistical offices run on their own tables). The test
fails when a true count from 1 to 4 is narrowed to a single value: an attacker would then know
it with certainty. It also checks that every true count stays inside its narrowed range (the
relations are right), that zeros stay zeros, that no published value lies in 1–4, that the same
group of people never shows two values (identical tables in different reports, a rebuild), and
that cells about the same people agree everywhere.

Why this captures the guarantee: any way of combining published figures that only adds and
subtracts them is covered by these relations; a value is "known with certainty" exactly when
the set of counts consistent with everything published holds one value. Bounds propagation
can miss some integer reasoning a full integer-programming solver would do, so it is a strong
but not exhaustive attacker; the table itself guarantees (test_disclosure.py) that any single
relation leaves every count 1–4 at least two possible values.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from people.models import RECORD_KEY_RANGE, Exit, Person
from programs.models import AssistanceType, Distribution
from reports import compute, compute_programs, disclosure
from reports.compute import AFFILIATIONS, AGE_BANDS, EXIT_TYPES, RECRUIT_STATUSES
from reports.periods import parse
from tests.conftest import site
from tests.programs.factories import AssistanceTypeFactory, PartnerFactory

SITES = ["MAE-SOT", "NEW-DELHI"]
SEXES = ["male", "female"]
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
TABLES = ["exits", "by_month", "by_site", "by_sex_and_age", "verification"]
PARTNER = "Border Aid"
ASSISTANCE_ROWS = {  # every row a report can have (absent: none given, a known zero)
    "by_type": ["Food basket", "Cash grant"],
    "by_site": SITES,
    "by_partner": [PARTNER, "none"],
}

people = st.lists(
    st.fixed_dictionaries(
        {
            "exit_type": st.sampled_from(EXIT_TYPES),
            # Mostly soldiers, as in life: large cells next to small ones.
            "affiliation": st.sampled_from(["soldier"] * 4 + AFFILIATIONS),
            "month": st.integers(1, 12),
            "site": st.sampled_from(SITES),
            "sex": st.sampled_from(SEXES),
            "birth_year": st.sampled_from([None, 1970, 1990, 2000, 2009]),
            "recruit_status": st.sampled_from(RECRUIT_STATUSES),
            "verification": st.sampled_from(
                ["self_reported", "documented", "partner_verified", "documents_verified"]
            ),
            "record_key": st.integers(0, RECORD_KEY_RANGE - 1),
        }
    ),
    max_size=70,
)
gifts = st.lists(
    st.fixed_dictionaries(
        {
            "person": st.integers(0, 69),
            "month": st.integers(1, 12),
            "site": st.sampled_from(SITES),
            "type": st.sampled_from(["Food basket", "Cash grant"]),
            "partner": st.booleans(),
        }
    ),
    max_size=40,
)


def populate(rows: list[dict], locations: dict) -> None:
    persons = Person.objects.bulk_create(
        [
            Person(
                case_number=f"T-{n:05d}",
                full_name=f"P {n}",
                location=locations[row["site"]],
                sex=row["sex"],
                birth_year=row["birth_year"],
                record_key=row["record_key"],
            )
            for n, row in enumerate(rows)
        ]
    )
    Exit.objects.bulk_create(
        [
            Exit(
                person=person,
                exit_type=row["exit_type"],
                affiliation=row["affiliation"],
                exit_date=date(2025, row["month"], 1 + n % 28),
                recruit_status=row["recruit_status"],
                verification=row["verification"],
            )
            for n, (person, row) in enumerate(zip(persons, rows, strict=True))
        ]
    )


def give(rows: list[dict], setup: dict) -> None:
    persons = list(Person.objects.order_by("case_number"))
    if not persons:
        return
    Distribution.objects.bulk_create(
        [
            Distribution(
                person=persons[row["person"] % len(persons)],
                location=setup["sites"][row["site"]],
                assistance_type=setup[row["type"]],
                quantity=1500 if row["type"] == "Cash grant" else 1,
                partner=setup["partner"] if row["partner"] else None,
                distributed_on=date(2025, row["month"], 1 + n % 28),
                recorded_by=setup["recorder"],
            )
            for n, row in enumerate(rows)
        ]
    )


SECTIONS = {**compute.PEOPLE_SECTIONS, "assistance": compute_programs.assistance}


def people_report(period) -> dict:
    """The people and assistance sections of a report, as `compute.compute` stores them."""
    data: dict = {"kind": period.kind, "period": period.key, disclosure.CELL_KEYS: {}}
    for name, section in SECTIONS.items():
        figures = section(period)
        data[disclosure.CELL_KEYS][name] = figures.pop(disclosure.CELL_KEYS)
        data[name] = figures
    return data


def all_reports() -> dict[str, dict]:
    reports = {m: people_report(parse("monthly", m)) for m in MONTHS}
    reports["annual"] = people_report(parse("annual", "2025"))
    for month in range(1, 13):
        today = date(2026, 1, 10) if month == 12 else date(2025, month + 1, 10)
        reports[f"cum-{month:02d}"] = people_report(parse("since_1027", today=today))
    return reports


def counts(data: dict, keys: dict, path=()):
    """(path, true count, cell key) of every count of a report."""
    for name, value in data.items():
        key = keys.get(name) if isinstance(keys, dict) else None
        if isinstance(value, dict):
            yield from counts(value, key or {}, (*path, name))
        elif isinstance(key, int) and isinstance(value, int):
            yield (*path, name), value, key


class Attacker:
    """Bounds on every true count, narrowed by additive relations whole = sum(parts)."""

    def __init__(self, published: dict):
        self.bounds = {}
        for cell, value in published.items():
            possible = disclosure.possible_counts(value)
            self.bounds[cell] = [possible.start, possible.stop - 1]
        self.relations: list[tuple[tuple, list[tuple]]] = []

    def relate(self, whole, parts) -> None:
        # A cell absent from a report (a site with no exit) is a known zero.
        for cell in (whole, *parts):
            self.bounds.setdefault(cell, [0, 0])
        self.relations.append((whole, list(parts)))

    def narrow(self) -> None:
        changed = True
        while changed:
            changed = False
            for whole, parts in self.relations:
                bounds = [self.bounds[p] for p in parts]
                low, high = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
                changed |= self._tighten(whole, low, high)
                w_low, w_high = self.bounds[whole]
                for part, (p_low, p_high) in zip(parts, bounds, strict=True):
                    changed |= self._tighten(part, w_low - (high - p_high), w_high - (low - p_low))

    def _tighten(self, cell, low, high) -> bool:
        bounds = self.bounds[cell]
        new = [max(bounds[0], low, 0), min(bounds[1], high)]
        if new != bounds:
            self.bounds[cell] = new
            return True
        return False


def table_relations(attacker: Attacker, report: str, name: str, table: dict) -> None:
    rows = [r for r in table if r != "total"]
    columns = [c for c in table["total"] if c != "total"]
    for row in [*rows, "total"]:
        attacker.relate((report, name, row, "total"), [(report, name, row, c) for c in columns])
    for column in [*columns, "total"]:
        attacker.relate((report, name, "total", column), [(report, name, r, column) for r in rows])


def same(attacker: Attacker, cell, other) -> None:
    attacker.relate(cell, [other])


def relations(attacker: Attacker, reports: dict[str, dict]) -> None:
    for report, data in reports.items():
        for name in TABLES:
            table_relations(attacker, report, name, data[name])
        # Sections against their breakdowns: the same exits, counted again.
        grand = (report, "exits", "total", "total")
        for name in TABLES[1:]:
            same(attacker, grand, (report, name, "total", "total"))
        attacker.relate(
            grand, [(report, "recruits", "by_recruit_status", s) for s in RECRUIT_STATUSES]
        )
        given = (report, "assistance", "distributions")
        for breakdown in ("by_type", "by_site", "by_partner"):
            attacker.relate(
                given,
                [
                    (report, "assistance", breakdown, name, "distributions")
                    for name in ASSISTANCE_ROWS[breakdown]
                ],
            )
        for exit_type in EXIT_TYPES:
            by_type = (report, "exits", exit_type, "total")
            for name in ("by_month", "by_site"):
                same(attacker, by_type, (report, name, "total", exit_type))
            same(attacker, by_type, (report, "verification", exit_type, "total"))
        # A month's row of a longer report is that month's own report.
        for month in data["by_month"]:
            if month in MONTHS and report != month:
                for exit_type in [*EXIT_TYPES, "total"]:
                    same(
                        attacker,
                        (report, "by_month", month, exit_type),
                        (month, "exits", exit_type, "total"),
                    )
    for path in cross_report_cells(reports):
        # Annual minus eleven months gives the twelfth: annual = sum of the months.
        attacker.relate(("annual", *path), [(m, *path) for m in MONTHS])
        # Cumulative differences: this month's cumulative = last month's + this month.
        attacker.relate(("cum-01", *path), [("2025-01", *path)])
        for month in range(2, 13):
            attacker.relate(
                (f"cum-{month:02d}", *path),
                [(f"cum-{month - 1:02d}", *path), (f"2025-{month:02d}", *path)],
            )


def cross_report_cells(reports: dict[str, dict]) -> set[tuple]:
    """Cells that every report has (or would have, as 0): all but the month rows."""
    paths = set()
    for data in reports.values():
        for name in ("exits", "by_site", "by_sex_and_age", "verification"):
            for row, columns in data[name].items():
                paths |= {(name, row, column) for column in columns}
        paths |= {("recruits", "by_recruit_status", s) for s in RECRUIT_STATUSES}
    for site_code in SITES:  # a site without exits has no row, but is known to be zero
        paths |= {("by_site", site_code, c) for c in [*EXIT_TYPES, "total"]}
    for sex in SEXES:
        paths |= {("by_sex_and_age", sex, band) for band in [*AGE_BANDS, "total"]}
    paths.add(("assistance", "distributions"))
    for breakdown, names in ASSISTANCE_ROWS.items():
        paths |= {("assistance", breakdown, name, "distributions") for name in names}
    return paths


@pytest.fixture
def locations(db):
    return {code: site(code) for code in SITES}


@pytest.fixture
def setup(locations, admin_user):
    return {
        "sites": locations,
        "Food basket": AssistanceTypeFactory(),
        "Cash grant": AssistanceTypeFactory(
            name="Cash grant", kind=AssistanceType.Kind.CASH, unit="", currency="THB"
        ),
        "partner": PartnerFactory(name=PARTNER),
        "recorder": admin_user,
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=people, given_out=gifts)
def test_no_attacker_pins_down_a_small_group(setup, rows, given_out):
    with transaction.atomic():
        populate(rows, setup["sites"])
        give(given_out, setup)
        reports = all_reports()
        rebuilt = all_reports()
        transaction.set_rollback(True)

    published, true = {}, {}
    for name, data in reports.items():
        shown = disclosure.protect(data)
        assert shown == disclosure.protect(rebuilt[name])  # a rebuild publishes the same
        assert disclosure.CELL_KEYS not in shown
        for path, count, _key in counts(data, data[disclosure.CELL_KEYS]):
            value = shown
            for part in path:
                value = value[part]
            published[(name, *path)], true[(name, *path)] = value, count
            assert value == 0 or value >= 5, "no published value from 1 to 4"
            assert count != 0 or value == 0, "zeros stay zeros"

    # The same people are the same cell: December's cumulative report is the annual one.
    for path in cross_report_cells(reports):
        if ("annual", *path) in published:
            assert published[("annual", *path)] == published[("cum-12", *path)]

    attacker = Attacker(published)
    relations(attacker, reports)
    attacker.narrow()
    for cell, (low, high) in attacker.bounds.items():
        count = true.get(cell, 0)
        assert low <= count <= high, f"the relations are wrong at {cell}"
        if 1 <= count <= 4:
            assert low < high, f"{cell}: a group of {count} is known with certainty"


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=people)
def test_the_same_cells_agree_across_tables(locations, rows):
    """Cells about the same people show the same value wherever they appear."""
    with transaction.atomic():
        populate(rows, locations)
        reports = {m: people_report(parse("monthly", m)) for m in ("2025-03", "2025-08")}
        reports["annual"] = people_report(parse("annual", "2025"))
        transaction.set_rollback(True)
    for name, data in reports.items():
        shown = disclosure.protect(data)
        total = shown["exits"]["total"]["total"]
        assert {shown[t]["total"]["total"] for t in TABLES} == {total}
        for exit_type in EXIT_TYPES:
            values = {
                shown["exits"][exit_type]["total"],
                shown["by_month"]["total"][exit_type],
                shown["by_site"]["total"][exit_type],
                shown["verification"][exit_type]["total"],
            }
            assert len(values) == 1
        if name != "annual":
            for exit_type in [*EXIT_TYPES, "total"]:
                annual_row = disclosure.protect(reports["annual"])["by_month"][name]
                assert annual_row[exit_type] == shown["exits"][exit_type]["total"]
