"""Issue 23's targets in `manage.py bench`: the verdicts (fed with figures), the peer admin
the portal's list is compared with, and the export measured in a child process."""

import io
import json

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import Resolver404, resolve

from devtools.bench.fixtures import LIST_FILTERS, PAGE_SIZE
from devtools.bench.measuring import count_queries
from devtools.bench.peer_admin import PeerPersonAdmin, peer_changelist_path, peer_query, peer_site
from devtools.bench.report import table, verdicts
from devtools.bench.scenarios import SizeResult
from devtools.management.commands.bench import Command as BenchCommand
from people.models import Person
from portal.models import AuditEvent, ExportJob
from tests.people.factories import ExitFactory, PersonFactory


def _list(median: float, raw: float, queries: int = 7) -> dict:
    return {
        "median": median,
        "queries": queries,
        "transaction_statements": 2,
        "raw_sql": {"median": raw},
        "ratio": round(median / raw, 2),
        "django_ms": round(median - raw, 2),
    }


def _checks(*results: SizeResult) -> dict[str, dict]:
    return {check["target"]: check for check in verdicts(list(results))}


def _one_space(text: str) -> str:
    """The table with its columns' padding folded to one space."""
    return " ".join(text.split())


def _starting(checks: dict[str, dict], prefix: str) -> dict:
    [check] = [check for name, check in checks.items() if name.startswith(prefix)]
    return check


# --- The verdicts ------------------------------------------------------------------------------


def test_the_default_run_measures_a_thousand_a_hundred_thousand_and_a_million_people():
    options = BenchCommand().create_parser("manage.py", "bench").parse_args([])

    assert options.sizes == "1000,100000,1000000"


def test_djangos_part_of_each_list_is_judged_at_every_size():
    checks = _checks(
        SizeResult(1000, {"list_html": _list(18.0, 6.5), "list_api": _list(20.0, 9.0)}),
        SizeResult(100_000, {"list_html": _list(30.0, 18.5), "list_api": _list(33.0, 20.0)}),
    )

    html = checks["people list (HTML) Django's part at each size, ms"]
    assert (html["value"], html["limit"], html["met"]) == ([11.5, 11.5], 12.0, True)
    api = checks["people list (API) Django's part at each size, ms"]
    assert (api["value"], api["met"]) == ([11.0, 13.0], False)  # missed at 100,000 people


def test_the_list_median_is_judged_at_a_million_people_only():
    def verdict(people: int, median: float) -> dict:
        return _starting(
            _checks(SizeResult(people, {"list_html": _list(median, median / 2)})),
            "people list (HTML) median",
        )

    small = verdict(100_000, 30.0)
    assert small["met"] is None  # printed, not judged
    assert small["target"] == "people list (HTML) median at 100,000 people (judged at 1,000,000)"
    assert verdict(1_000_000, 48.0)["met"] is True
    assert (verdict(1_000_000, 61.0)["limit"], verdict(1_000_000, 61.0)["met"]) == (50.0, False)


def test_the_list_median_is_also_judged_at_a_hundred_thousand_people_as_issue_8_set_it():
    checks = _checks(
        SizeResult(100_000, {"list_html": _list(41.0, 14.0), "list_api": _list(52.0, 15.0)}),
        SizeResult(1_000_000, {"list_html": _list(61.0, 28.0), "list_api": _list(58.0, 29.0)}),
    )

    html = checks["people list (HTML) at 100,000 people (issues 8 and 21), median"]
    assert (html["value"], html["limit"], html["met"]) == (41.0, 50.0, True)
    api = checks["people list (API) at 100,000 people (issues 8 and 21), median"]
    assert (api["value"], api["met"]) == (52.0, False)
    # The million's own verdict is unchanged.
    assert checks["people list (HTML) median at 1,000,000 people"]["met"] is False


def test_the_old_ratio_to_raw_sql_is_no_longer_a_target():
    checks = _checks(SizeResult(1000, {"list_html": _list(22.0, 6.0)}))

    assert not [name for name in checks if "÷ raw SQL" in name]


