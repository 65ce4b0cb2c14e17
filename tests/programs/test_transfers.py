"""After a transfer (issue 19): the site a person left keeps what it ran for them as read-only
history, by case number and preferred name only; writes about them from that site are refused
(403, audited, nothing changed); their new site sees everything, history included.

Over the screens and every programme API endpoint (the table below names each route)."""

from datetime import date

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from portal.models import AuditEvent
from portal.scoping import ReadOnlyRecord, get_object_for_change, visible_to, writable_by
from programs import selectors, services
from programs.api import routes
from programs.models import Attendance, Distribution, Enrolment, Stay
from tests.people.factories import transfer_accepted
from tests.programs.factories import (
    DistributionFactory,
    PersonFactory,
    SafeHomeFactory,
    StayFactory,
    TrainingSessionFactory,
)

pytestmark = pytest.mark.django_db

FULL_NAME = "Aung Secret Fullname"
PREFERRED = "Ko Moe"


@pytest.fixture
def moved(mae_sot, new_delhi, trainer, case_worker_mae_sot):
    """A person MAE-SOT trained, helped and housed, then transferred to NEW-DELHI; and one who
    stays (`stayer`), enrolled in the same session."""
    person = PersonFactory(location=mae_sot, full_name=FULL_NAME, preferred_name=PREFERRED)
    stayer = PersonFactory(location=mae_sot)
    session = TrainingSessionFactory(location=mae_sot, trainer=trainer)
    enrolments = {
        p.pk: Enrolment.objects.create(session=session, person=p, enrolled_by=case_worker_mae_sot)
        for p in (person, stayer)
    }
    services.save_attendance(
        by=trainer, session=session, marks={person.pk: "present", stayer.pk: "present"}
    )
    home = SafeHomeFactory(location=mae_sot)
    records = {
        "person": person,
        "stayer": stayer,
        "session": session,
        "home": home,
        "enrolment": enrolments[person.pk],
        "attendance": Attendance.objects.get(session=session, person=person),
        "distribution": DistributionFactory(person=person, location=mae_sot),
        "stay": StayFactory(person=person, home=home),
    }
    transfer_accepted(by=case_worker_mae_sot, person=person, to_location=new_delhi)
    return records


def denials() -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.PERMISSION_DENIED).count()


# --- The rule, in the scoping layer ----------------------------------------------------------


def test_old_site_sees_the_history_but_cannot_change_it(moved, case_worker_mae_sot):
    for model, key in ((Enrolment, "enrolment"), (Distribution, "distribution"), (Stay, "stay")):
        record = moved[key]
        assert visible_to(case_worker_mae_sot, model.objects.filter(pk=record.pk)).exists()
        assert not writable_by(case_worker_mae_sot, model.objects.filter(pk=record.pk)).exists()
        with pytest.raises(ReadOnlyRecord):
            get_object_for_change(case_worker_mae_sot, model.objects.all(), pk=record.pk)


def test_the_new_site_sees_everything_and_may_change_it(moved, case_worker_delhi):
    for model, key in ((Enrolment, "enrolment"), (Distribution, "distribution"), (Stay, "stay")):
        assert writable_by(case_worker_delhi, model.objects.filter(pk=moved[key].pk)).exists()
    history = selectors.person_programs(case_worker_delhi, moved["person"])
    assert history.enrolments == [moved["enrolment"]]
    assert history.distributions == [moved["distribution"]]
    assert history.stays == [moved["stay"]]


