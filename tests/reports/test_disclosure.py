"""The disclosure layer: the perturbation table, and every numeric leaf of a full report built
from realistic data, through every way a figure leaves the portal."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from reportlab import rl_config

from devtools.demo import people as demo_people
from people.models import RECORD_KEY_RANGE
from programs.models import AssistanceType, Attendance, Enrolment, LivelihoodOutcome
from reports import disclosure, headline, selectors, services
from reports.disclosure import AMOUNT, CELL_KEYS, EXACT, RATIO, perturb, possible_counts
from reports.periods import parse
from reports.views import chart_data
from tests.api.conftest import api  # noqa: F401 (fixture)
from tests.programs.factories import (
    AssistanceTypeFactory,
    DistributionFactory,
    PartnerFactory,
    PersonFactory,
    SafeHomeFactory,
    StayFactory,
    TrainingSessionFactory,
)
from tests.reports.conftest import release

counts = st.integers(min_value=0, max_value=5000)
keys = st.integers(min_value=0, max_value=RECORD_KEY_RANGE - 1)


@settings(max_examples=500, deadline=None)
@given(counts, keys)
def test_the_perturbation_table(count, key):
    published = perturb(count, key)
    assert published == perturb(count, key)  # the same (count, key): the same value
    assert not 1 <= published <= 4  # no published value from 1 to 4
    if count == 0:
        assert published == 0  # zero stays zero
    elif count <= 4:
        assert published == 0
    elif count == 5:
        assert published == 0 or 5 <= published <= 7
    else:
        assert abs(published - count) <= 2 and published >= 5
    assert count in possible_counts(published)  # what a reader infers is never wrong


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_one_relation_never_pins_a_small_count(count):
    """Whatever a published 0 stands for holds both neighbours of every count 1–4: so one
    relation (a total minus its other parts), whose range always holds the true count and at
    least one neighbour, never leaves a single value."""
    for key in range(0, RECORD_KEY_RANGE, RECORD_KEY_RANGE // 97):
        published = perturb(count, key)
        assert {count - 1, count, count + 1} <= set(possible_counts(published))


def test_the_noise_follows_the_configured_weights():
    keys_sample = range(0, RECORD_KEY_RANGE, RECORD_KEY_RANGE // 20000)
    moves = [perturb(1000, key) - 1000 for key in keys_sample]
    share = {move: moves.count(move) / len(moves) for move in set(moves)}
    assert set(share) == {-2, -1, 0, 1, 2}
    assert share[0] == pytest.approx(0.5, abs=0.02)
    assert share[2] == pytest.approx(0.05, abs=0.01) and share[-1] == pytest.approx(0.2, abs=0.02)


def test_the_table_is_read_from_settings(settings):
    settings.STATISTICS_SMALL_COUNT = 10
    settings.STATISTICS_MAX_NOISE = 1
    settings.STATISTICS_NOISE_PROBABILITIES = [0.6, 0.2]
    assert perturb(9, 12345) == 0
    assert all(abs(perturb(50, key) - 50) <= 1 for key in range(0, 2**31 - 1, 2**24))
    assert "1 to 9" in disclosure.method_note()
    settings.STATISTICS_NOISE_PROBABILITIES = [0.6, 0.0]  # a noise that never happens
    with pytest.raises(ValueError):
        disclosure.table()


def test_a_section_without_keys_is_withheld():
    data = {
        "kind": "monthly",
        "period": "2025-08",
        "new_section": {"people": 3, "by_site": {"MAE-SOT": {"people": 700, "rate": 0.5}}},
        CELL_KEYS: {},
    }
    shown = disclosure.protect(data)
    assert shown == {
        "kind": "monthly",
        "period": "2025-08",
        "new_section": {"people": None, "by_site": {"MAE-SOT": {"people": None, "rate": None}}},
    }


# --- every numeric leaf of a full report built from realistic data --------------------------

NOT_ABOUT_PEOPLE = {  # the only figures published as they are, and why: none counts people
    ("training", "sessions_held"),
    ("training", "sessions_cancelled"),
    ("training", "by_month", "*", "sessions"),
    ("safe_homes", "by_site", "*", "homes"),
    ("safe_homes", "by_site", "*", "places"),
}


@pytest.fixture
def full_report(mae_sot, new_delhi, admin_user, trainer):
    """Demo people (exits since 2023, every site) and every programme record in 2026."""
    demo_people.seed(150, created_by=admin_user, notes=False)
    people = [PersonFactory(location=mae_sot, case_number=f"TR-26-{n:05d}") for n in range(12)]
    for day, present in ((5, 9), (19, 3), (26, 11)):
        session = TrainingSessionFactory(date=date(2026, 3, day), location=mae_sot)
        for index, person in enumerate(people):
            enrolment = Enrolment.objects.create(
                session=session,
                person=person,
                enrolled_by=trainer,
                status=Enrolment.Status.COMPLETED if index < 7 else Enrolment.Status.ENROLLED,
                completed_on=date(2026, 4, 1) if index < 7 else None,
            )
            Attendance.objects.create(
                session=session,
                person=person,
                status="present" if index < present else "absent",
                marked_by=trainer,
            )
            if day == 5 and index < 8:
                LivelihoodOutcome.objects.create(
                    person=person,
                    enrolment=enrolment,
                    recorded_on=date(2026, 6, 1),
                    outcome="employed" if index < 6 else "still_looking",
                    income_band="basic_needs" if index < 5 else "none",
                    recorded_by=trainer,
                )
    TrainingSessionFactory(date=date(2026, 3, 28), location=mae_sot, status="cancelled")
    food = AssistanceTypeFactory()
    thb = AssistanceTypeFactory(name="Cash THB", kind=AssistanceType.Kind.CASH, currency="THB")
    inr = AssistanceTypeFactory(name="Cash INR", kind=AssistanceType.Kind.CASH, currency="INR")
    partner = PartnerFactory()
    for index, person in enumerate(people):
        DistributionFactory(person=person, assistance_type=food, distributed_on=date(2026, 2, 3))
        DistributionFactory(
            person=person,
            assistance_type=thb,
            quantity=1500,
            distributed_on=date(2026, 2, 4),
            partner=partner if index % 2 else None,
        )
    DistributionFactory(person=people[0], assistance_type=inr, quantity=900,
                        distributed_on=date(2026, 2, 5))  # fmt: skip
    home = SafeHomeFactory(location=mae_sot, capacity=8)
    SafeHomeFactory(location=new_delhi, capacity=4)
    for person in people[:6]:
        StayFactory(person=person, home=home, check_in=date(2026, 1, 1))
    # Released by the admin: analysts and publication get released versions only.
    return release(services.build_report(parse("since_1027", today=date(2027, 1, 15))), admin_user)


def leaves(value, path=()):
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from leaves(inner, (*path, name))
    else:
        yield path, value


def at(data, path):
    for name in path:
        data = data.get(name) if isinstance(data, dict) else None
    return data


def operand(published, spec):
    if len(spec) == 2 and all(isinstance(part, int) for part in spec):
        return perturb(*spec)
    return at(published, spec)


def test_every_number_reaching_an_analyst_is_perturbed_derived_or_withheld(full_report):
    exact = disclosure.without_keys(full_report.data)
    tree = full_report.data[CELL_KEYS]
    published = disclosure.protect(full_report.data)
    kinds = set()
    numeric = [(p, v) for p, v in leaves(exact) if isinstance(v, int | float)]
    assert len(numeric) > 300 and {p[0] for p, _v in numeric} >= {
        "exits", "by_month", "recruits", "by_site", "by_sex_and_age", "verification",
        "training", "assistance", "safe_homes",
    }  # fmt: skip
    for path, value in numeric:
        shown, rule = at(published, path), at(tree, path)
        if shown is None:
            kinds.add("withheld")
        elif isinstance(rule, int):
            kinds.add("count")
            assert shown == perturb(value, rule) and not 1 <= shown <= 4, path
        elif rule == EXACT:
            kinds.add("exact")
            assert not_about_people(path), f"{path} is published exact"
        elif isinstance(rule, list) and rule[0] == RATIO:
            kinds.add("ratio")
            numerator, denominator = operand(published, rule[1]), operand(published, rule[2])
            assert shown == round(numerator / denominator, rule[3]), path
        else:
            assert isinstance(rule, list) and rule[0] == AMOUNT, f"{path} reaches analysts exact"
            kinds.add("amount")
            assert shown % 100 == 0 and shown == round(value / rule[1] * perturb(*rule[1:]), -2)
    assert kinds == {"count", "exact", "ratio", "amount", "withheld"}


def not_about_people(path: tuple) -> bool:
    return any(
        len(pattern) == len(path)
        and all(p in ("*", name) for p, name in zip(pattern, path, strict=True))
        for pattern in NOT_ABOUT_PEOPLE
    )


def key_strings(report) -> set[str]:
    """The report's cell keys as text (those long enough not to occur by chance)."""
    return {
        str(value)
        for _path, value in leaves(report.data[CELL_KEYS])
        if isinstance(value, int) and value > 10**7
    }