def test_the_portal_list_must_be_five_times_faster_than_the_peer_from_100000_people():
    results = [
        SizeResult(1000, {"list_html": _list(18.0, 6.0), "peer_admin": _list(36.0, 20.0, 6)}),
        SizeResult(100_000, {"list_html": _list(30.0, 18.0), "peer_admin": _list(240.0, 200.0, 6)}),
    ]

    speedup = _checks(*results)["people list (HTML) × faster than the peer admin at each size"]
    # ×2 at 1,000 people is printed, not judged; ×8 at 100,000 meets the target.
    assert (speedup["value"], speedup["limit"], speedup["met"]) == ([2.0, 8.0], 5.0, True)
    assert _checks(*results)["peer admin list queries at each size"]["value"] == [6, 6]

    results[1].figures["peer_admin"] = _list(120.0, 100.0, 6)
    assert (
        _checks(*results)["people list (HTML) × faster than the peer admin at each size"]["met"]
        is False
    )

    small = _checks(results[0])["people list (HTML) × faster than the peer admin at each size"]
    assert small["met"] is None  # no size of 100,000 people or more


def test_the_annual_report_is_judged_against_5_s_and_the_cumulative_one_against_10_s():
    def figures(annual: float, cumulative: float = 9.1) -> dict:
        return {
            "annual_report": {"median": annual, "queries": 24, "transaction_statements": 4},
            "cumulative_report": {"median": cumulative},
        }

    checks = _checks(SizeResult(1_000_000, figures(4.6)))
    annual = _starting(checks, "annual report build")
    assert (annual["value"], annual["limit"], annual["met"]) == (4.6, 5.0, True)
    cumulative = _starting(checks, "cumulative report build")
    assert (cumulative["value"], cumulative["limit"], cumulative["met"]) == (9.1, 10.0, True)
    slow = _starting(_checks(SizeResult(1_000_000, figures(4.6, 16.7))), "cumulative")
    assert slow["met"] is False
    assert _starting(_checks(SizeResult(100_000, figures(4.6, 16.7))), "cumulative")["met"] is None
    assert _starting(_checks(SizeResult(1_000_000, figures(5.4))), "annual")["met"] is False
    assert _starting(_checks(SizeResult(100_000, figures(5.4))), "annual")["met"] is None


def _export(rows: int, rows_per_s: int, peak: float) -> dict:
    return {
        "rows": rows,
        "rows_per_s": rows_per_s,
        "seconds": round(rows / rows_per_s, 2),
        "peak_rss_mb": peak,
        "peak_rss_before_mb": 120.0,
        "zip_mb": 61.2,
    }


@pytest.mark.parametrize(
    ("rows_per_s", "peak", "fast", "small"),
    [(24_000, 180.0, True, True), (15_000, 180.0, False, True), (24_000, 260.0, True, False)],
)
def test_the_export_of_a_million_people_is_judged_on_its_memory_and_speed(
    rows_per_s, peak, fast, small
):
    checks = _checks(SizeResult(1_000_000, {"export": _export(1_000_000, rows_per_s, peak)}))

    memory = checks["export of 1,000,000 people, peak RSS at 1,000,000 people"]
    speed = checks["export of 1,000,000 people, rows/s at 1,000,000 people"]
    assert (memory["limit"], memory["met"]) == (200.0, small)
    assert (speed["limit"], speed["met"]) == (20_000.0, fast)


def test_the_export_is_shown_but_not_judged_below_a_million_people():
    result = SizeResult(5000, {"export": _export(5000, 9000, 140.0)})

    assert all(
        check["met"] is None for check in verdicts([result]) if check["target"].startswith("export")
    )
    assert (
        "export job, every person, own process | 5,000 rows, 9,000 rows/s (0.6 s), "
        "peak RSS 140 MB (before the job 120 MB), ZIP 61.2 MB"
    ) in _one_space(table([result]))