def test_services_refuse_old_site_writes_whoever_calls_them(moved, case_worker_mae_sot, trainer):
    with pytest.raises(ReadOnlyRecord):
        services.set_enrolment_status(
            by=case_worker_mae_sot,
            enrolment=moved["enrolment"],
            status="completed",
            expected_version=moved["enrolment"].version,
        )
    with pytest.raises(ReadOnlyRecord):
        services.confirm_receipt(
            by=case_worker_mae_sot,
            distribution=moved["distribution"],
            expected_version=moved["distribution"].version,
        )
    with pytest.raises(ReadOnlyRecord):
        services.check_out(
            by=case_worker_mae_sot,
            stay=moved["stay"],
            check_out_on=date.today(),
            expected_version=moved["stay"].version,
        )
    with pytest.raises(Exception, match="moved to another site"):
        services.save_attendance(
            by=trainer, session=moved["session"], marks={moved["person"].pk: "absent"}
        )
    moved["enrolment"].refresh_from_db()
    assert moved["enrolment"].status == "enrolled"
    assert Attendance.objects.get(pk=moved["attendance"].pk).status == "present"
    assert Distribution.objects.get(pk=moved["distribution"].pk).received_confirmed_at is None
    assert Stay.objects.get(pk=moved["stay"].pk).check_out is None


def test_the_roster_no_longer_offers_someone_who_moved(moved, trainer):
    rows = selectors.roster(trainer, moved["session"])
    assert [row.person_id for row in rows] == [moved["stayer"].pk]
    # The stayer is still marked as usual.
    saved = services.save_attendance(
        by=trainer, session=moved["session"], marks={moved["stayer"].pk: "absent"}
    )
    assert saved.changed == 1


# --- Screens -------------------------------------------------------------------------------