def test_every_way_out_gets_the_published_figures_and_never_a_key(
    client,
    signed_in,
    analyst,
    admin_user,
    full_report,
    api,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(rl_config, "pageCompression", 0)  # readable PDF text
    published = disclosure.protect(full_report.data)
    secret = key_strings(full_report)
    assert len(secret) > 50
    args = ("since_1027", "since_1027")

    signed_in(analyst)
    page = client.get(reverse("reports:dashboard", args=args))
    assert page.context["data"] == published
    assert page.context["chart_data"] == chart_data(published)
    outputs = {"dashboard": page.content.decode()}
    api_json = api(analyst).get(reverse("api:report-since-1027")).json()
    assert api_json == published
    outputs["api"] = json.dumps(api_json)
    for file_format in ("csv", "xlsx", "pdf"):
        response = client.get(reverse("reports:download", args=(*args, file_format)))
        outputs[file_format] = response.content
    rows = list(csv.reader(io.StringIO(outputs["csv"].decode("utf-8-sig"))))
    shown_rows = {tuple(row[1:4]): row[4] for row in rows[2:]}
    assert shown_rows[("assistance", "by_site.MAE-SOT", "people")] == str(
        published["assistance"]["by_site"]["MAE-SOT"]["people"]
    )
    assert rows[-1][1] == "note" and "cell-key" in rows[-1][4]
    workbook = load_workbook(io.BytesIO(outputs["xlsx"]))
    outputs["xlsx"] = json.dumps(
        [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in workbook], default=str
    )
    assert b"cell-key" in outputs["pdf"]

    signed_in(admin_user)  # admins: exact inside the portal, published for publication
    outputs["admin-dashboard"] = client.get(reverse("reports:dashboard", args=args)).content
    outputs["admin-api"] = api(admin_user).get(reverse("api:report-since-1027")).content
    for file_format in ("csv", "pdf"):
        url = reverse("reports:download", args=(*args, file_format))
        outputs[f"admin-{file_format}"] = client.get(url).content
        outputs[f"publication-{file_format}"] = client.get(url + "?publication=1").content

    for name, content in outputs.items():
        text = content.decode("utf-8-sig", "replace") if isinstance(content, bytes) else content
        assert "cell_keys" not in text, name
        assert not any(key in text for key in secret), f"a cell key leaves in the {name}"
    assert "cell-key" in outputs["publication-csv"].decode("utf-8-sig")


def test_headline_says_how_many_exits_are_verified(full_report, analyst, admin_user):
    exact, _ = selectors.shown_data(admin_user, full_report)
    verified = exact["verification"]["total"]["verified"]
    assert verified > 5  # the demo data has verified exits
    text = headline.sentence(exact, "Since 27 October 2023")
    assert f"of which {verified:,} verified" in text
    published, _ = selectors.shown_data(analyst, full_report)
    text = headline.sentence(published, "Since 27 October 2023")
    assert f"of which {published['verification']['total']['verified']:,} verified" in text


def test_the_build_command_prints_the_figures_without_the_keys(august_report, capsys):
    call_command("build_report", "monthly", "2025-08", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["exits"]["defected"]["police"] == 2 and CELL_KEYS not in printed


def test_a_report_stored_before_the_keys_is_withheld_until_rebuilt(
    client, signed_in, analyst, august_report
):
    data = dict(august_report.data)
    del data[CELL_KEYS]
    august_report.data = data
    august_report.save()
    signed_in(analyst)
    response = client.get(reverse("reports:dashboard", args=("monthly", "2025-08")))
    assert response.status_code == 200
    assert response.context["data"]["exits"]["defected"]["soldier"] is None
    assert "withheld until the report is rebuilt" in response.context["headline"]
    # The rebuild has the same exact figures, but cell keys: a new version for the admin to
    # approve (published values never change without one), then the analyst gets figures.
    rebuilt = services.build_report(parse("monthly", "2025-08"))
    assert rebuilt.created and rebuilt.number == 2 and rebuilt.checksum == august_report.checksum
    release(rebuilt)
    response = client.get(reverse("reports:dashboard", args=("monthly", "2025-08")))
    assert response.context["data"]["exits"]["defected"]["soldier"] == disclosure.perturb(
        12, rebuilt.data[CELL_KEYS]["exits"]["defected"]["soldier"]
    )


def test_analysts_see_verified_and_unverified_exits(client, signed_in, analyst, august_report):
    signed_in(analyst)
    page = client.get(reverse("reports:dashboard", args=("monthly", "2025-08")))
    assert "Not verified" in page.content.decode()
    assert page.context["data"]["verification"]["total"]["unverified"] >= 13


def test_a_wrong_table_stops_the_start(settings):
    assert disclosure.check_table() == []
    settings.STATISTICS_NOISE_PROBABILITIES = [0.5, 0.5]  # one weight short for ±2
    assert [error.id for error in disclosure.check_table()] == ["reports.E001"]