def test_seeding_a_million_people_is_judged_on_the_sum_of_the_top_ups():
    results = [
        SizeResult(1000, {"seed_s": 2.5}),
        SizeResult(100_000, {"seed_s": 45.0}),
        SizeResult(1_000_000, {"seed_s": 480.0}),
    ]

    seed = _starting(_checks(*results), "seed_demo up to 1,000,000 people")
    assert (seed["value"], seed["limit"], seed["met"]) == (527.5, 600.0, True)

    results[2].figures["seed_s"] = 590.0
    assert _starting(_checks(*results), "seed_demo")["met"] is False
    results[1].figures.pop("seed_s")  # that size was already in the database
    assert _starting(_checks(*results), "seed_demo")["met"] is None
    assert not [name for name in _checks(*results[:2]) if name.startswith("seed_demo")]


def test_the_table_shows_the_peer_beside_the_portals_list():
    result = SizeResult(
        100_000, {"list_html": _list(30.0, 18.0), "peer_admin": _list(240.0, 200.0, 6)}
    )

    text = _one_space(table([result]))

    assert "peer: plain ModelAdmin list" in text
    assert "240.0 ms, 6 q +2 tx (raw 200.0 ms, ×1.20; Django 40.0 ms)" in text
    assert "portal list × faster than the peer | ×8.0" in text


# --- The peer admin ----------------------------------------------------------------------------


def test_the_peer_admin_is_only_served_by_the_benchmark_urlconf():
    with pytest.raises(Resolver404):
        resolve(peer_changelist_path())
    assert not isinstance(admin.site._registry.get(Person), PeerPersonAdmin)


def test_the_peer_admin_is_what_a_quick_build_would_register():
    model_admin = peer_site._registry[Person]

    assert type(model_admin) is PeerPersonAdmin
    assert model_admin.list_per_page == PAGE_SIZE
    assert set(model_admin.search_fields) >= {"full_name", "preferred_name", "name_my"}
    assert peer_query() == {
        "q": LIST_FILTERS["q"],
        "status__exact": LIST_FILTERS["status"],
        "exits__exit_type__exact": LIST_FILTERS["exit_type"],
    }


def test_the_peer_admin_lists_the_benchmarks_search_with_a_fixed_number_of_queries(
    settings, signed_in, admin_user, mae_sot, mae_sariang
):
    settings.ROOT_URLCONF = "devtools.bench.urls"
    for number in range(60):
        person = PersonFactory(
            full_name=f"Kyaw Min {number}",
            location=mae_sot if number % 2 else mae_sariang,
            status="active" if number % 10 else "closed",
        )
        ExitFactory(person=person, exit_type="defected" if number % 3 else "pow")
    ExitFactory(person=PersonFactory(full_name="Aung Zaw"), exit_type="defected")
    client = signed_in(admin_user)
    client.get(peer_changelist_path(), peer_query())  # the first request records the pledge
    responses = []

    queries = count_queries(
        lambda: responses.append(client.get(peer_changelist_path(), peer_query()))
    )

    response = responses[0]
    assert response.status_code == 200
    # Kyaw, active, defected: 36 of the 60 (every site: the admin has no scoping).
    assert response.context["cl"].result_count == 36
    assert len(response.context["cl"].result_list) == 36
    # Session, user, second factor; the filtered count, the full count, the page.
    assert queries.count == 6


# --- The export, in a child process ------------------------------------------------------------


def test_the_export_command_exports_every_current_person_and_leaves_nothing(
    settings, admin_user, mae_sot, mae_sariang, tmp_path
):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    for number in range(7):
        PersonFactory(location=mae_sot if number % 2 else mae_sariang)
    out = io.StringIO()

    call_command("bench_export_memory", "--user", admin_user.email, stdout=out)

    figures = json.loads(out.getvalue())
    assert figures["rows"] == 7
    assert figures["peak_rss_mb"] >= figures["peak_rss_before_mb"] > 0
    assert figures["zip_mb"] >= 0 and figures["rows_per_s"] > 0
    # Rolled back: no job, no audit row; the ZIP was written to a folder since deleted.
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(object_type__startswith="export").exists()
    assert not list(tmp_path.rglob("*.zip"))
