"""A report's sections computed at once on PostgreSQL, each group of them on a thread and a
connection of its own (`reports.compute._computed_at_once`): the same report as in turn, the
progress written by the caller, and a build stopped by its progress stops."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from people.models import Person
from reports import compute
from reports.periods import parse
from tests.programs.factories import AssistanceTypeFactory, DistributionFactory
from tests.reports.test_compute import make_exits

pytestmark = pytest.mark.postgresql


@pytest.fixture
def report_rows(mae_sot):
    make_exits(
        [("defected", "soldier", date(2025, 3, 1), "new_recruit")] * 3
        + [("pow", "police", date(2025, 5, 2), "veteran")],
        mae_sot,
    )
    food = AssistanceTypeFactory()
    for person in Person.objects.order_by("pk")[:2]:
        DistributionFactory(person=person, assistance_type=food, distributed_on=date(2025, 8, 3))


@pytest.fixture
def threads_seen(monkeypatch) -> list[tuple[int, int, list[str]]]:
    """(thread, database backend, sections) of every group of sections computed."""
    seen = []
    compute_task = compute._compute_task

    def recorded(period, task):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        seen.append((threading.get_ident(), backend, [name for name, _ in task]))
        return compute_task(period, task)

    monkeypatch.setattr(compute, "_compute_task", recorded)
    return seen


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sections_computed_at_once_give_the_report_computed_in_turn(
    report_rows, threads_seen, settings
):
    period = parse("annual", "2025")
    steps = []
    at_once = compute.compute(period, on_step=steps.append)

    settings.REPORT_BUILD_CONNECTIONS = 1
    in_turn = compute.compute(period)
    assert at_once == in_turn
    assert list(at_once) == list(in_turn)  # the sections in their order
    assert at_once["exits"]["total"]["total"] == 4
    assert at_once["assistance"]["people_reached"] == 2
    # Every section once, on threads other than the caller's, each group on its connection
    # (two threads: a thread's next group runs on a new connection).
    computed = [name for _, _, names in threads_seen for name in names]
    assert sorted(computed) == sorted(compute.sections())
    assert {thread for thread, _, _ in threads_seen} & {threading.get_ident()} == set()
    assert len({thread for thread, _, _ in threads_seen}) == 2
    assert len({backend for _, backend, _ in threads_seen}) == len(compute._tasks())
    # The progress, written by the caller, named a section being computed each time.
    assert steps and set(steps) <= set(compute.sections())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_build_stopped_by_its_progress_stops(report_rows, threads_seen):
    class TakenAway(Exception):
        pass

    def progress(step):
        if len(progress.calls) == 1:
            raise TakenAway
        progress.calls.append(step)

    progress.calls = ["first"]
    with pytest.raises(TakenAway):
        compute.compute(parse("annual", "2025"), on_step=progress)
    # The groups not yet started were not started (two threads, four groups).
    assert len(threads_seen) < len(compute._tasks())


def test_in_a_callers_transaction_the_sections_are_computed_in_turn(report_rows, threads_seen):
    """Rows the caller has not committed are invisible to other connections: inside a
    transaction (as in every other test), the sections share the caller's connection."""
    with transaction.atomic():
        assert compute._connections_for_sections() == 1
        data = compute.compute(parse("annual", "2025"))
    assert data["exits"]["total"]["total"] == 4
    assert threads_seen == []
