"""Report sections about programmes: training, assistance and safe homes (GROUP BY only).

Counts of people and of records about people carry their cell keys, as in `reports.compute`:
records (attendance marks, enrolments, outcomes, distributions, stays) sum their people's record
keys once per record; distinct people sum the distinct keys. Figures about the organisation, not
about people (sessions held or cancelled, homes, places), are marked `EXACT`. Rates and averages
are `RATIO`s of published counts; cash sums are `AMOUNT`s (see `reports.disclosure`).
"""

from collections import defaultdict
from decimal import Decimal

from django.db import connections
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from people.models import Person
from programs.models import (
    Attendance,
    Distribution,
    Enrolment,
    LivelihoodOutcome,
    SafeHome,
    Stay,
    TrainingSession,
)
from reports.disclosure import AMOUNT, CELL_KEYS, EXACT, KEY_RANGE, RATIO
from reports.periods import Period
from reports.sections import Sections

PRESENT = Attendance.Status.PRESENT
RECORD_KEYS = Sum("person__record_key")
PEOPLE = Count("person", distinct=True)
# Distinct keys of distinct people: a function of who is in the cell, like the count.
PEOPLE_KEYS = Sum("person__record_key", distinct=True)


def _key(total) -> int:
    return int(total or 0) % KEY_RANGE


def _naming_tables(template: str, alias: str, **tables) -> str:
    """A raw statement of this module with each `{name}` replaced by its model's quoted table."""
    quote = connections[alias].ops.quote_name
    return template.format(**{name: quote(model._meta.db_table) for name, model in tables.items()})


def _month(value) -> str:
    """A TruncMonth value (a date, or a datetime on some databases) as YYYY-MM."""
    return value.strftime("%Y-%m")


MARK_FIGURES = ("total", "total_key", "present", "present_key")
Marks = dict[str, dict]  # YYYY-MM -> {total, total_key, present, present_key}


def held_marks_in(period: Period) -> QuerySet[Attendance]:
    """The marks of the sessions held in the period (filtered through the session's own
    columns: one join to the sessions, not two)."""
    return Attendance.objects.filter(
        session__status=TrainingSession.Status.HELD,
        session__date__gte=period.start,
        session__date__lte=period.end,
    )


def _marks_by_month(held_marks: QuerySet[Attendance]) -> Marks:
    """One scan of the marks of held sessions, by month (any database); the period's
    figures are their sums."""
    return {
        _month(item["month"]): item
        for item in held_marks.annotate(month=TruncMonth("session__date"))
        .values("month")
        .annotate(
            total=Count("id"),
            total_key=RECORD_KEYS,
            present=Count("id", filter=Q(status=PRESENT)),
            present_key=Sum("person__record_key", filter=Q(status=PRESENT)),
        )
        .order_by()
    }


def _trained(held_marks: QuerySet[Attendance]) -> dict:
    """The people present at least once (any database): their ids first (a semi-join), then
    their keys, instead of joining every mark to its person; SUM(DISTINCT) of their keys."""
    present_people = held_marks.filter(status=PRESENT).values("person_id")
    return Person.objects.filter(pk__in=present_people).aggregate(
        people=Count("id"), people_key=Sum("record_key", distinct=True)
    )


# PostgreSQL: the marks of the period's held sessions read ONCE for both figures (instead of
# one scan of every mark for the months and another for the people present): GROUPING SETS
# by month and by person (with the person's key), hashed in one pass; the people present at
# least once are then counted from the per-person rows, SUM(DISTINCT) of their keys as above.
# (A person's key is the MAX of their one key: grouped by the person alone, the planner
# expects as many groups as people and hashes them; grouped by person and key it expected a
# group per mark and sorted every mark to disk, 7 s longer over the cumulative period.)
# At a million people (10.1M marks, 3.4M in a year) the two scans took 4.0 s of the
# database's time (2.2 s with its parallel workers), this one 2.8 s (docs/performance.md).
MARKS_GROUPING_SETS_SQL = """
WITH cells AS (
  SELECT date_trunc('month', s.date)::date AS month, a.person_id, MAX(p.record_key) AS key,
         GROUPING(date_trunc('month', s.date)) AS by_person,
         COUNT(*) AS total, SUM(p.record_key) AS total_key,
         COUNT(*) FILTER (WHERE a.status = %(present)s) AS present,
         SUM(p.record_key) FILTER (WHERE a.status = %(present)s) AS present_key
  FROM {attendance} a
  JOIN {session} s ON s.id = a.session_id
  JOIN {person} p ON p.id = a.person_id
  WHERE s.status = %(held)s AND s.date >= %(start)s AND s.date <= %(end)s
  GROUP BY GROUPING SETS ((date_trunc('month', s.date)), (a.person_id))
)
SELECT month, total, total_key, present, present_key FROM cells WHERE by_person = 0
UNION ALL
SELECT NULL, COUNT(*), SUM(DISTINCT key), NULL, NULL FROM cells
WHERE by_person = 1 AND present > 0
"""