def test_session_page_shows_the_moved_person_by_preferred_name_without_buttons(
    moved, signed_in, case_worker_mae_sot
):
    client = signed_in(case_worker_mae_sot)
    page = client.get(reverse("programs:session_detail", args=[moved["session"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert moved["person"].case_number in html and PREFERRED in html
    assert FULL_NAME not in html
    assert "moved to another site" in html
    status_url = reverse("programs:enrolment_status", args=[moved["enrolment"].pk])
    assert status_url not in html
    stayer = reverse("programs:enrolment_status", args=[Enrolment.objects.get(
        person=moved["stayer"]).pk])  # fmt: skip
    assert stayer in html


def test_without_a_preferred_name_the_case_number_is_shown_never_the_full_name(
    moved, signed_in, case_worker_mae_sot
):
    type(moved["person"]).objects.filter(pk=moved["person"].pk).update(preferred_name="")
    client = signed_in(case_worker_mae_sot)
    html = client.get(reverse("programs:session_detail", args=[moved["session"].pk])).content
    html += client.get(reverse("programs:home_detail", args=[moved["home"].pk])).content
    assert FULL_NAME.encode() not in html
    assert moved["person"].case_number.encode() in html


def test_home_and_assistance_pages_keep_the_history_read_only(
    moved, signed_in, case_worker_mae_sot
):
    client = signed_in(case_worker_mae_sot)
    home = client.get(reverse("programs:home_detail", args=[moved["home"].pk])).content.decode()
    assert PREFERRED in home and FULL_NAME not in home
    assert reverse("programs:check_out", args=[moved["stay"].pk]) not in home
    listing = client.get(reverse("programs:distribution_list")).content.decode()
    assert moved["person"].case_number in listing and FULL_NAME not in listing
    assert reverse("programs:distribution_confirm", args=[moved["distribution"].pk]) not in listing


@pytest.mark.parametrize(
    ("url_name", "key", "data"),
    [
        ("programs:enrolment_status", "enrolment", {"status": "completed"}),
        ("programs:distribution_confirm", "distribution", {}),
        ("programs:check_out", "stay", {"check_out": date.today().isoformat()}),
    ],
)
def test_screen_writes_from_the_old_site_are_refused_and_audited(
    moved, signed_in, case_worker_mae_sot, url_name, key, data
):
    client = signed_in(case_worker_mae_sot)
    before = denials()
    response = client.post(
        reverse(url_name, args=[moved[key].pk]), {**data, "version": moved[key].version}
    )
    assert response.status_code == 403
    assert "moved to another site" in response.content.decode()
    assert denials() == before + 1
    record = type(moved[key]).objects.get(pk=moved[key].pk)
    assert getattr(record, "status", "enrolled") == "enrolled"
    assert getattr(record, "received_confirmed_at", None) is None
    assert getattr(record, "check_out", None) is None


def test_the_roster_page_neither_lists_nor_saves_the_moved_person(moved, signed_in, trainer):
    client = signed_in(trainer)
    url = reverse("programs:roster", args=[moved["session"].pk])
    html = client.get(url).content.decode()
    assert moved["person"].case_number not in html
    assert moved["stayer"].case_number in html
    response = client.post(url, {f"attendance-{moved['person'].pk}": "absent"}, follow=True)
    assert "moved to another site" in response.content.decode()
    assert Attendance.objects.get(pk=moved["attendance"].pk).status == "present"


def test_the_new_sites_person_page_shows_the_history(moved, signed_in, case_worker_delhi):
    client = signed_in(case_worker_delhi)
    html = client.get(reverse("people:detail", args=[moved["person"].pk])).content.decode()
    assert moved["session"].course.name in html
    assert moved["distribution"].assistance_type.name in html
    assert moved["home"].name in html


def test_the_new_site_can_end_the_old_stay_and_confirm_the_receipt(moved, case_worker_delhi):
    services.confirm_receipt(
        by=case_worker_delhi,
        distribution=moved["distribution"],
        expected_version=moved["distribution"].version,
    )
    services.check_out(
        by=case_worker_delhi,
        stay=moved["stay"],
        check_out_on=date.today(),
        expected_version=moved["stay"].version,
    )
    assert Stay.objects.get(pk=moved["stay"].pk).check_out == date.today()


# --- API: every programme endpoint ----------------------------------------------------------


@pytest.fixture
def api():
    def client_for(user) -> APIClient:
        client = APIClient()
        _, token = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return client_for


def _detail(basename, obj):
    return reverse(f"api:{basename}-detail", args=[obj.pk])


# (who, method, route, record, action or None, body, expected status): every route of the
# programme API (`programs.api.routes`) appears at least once.
OLD, NEW, TRAINER = "old site", "new site", "trainer"
TABLE = [
    (OLD, "get", "course", None, None, None, 200),
    (OLD, "get", "assistance-type", None, None, None, 200),
    (OLD, "get", "session", "session", None, None, 200),
    (NEW, "get", "session", "session", None, None, 404),
    (OLD, "get", "home", "home", None, None, 200),
    (NEW, "get", "home", "home", None, None, 404),
    (OLD, "get", "enrolment", "enrolment", None, None, 200),
    (NEW, "get", "enrolment", "enrolment", None, None, 200),
    (OLD, "get", "attendance", "attendance", None, None, 200),
    (NEW, "get", "attendance", "attendance", None, None, 200),
    (TRAINER, "get", "attendance", "attendance", None, None, 200),
    (OLD, "get", "distribution", "distribution", None, None, 200),
    (NEW, "get", "distribution", "distribution", None, None, 200),
    (OLD, "get", "stay", "stay", None, None, 200),
    (NEW, "get", "stay", "stay", None, None, 200),
    (OLD, "patch", "enrolment", "enrolment", None, {"status": "completed"}, 403),
    (NEW, "patch", "enrolment", "enrolment", None, {"status": "completed"}, 200),
    (OLD, "post", "distribution", "distribution", "confirm", {}, 403),
    (NEW, "post", "distribution", "distribution", "confirm", {}, 200),
    (OLD, "post", "stay", "stay", "check-out", {}, 403),
    (NEW, "post", "stay", "stay", "check-out", {}, 200),
    (TRAINER, "post", "session", "session", "attendance", "marks", 400),
    (OLD, "post", "enrolment", None, None, "enrol", 400),
    (OLD, "post", "distribution", None, None, "distribute", 400),
    (OLD, "post", "stay", None, None, "check in", 400),
]


def _body(kind, moved):
    if not isinstance(kind, str):
        return kind
    person = moved["person"].pk
    return {
        "marks": {"marks": {str(person): "absent"}},
        "enrol": {"session": moved["session"].pk, "person": person},
        "distribute": {
            "person": person,
            "assistance_type": moved["distribution"].assistance_type_id,
            "quantity": 1,
        },
        "check in": {"person": person, "home": moved["home"].pk},
    }[kind]


def _snapshot(moved):
    return (
        Enrolment.objects.get(pk=moved["enrolment"].pk).status,
        Attendance.objects.get(pk=moved["attendance"].pk).status,
        Distribution.objects.get(pk=moved["distribution"].pk).received_confirmed_at,
        Stay.objects.get(pk=moved["stay"].pk).check_out,
        Enrolment.objects.count(),
        Distribution.objects.count(),
        Stay.objects.count(),
    )


@pytest.mark.parametrize(
    ("who", "method", "basename", "key", "action", "body", "expected"),
    TABLE,
    ids=[f"{row[0]}-{row[1]}-{row[2]}-{row[4] or row[3] or 'list'}" for row in TABLE],
)
def test_every_programme_endpoint_after_a_transfer(
    moved, api, case_worker_mae_sot, case_worker_delhi, trainer,
    who, method, basename, key, action, body, expected,
):  # fmt: skip
    user = {OLD: case_worker_mae_sot, NEW: case_worker_delhi, TRAINER: trainer}[who]
    client = api(user)
    record = moved[key] if key else None
    if method == "get":
        if record is not None:
            listed = client.get(reverse(f"api:{basename}-list"), {"page_size": 200}).json()
            ids = [row["id"] for row in listed["results"]]
            assert (record.pk in ids) == (expected == 200)
            url = _detail(basename, record)
        else:
            url = reverse(f"api:{basename}-list")
        response = client.get(url)
        assert response.status_code == expected, response.content
        if expected == 200 and record is not None:
            data = response.json()
            assert FULL_NAME not in response.content.decode()
            assert data.get("case_number", moved["person"].case_number) == (
                moved["person"].case_number
            )
        return
    before, denied = _snapshot(moved), denials()
    headers = {}
    if method == "patch":
        headers["HTTP_IF_MATCH"] = client.get(_detail(basename, record))["ETag"]
        url = _detail(basename, record)
    elif action:
        url = reverse(f"api:{basename}-{action}", args=[record.pk])
        if action == "attendance":
            headers["HTTP_IDEMPOTENCY_KEY"] = "transfer-test-key"
    else:
        url = reverse(f"api:{basename}-list")
    response = getattr(client, method)(url, _body(body, moved), format="json", **headers)
    assert response.status_code == expected, response.content
    error = response.json()
    if expected >= 400:
        assert set(error) == {"status", "code", "detail", "errors"}
        assert _snapshot(moved) == before
    if expected == 403:
        assert error["code"] == "read_only_history"
        assert denials() == denied + 1


def test_the_table_covers_every_programme_route():
    tested = {row[2] for row in TABLE}
    assert tested == {basename for _prefix, _viewset, basename in routes.ROUTES}


def test_the_trainers_phone_roster_leaves_out_someone_who_moved(moved, api, trainer):
    sessions = api(trainer).get(reverse("api:session-mine")).json()
    listed = [entry["person"] for s in sessions for entry in s["roster"]]
    assert moved["person"].pk not in listed and moved["stayer"].pk in listed


def test_the_new_site_ends_the_old_stay_from_the_person_page(moved, signed_in, case_worker_delhi):
    client = signed_in(case_worker_delhi)
    page = client.get(reverse("people:detail", args=[moved["person"].pk])).content.decode()
    url = reverse("programs:check_out", args=[moved["stay"].pk])
    assert url in page
    response = client.post(
        url,
        {"check_out": date.today().isoformat(), "back": "person", "version": moved["stay"].version},
    )
    assert response.status_code == 302
    assert response.url == reverse("people:detail", args=[moved["person"].pk])
    assert Stay.objects.get(pk=moved["stay"].pk).check_out == date.today()