def _marks_grouping_sets(period: Period, alias: str) -> tuple[Marks, dict]:
    sql = _naming_tables(
        MARKS_GROUPING_SETS_SQL,
        alias,
        attendance=Attendance,
        session=TrainingSession,
        person=Person,
    )
    parameters = {
        "present": PRESENT,
        "held": TrainingSession.Status.HELD,
        "start": period.start,
        "end": period.end,
    }
    by_month: Marks = {}
    trained = {"people": 0, "people_key": None}
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, parameters)
        for month, *figures in cursor.fetchall():
            if month is None:
                trained = {"people": figures[0], "people_key": figures[1]}
            else:
                by_month[_month(month)] = dict(zip(MARK_FIGURES, figures, strict=True))
    return by_month, trained


def training(period: Period) -> dict:
    sessions = TrainingSession.objects.filter(date__gte=period.start, date__lte=period.end)
    # Sessions by month and status: a small table (sessions, not marks).
    sessions_by_month: dict = defaultdict(lambda: defaultdict(int))
    for item in (
        sessions.annotate(month=TruncMonth("date"))
        .values("month", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        sessions_by_month[item["status"]][_month(item["month"])] += item["n"]
    held_marks = held_marks_in(period)
    if connections[held_marks.db].vendor == "postgresql":
        marks_by_month, trained = _marks_grouping_sets(period, held_marks.db)
    else:
        marks_by_month, trained = _marks_by_month(held_marks), _trained(held_marks)
    marks = {
        figure: sum(int(item[figure] or 0) for item in marks_by_month.values())
        for figure in MARK_FIGURES
    }
    marks.update(trained)
    per_month = {
        month: {
            "sessions": sessions_by_month[TrainingSession.Status.HELD].get(month, 0),
            "attendees": item["present"],
            "key": item["present_key"],
        }
        for month, item in marks_by_month.items()
    }
    for month, n in sessions_by_month[TrainingSession.Status.HELD].items():
        per_month.setdefault(month, {"sessions": n, "attendees": 0, "key": 0})
    by_month, by_month_keys = {}, {}
    for month in period.months():
        item = per_month.get(month, {"sessions": 0, "attendees": 0, "key": 0})
        by_month[month] = {
            "sessions": item["sessions"],
            "attendees": item["attendees"],
            "attendees_per_session": round(item["attendees"] / item["sessions"], 2)
            if item["sessions"]
            else None,
        }
        by_month_keys[month] = {
            "sessions": EXACT,
            "attendees": _key(item["key"]),
            "attendees_per_session": [
                RATIO,
                ["training", "by_month", month, "attendees"],
                ["training", "by_month", month, "sessions"],
                2,
            ],
        }
    completions = Enrolment.objects.filter(
        status=Enrolment.Status.COMPLETED,
        completed_on__gte=period.start,
        completed_on__lte=period.end,
    ).aggregate(n=Count("*"), key=RECORD_KEYS)  # from the index `enrolment_completions` alone
    outcomes = LivelihoodOutcome.objects.filter(
        recorded_on__gte=period.start, recorded_on__lte=period.end
    )
    by_outcome = {
        item["outcome"]: item
        for item in outcomes.values("outcome").annotate(n=Count("id"), key=RECORD_KEYS).order_by()
    }
    earning = outcomes.filter(income_band__in=LivelihoodOutcome.EARNS_A_LIVING).aggregate(
        n=PEOPLE, key=PEOPLE_KEYS
    )
    values = LivelihoodOutcome.Outcome.values
    return {
        "sessions_held": sum(sessions_by_month[TrainingSession.Status.HELD].values()),
        "sessions_cancelled": sum(sessions_by_month[TrainingSession.Status.CANCELLED].values()),
        "people_trained": marks["people"],
        "attendance_rate": round(marks["present"] / marks["total"], 4) if marks["total"] else None,
        "by_month": by_month,
        "completions": completions["n"],
        "livelihood_outcomes": {v: by_outcome.get(v, {}).get("n", 0) for v in values},
        "earning_a_living": earning["n"],
        CELL_KEYS: {
            "sessions_held": EXACT,
            "sessions_cancelled": EXACT,
            "people_trained": _key(marks["people_key"]),
            # Present marks over all marks, both perturbed as counts of their own.
            "attendance_rate": [
                RATIO,
                [marks["present"], _key(marks["present_key"])],
                [marks["total"], _key(marks["total_key"])],
                4,
            ],
            "by_month": by_month_keys,
            "completions": _key(completions["key"]),
            "livelihood_outcomes": {v: _key(by_outcome.get(v, {}).get("key")) for v in values},
            "earning_a_living": _key(earning["key"]),
        },
    }


# The groups of the assistance section: by type, site and partner, and (None) all of them.
DISTRIBUTION_GROUPS = ("assistance_type__name", "location__code", "partner__name", None)
GroupRows = dict[str | None, dict]  # group field -> {value: {n, key, people, people_key}}


def _distribution_groups(given) -> GroupRows:
    """One GROUP BY per group (any database): each joins every distribution to its person."""
    groups: GroupRows = {}
    for field in DISTRIBUTION_GROUPS:
        figures = dict(n=Count("id"), key=RECORD_KEYS, people=PEOPLE, people_key=PEOPLE_KEYS)
        if field is None:
            groups[None] = {None: given.aggregate(**figures)}
            continue
        rows = given.values(field).annotate(**figures).order_by(field)
        groups[field] = {row.pop(field): row for row in rows}
    return groups


# PostgreSQL: the four groups from one read of the period's distributions IN PERSON ORDER
# (the index `distribution_by_person` alone), aggregated person by person as they stream past,
# instead of sorting every distribution once per distinct count: a person's row tells how many
# of their distributions fall in each group (a column per assistance type, site and partner,
# with the cash types' amounts), and is then joined to their key in the same order (a merge
# join with `person_record_keys`). A group's people are the rows with a count in its column:
# their keys are summed once each, except the few keys that more than one person drew
# (`shared`, read in key order from `person_shared_keys`), which are summed once per distinct
# key, as everywhere else. At a million people (5M distributions since October 2023) the
# GROUPING SETS statement with COUNT(DISTINCT) and SUM(DISTINCT) took 10.3 s, this one 2.0 s
# (docs/performance.md, session 10). The hash aggregation the planner would pick from its
# estimate spills 1M people to disk (6 s): it is turned off for this statement alone.
BY_PERSON_SQL = """
WITH by_person AS (
  SELECT d.person_id, COUNT(*) AS n{counts}
  FROM {distribution} d
  WHERE d.distributed_on >= %(start)s AND d.distributed_on <= %(end)s
  GROUP BY d.person_id
), keyed AS (
  SELECT by_person.*, p.record_key AS key, p.record_key = ANY(%(shared)s::integer[]) AS shared
  FROM by_person JOIN {person} p ON p.id = by_person.person_id
)
SELECT {figures} FROM keyed
"""
# A group's figures from its column of counts: distributions, their key sum, people, and the
# sum of the people's distinct keys.
GROUP_FIGURES = (
    "SUM({c})::bigint, SUM({c} * key), COUNT(*) FILTER (WHERE {c} > 0), "
    "SUM(key) FILTER (WHERE {c} > 0 AND NOT shared), "
    "SUM(DISTINCT key) FILTER (WHERE {c} > 0 AND shared)"
)
# The values a distribution is grouped by, each group's in the order of its name (no partner,
# a NULL, last), with the cash types' currencies: those that some distribution has (one
# lookup in each value's own index), as each adds a column to count (at a million people
# about 0.065 s per column over the 5M distributions since October 2023: 2.0 s with 15
# columns, 4.6 s with 55).
GROUP_VALUES_SQL = """
SELECT * FROM (
  SELECT 0 AS "group", id, name, CASE WHEN kind = %(cash)s THEN currency END FROM {types} v
  WHERE EXISTS (SELECT FROM {distribution} d WHERE d.assistance_type_id = v.id)
  UNION ALL SELECT 1, id, code, NULL FROM {sites} v
  WHERE EXISTS (SELECT FROM {distribution} d WHERE d.location_id = v.id)
  UNION ALL SELECT 2, id, name, NULL FROM {partners} v
  WHERE EXISTS (SELECT FROM {distribution} d WHERE d.partner_id = v.id)
  UNION ALL SELECT 2, NULL, NULL, NULL
) v ORDER BY 1, 3
"""
GROUP_COLUMNS = ("assistance_type_id", "location_id", "partner_id")
# The keys that more than one person drew, from `person_shared_keys` in key order, as
# hash aggregation is turned off for the next statement (a SELECT list is evaluated in order).
SHARED_KEYS_SQL = """
SELECT ARRAY(SELECT record_key FROM {person} GROUP BY record_key HAVING COUNT(*) > 1),
       current_setting('enable_hashagg'), set_config('enable_hashagg', 'off', true)
"""
CASH = "cash"
Cash = dict[str, list]  # currency -> [amount, distributions, key sum]
GroupValue = tuple[int, int | None, str | None, str | None]  # group, id, name, cash currency


def _group_values(alias: str) -> list[GroupValue]:
    sql = _naming_tables(
        GROUP_VALUES_SQL,
        alias,
        distribution=Distribution,
        types=Distribution.assistance_type.field.related_model,
        sites=Distribution.location.field.related_model,
        partners=Distribution.partner.field.related_model,
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, {"cash": CASH})
        return cursor.fetchall()


def _by_person_sql(values: list[GroupValue], alias: str) -> tuple[str, dict]:
    counts, figures, parameters = [], [GROUP_FIGURES.format(c="n")], {}
    for index, (group, pk, _, currency) in enumerate(values):
        column = f"d.{GROUP_COLUMNS[group]}"
        where = f"{column} IS NULL" if pk is None else f"{column} = %(v{index})s"
        parameters[f"v{index}"] = pk
        counts.append(f", COUNT(*) FILTER (WHERE {where}) AS c{index}")
        figures.append(GROUP_FIGURES.format(c=f"c{index}"))
        if currency is not None:
            counts.append(f", SUM(d.quantity) FILTER (WHERE {where}) AS q{index}")
            figures.append(f"SUM(q{index})")
    template = BY_PERSON_SQL.replace("{counts}", "".join(counts))
    template = template.replace("{figures}", ", ".join(figures))
    return _naming_tables(template, alias, distribution=Distribution, person=Person), parameters


def _distribution_by_person(period: Period, alias: str) -> tuple[GroupRows, Cash]:
    values = _group_values(alias)
    sql, parameters = _by_person_sql(values, alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(_naming_tables(SHARED_KEYS_SQL, alias, person=Person))
        shared, hash_aggregation, _ = cursor.fetchone()
        cursor.execute(
            sql, {**parameters, "shared": shared, "start": period.start, "end": period.end}
        )
        row = list(cursor.fetchone())
        # As it was: SET LOCAL would last to the end of a caller's transaction. (A statement
        # that fails aborts the transaction, whose rollback undoes the setting too.)
        cursor.execute("SELECT set_config('enable_hashagg', %s, true)", [hash_aggregation])
    groups: GroupRows = {field: {} for field in DISTRIBUTION_GROUPS}
    groups[None] = {None: _group_figures(row)}
    cash: Cash = defaultdict(lambda: [Decimal(0), 0, 0])
    for group, _, name, currency in values:
        figures = _group_figures(row)
        amount = row.pop(0) if currency is not None else None
        if figures["n"]:
            groups[DISTRIBUTION_GROUPS[group]][name] = figures
        if figures["n"] and currency is not None:
            _add_cash(cash[currency], amount, figures["n"], figures["key"])
    return groups, cash


def _group_figures(row: list) -> dict:
    """The next group's figures, taken from the front of the statement's row."""
    n, key, people, unshared_keys, shared_keys = (row.pop(0) for _ in range(5))
    both = (unshared_keys, shared_keys)
    return {
        "n": n or 0,
        "key": None if key is None else int(key),
        "people": people,
        "people_key": None if both == (None, None) else sum(int(k or 0) for k in both),
    }


def _add_cash(entry: list, amount, n: int, key) -> None:
    entry[0] += amount or 0
    entry[1] += n
    entry[2] += int(key or 0)


def _cash_by_currency(given) -> Cash:
    """Cash given, by currency: amount, distributions and their key sum (any database)."""
    cash: Cash = defaultdict(lambda: [Decimal(0), 0, 0])
    for item in (
        given.filter(assistance_type__kind=CASH)
        .values("assistance_type__currency")
        .annotate(total=Sum("quantity"), n=Count("id"), key=RECORD_KEYS)
        .order_by()
    ):
        _add_cash(cash[item["assistance_type__currency"]], item["total"], item["n"], item["key"])
    return cash


def _figures(rows: dict) -> tuple[dict, dict]:
    figures, keys = {}, {}
    for value, item in rows.items():
        name = str(value or "none")
        figures[name] = {"distributions": item["n"], "people": item["people"]}
        keys[name] = {"distributions": _key(item["key"]), "people": _key(item["people_key"])}
    return figures, keys


def assistance(period: Period) -> dict:
    given = Distribution.objects.filter(
        distributed_on__gte=period.start, distributed_on__lte=period.end
    )

    if connections[given.db].vendor == "postgresql":
        groups, cash = _distribution_by_person(period, given.db)
    else:
        groups, cash = _distribution_groups(given), _cash_by_currency(given)
    overall = groups.pop(None)[None]
    by_type, by_type_keys = _figures(groups["assistance_type__name"])
    by_site, by_site_keys = _figures(groups["location__code"])
    by_partner, by_partner_keys = _figures(groups["partner__name"])
    currencies = sorted(cash)
    return {
        "distributions": overall["n"],
        "people_reached": overall["people"],
        "by_type": by_type,
        "by_site": by_site,
        "by_partner": by_partner,
        "cash_by_currency": {
            currency: round(float(cash[currency][0]), 2) for currency in currencies
        },
        CELL_KEYS: {
            "distributions": _key(overall["key"]),
            "people_reached": _key(overall["people_key"]),
            "by_type": by_type_keys,
            "by_site": by_site_keys,
            "by_partner": by_partner_keys,
            # A sum of money tells how many people got a standard grant: it is published
            # scaled to the published number of cash distributions (`reports.disclosure`).
            "cash_by_currency": {
                currency: [AMOUNT, cash[currency][1], _key(cash[currency][2])]
                for currency in currencies
            },
        },
    }


def safe_homes(period: Period) -> dict:
    """Occupancy at the end of the period: stays checked in by then and not yet checked out."""
    at_end = Q(stays__check_in__lte=period.end) & (
        Q(stays__check_out__isnull=True) | Q(stays__check_out__gt=period.end)
    )
    rows = (
        SafeHome.objects.filter(active=True)
        .values("location__code")
        .annotate(homes=Count("id", distinct=True), places=Sum("capacity", distinct=False))
        .order_by("location__code")
    )
    residents = {
        item["location__code"]: item
        for item in SafeHome.objects.values("location__code")
        .annotate(
            n=Count("stays", filter=at_end), key=Sum("stays__person__record_key", filter=at_end)
        )
        .order_by()
    }
    by_site, by_site_keys = {}, {}
    for row in rows:
        site = residents.get(row["location__code"], {})
        by_site[row["location__code"]] = {
            "homes": row["homes"],
            "places": row["places"] or 0,
            "residents": site.get("n", 0),
        }
        by_site_keys[row["location__code"]] = {
            "homes": EXACT,
            "places": EXACT,
            "residents": _key(site.get("key")),
        }
    staying = (
        Stay.objects.filter(check_in__lte=period.end)
        .filter(Q(check_out__isnull=True) | Q(check_out__gt=period.end))
        .aggregate(n=Count("id"), key=RECORD_KEYS)
    )
    return {
        "date": period.end.isoformat(),
        "residents": staying["n"],
        "by_site": by_site,
        CELL_KEYS: {"residents": _key(staying["key"]), "by_site": by_site_keys},
    }


SECTIONS: Sections = {"training": training, "assistance": assistance, "safe_homes": safe_homes}
