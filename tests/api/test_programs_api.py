"""Programs through the API: courses, sessions, enrolments, attendance, assistance types,
distributions, safe homes and stays.

Every endpoint × every role: anonymous refused (401), each role's allowed and refused actions,
records of other sites (and other trainers' sessions) 404, field sets per role (a trainer sees
a participant's case number and preferred name only), forbidden writes refused with 400,
writes through the services (audit rows), 412 on stale updates.

Viewers: "admin"; "cw_own"/"cw_other": the MAE-SOT case worker on MAE-SOT records / on
NEW-DELHI records; "trainer_own"/"trainer_other": the MAE-SOT trainer on their own session /
on a colleague's session at the same site; "analyst"; "anon": no credentials.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from portal.models import AuditEvent
from portal.roles import Role
from programs import services
from programs.api import routes
from programs.models import (
    AssistanceType,
    Attendance,
    Course,
    Distribution,
    Enrolment,
    Stay,
    TrainingSession,
)
from tests.conftest import make_user
from tests.programs.factories import (
    AssistanceTypeFactory,
    CourseFactory,
    DistributionFactory,
    PersonFactory,
    SafeHomeFactory,
    StayFactory,
    TrainingSessionFactory,
)

OK, CREATED, INVALID, UNAUTHENTICATED, DENIED, HIDDEN = 200, 201, 400, 401, 403, 404

EVERYONE_READS = {
    "admin": OK, "cw_own": OK, "cw_other": OK, "trainer_own": OK, "trainer_other": OK,
    "analyst": OK, "anon": UNAUTHENTICATED,
}  # fmt: skip
ADMIN_CREATES = {
    "admin": CREATED, "cw_own": DENIED, "cw_other": DENIED, "trainer_own": DENIED,
    "trainer_other": DENIED, "analyst": DENIED, "anon": UNAUTHENTICATED,
}  # fmt: skip
ADMIN_UPDATES = {**ADMIN_CREATES, "admin": OK}
# Lists: scoped, never refused for a role that reads the resource.
TRAINING_LIST = {**EVERYONE_READS, "analyst": DENIED}
TRAINING_READ = {**TRAINING_LIST, "cw_other": HIDDEN, "trainer_other": HIDDEN}
STAFF_LIST = {**TRAINING_LIST, "trainer_own": DENIED, "trainer_other": DENIED}
STAFF_READ = {**STAFF_LIST, "cw_other": HIDDEN}
# Creating for another site: the session/person/site "does not exist" (400).
STAFF_CREATE = {**STAFF_LIST, "admin": CREATED, "cw_own": CREATED, "cw_other": INVALID}
STAFF_ACTION = STAFF_READ

MATRIX = {
    "courses": {"list": EVERYONE_READS, "retrieve": EVERYONE_READS, "create": ADMIN_CREATES,
                "update": ADMIN_UPDATES},
    "assistance-types": {"list": EVERYONE_READS, "retrieve": EVERYONE_READS,
                         "create": ADMIN_CREATES, "update": ADMIN_UPDATES},
    "sessions": {"list": TRAINING_LIST, "retrieve": TRAINING_READ, "create": STAFF_CREATE,
                 "update": STAFF_READ},
    "enrolments": {"list": TRAINING_LIST, "retrieve": TRAINING_READ, "create": STAFF_CREATE,
                   "update": STAFF_READ},
    "attendance": {"list": TRAINING_LIST, "retrieve": TRAINING_READ},
    "distributions": {"list": STAFF_LIST, "retrieve": STAFF_READ, "create": STAFF_CREATE,
                      "confirm": STAFF_ACTION},
    "homes": {"list": STAFF_LIST, "retrieve": STAFF_READ},
    "stays": {"list": STAFF_LIST, "retrieve": STAFF_READ, "create": STAFF_CREATE,
              "check-out": STAFF_ACTION},
}  # fmt: skip

BASENAMES = {prefix: f"api:{basename}" for prefix, _viewset, basename in routes.ROUTES}
ACTION_ROUTES = {"confirm": "confirm", "check-out": "check-out"}
# The offline attendance endpoints: see test_attendance_bulk.py.
BULK_ROUTES = {"api:session-mine", "api:session-attendance"}


@pytest.fixture
def other_trainer(mae_sot):
    return make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer2@example.org")


@pytest.fixture
def trainer_delhi(new_delhi):
    return make_user(Role.TRAINER, [new_delhi], mfa=False, email="trainer.delhi@example.org")


@pytest.fixture
def world(mae_sot, new_delhi, trainer, other_trainer, trainer_delhi, case_worker_mae_sot):
    """Records per side: "own" (MAE-SOT, the trainer's session), "delhi" (NEW-DELHI) and
    "colleague" (MAE-SOT, another trainer's session); `spare` people for creations."""
    course = CourseFactory(name="Tailoring")
    food = AssistanceTypeFactory()
    sides = {}
    for key, site, session_trainer in (
        ("own", mae_sot, trainer),
        ("delhi", new_delhi, trainer_delhi),
        ("colleague", mae_sot, other_trainer),
    ):
        session = TrainingSessionFactory(
            course=course, location=site, trainer=session_trainer, date=timezone.localdate()
        )
        person = PersonFactory(location=site)
        enrolment = Enrolment.objects.create(
            session=session, person=person, enrolled_by=session_trainer
        )
        services.save_attendance(by=session_trainer, session=session, marks={person.pk: "present"})
        home = SafeHomeFactory(location=site)
        sides[key] = {
            "site": site,
            "trainer": session_trainer,
            "person": person,
            "spare": PersonFactory(location=site),
            "courses": course,
            "assistance-types": food,
            "sessions": session,
            "enrolments": enrolment,
            "attendance": Attendance.objects.get(session=session),
            "distributions": DistributionFactory(person=person, assistance_type=food),
            "homes": home,
            "stays": StayFactory(person=person, home=home),
        }
    return sides


def side_of(viewer: str) -> str:
    return {"cw_other": "delhi", "trainer_other": "colleague"}.get(viewer, "own")


@pytest.fixture
def viewer(request, api, admin_user, case_worker_mae_sot, trainer, analyst):
    users = {
        "admin": admin_user, "cw_own": case_worker_mae_sot, "cw_other": case_worker_mae_sot,
        "trainer_own": trainer, "trainer_other": trainer, "analyst": analyst, "anon": None,
    }  # fmt: skip
    name = request.param
    return name, api(users[name])


def create_body(resource, side):
    today = timezone.localdate()
    return {
        "courses": {"name": "Welding", "description": "Six weeks"},
        "assistance-types": {"name": "Hygiene kit", "kind": "hygiene", "unit": "kit"},
        "sessions": {
            "course": side["courses"].pk, "date": (today + timedelta(days=3)).isoformat(),
            "start_time": "09:00", "end_time": "12:00", "location": side["site"].pk,
            "trainer": side["trainer"].pk, "capacity": 10,
        },
        "enrolments": {"session": side["sessions"].pk, "person": side["spare"].pk},
        "distributions": {
            "person": side["spare"].pk, "assistance_type": side["assistance-types"].pk,
            "quantity": 2,
        },
        "stays": {"person": side["spare"].pk, "home": side["homes"].pk},
    }[resource]  # fmt: skip


UPDATE_BODIES = {
    "courses": {"description": "Three months"},
    "assistance-types": {"repeat_warning_days": 14},
    "sessions": {"capacity": 12},
    "enrolments": {"status": "completed"},
}


def cases(action):
    return [
        pytest.param(resource, name, expected, id=f"{resource}-{name}")
        for resource, actions in MATRIX.items()
        if action in actions
        for name, expected in actions[action].items()
    ]


def detail_url(resource, obj):
    return reverse(f"{BASENAMES[resource]}-detail", args=[obj.pk])


def changes():
    return AuditEvent.objects.exclude(action__in=["view", "permission_denied"])


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("list"), indirect=["viewer"])
def test_list(world, resource, viewer, expected):
    name, client = viewer
    response = client.get(reverse(f"{BASENAMES[resource]}-list"))
    assert response.status_code == expected, response.content
    if expected == OK and resource not in ("courses", "assistance-types"):
        # Scoped: a case worker lists their sites' records, a trainer their own sessions'.
        listed = {row["id"] for row in response.json()["results"]}
        outside = {"cw_own": ["delhi"], "cw_other": ["delhi"],
                   "trainer_own": ["delhi", "colleague"],
                   "trainer_other": ["delhi", "colleague"]}.get(name, [])  # fmt: skip
        assert world["own"][resource].pk in listed
        assert not listed & {world[key][resource].pk for key in outside}


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("retrieve"), indirect=["viewer"])
def test_retrieve(world, resource, viewer, expected):
    name, client = viewer
    response = client.get(detail_url(resource, world[side_of(name)][resource]))
    assert response.status_code == expected, response.content
    if expected == OK:
        assert response["ETag"]


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("create"), indirect=["viewer"])
def test_create(world, resource, viewer, expected):
    name, client = viewer
    before = changes().count()
    response = client.post(
        reverse(f"{BASENAMES[resource]}-list"),
        create_body(resource, world[side_of(name)]),
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == CREATED:
        assert response["ETag"]
        assert changes().count() > before  # the service wrote its audit rows
    else:
        assert changes().count() == before


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("update"), indirect=["viewer"])
def test_update(world, admin_user, api, resource, viewer, expected):
    name, client = viewer
    url = detail_url(resource, world[side_of(name)][resource])
    # The ETag of the caller's own read (a representation per role), else the admin's.
    read = client.get(url)
    etag = read["ETag"] if read.status_code == OK else api(admin_user).get(url)["ETag"]
    before = changes().count()
    response = client.patch(url, UPDATE_BODIES[resource], format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == expected, response.content
    if expected == OK:
        assert response["ETag"] != etag
        assert changes().count() == before + 1
    else:
        assert changes().count() == before


@pytest.mark.parametrize(
    ("resource", "viewer", "expected"),
    cases("confirm") + cases("check-out"),
    indirect=["viewer"],
)
def test_actions(world, resource, viewer, expected):
    name, client = viewer
    obj = world[side_of(name)][resource]
    action = "confirm" if resource == "distributions" else "check-out"
    response = client.post(
        reverse(f"{BASENAMES[resource]}-{action}", args=[obj.pk]), {}, format="json"
    )
    assert response.status_code == expected, response.content
    obj.refresh_from_db()
    if resource == "distributions":
        assert (obj.received_confirmed_at is not None) == (expected == OK)
    else:
        assert (obj.check_out is not None) == (expected == OK)


@pytest.mark.parametrize(
    ("url_name", "method"),
    [
        ("api:attendance-list", "post"),
        ("api:attendance-detail", "patch"),
        ("api:attendance-detail", "delete"),
        ("api:home-list", "post"),
        ("api:session-detail", "delete"),
        ("api:distribution-detail", "patch"),
        ("api:stay-detail", "put"),
        ("api:enrolment-detail", "delete"),
    ],
)
def test_what_is_not_offered_is_405(world, api, admin_user, url_name, method):
    """Attendance is written only through the bulk roster save; nothing is deleted."""
    args = [] if url_name.endswith("-list") else [1]
    response = getattr(api(admin_user), method)(reverse(url_name, args=args), {}, format="json")
    assert response.status_code == 405


def test_every_route_of_the_programs_api_is_tested():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    registered = {
        name
        for name in walk(get_resolver().url_patterns)
        if any(name.startswith(f"{basename}-") for basename in BASENAMES.values())
    }
    tested = {f"{BASENAMES[r]}-list" for r in MATRIX} | {
        f"{BASENAMES[r]}-detail" for r, actions in MATRIX.items() if "retrieve" in actions
    }
    tested |= {"api:distribution-confirm", "api:stay-check-out"} | BULK_ROUTES
    assert registered == tested


# --- Field sets per role --------------------------------------------------------------------------

TRAINER_PARTICIPANT = {"id", "session", "person", "case_number", "preferred_name", "status"}


def test_trainer_sees_participants_by_case_number_and_preferred_name_only(api, world, trainer):
    person = world["own"]["person"]
    person.preferred_name = ""
    person.save()
    client = api(trainer)
    enrolment = client.get(detail_url("enrolments", world["own"]["enrolments"])).json()
    assert set(enrolment) == TRAINER_PARTICIPANT
    assert enrolment["case_number"] == person.case_number
    assert enrolment["preferred_name"] == person.case_number  # falls back to the case number
    attendance = client.get(detail_url("attendance", world["own"]["attendance"])).json()
    assert set(attendance) == TRAINER_PARTICIPANT | {"marked_at"}
    for url_name in ("api:enrolment-list", "api:attendance-list"):
        page = client.get(reverse(url_name)).content.decode()
        assert person.full_name not in page and "phone" not in page


def test_field_sets_of_enrolments_and_attendance_for_staff(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    enrolment = client.get(detail_url("enrolments", world["own"]["enrolments"])).json()
    assert set(enrolment) == TRAINER_PARTICIPANT | {"enrolled_at", "enrolled_by", "completed_on"}
    attendance = client.get(detail_url("attendance", world["own"]["attendance"])).json()
    assert set(attendance) == TRAINER_PARTICIPANT | {"marked_by", "marked_at"}


SESSION_FIELDS = {
    "id", "course", "course_name", "date", "start_time", "end_time", "location", "time_zone",
    "trainer", "capacity", "taken", "status",
}  # fmt: skip


def test_session_field_sets_per_role(api, world, admin_user, case_worker_mae_sot, trainer):
    url = detail_url("sessions", world["own"]["sessions"])
    as_trainer = api(trainer).get(url).json()
    as_case_worker = api(case_worker_mae_sot).get(url).json()
    as_admin = api(admin_user).get(url).json()
    assert set(as_trainer) == SESSION_FIELDS
    assert set(as_case_worker) == SESSION_FIELDS | {"created_at"}
    assert set(as_admin) == SESSION_FIELDS | {"created_at", "created_by"}
    assert as_trainer["start_time"] == "09:00" and as_trainer["taken"] == 1
    assert as_trainer["course_name"] == "Tailoring"


def test_distribution_stay_and_home_fields(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    distribution = client.get(detail_url("distributions", world["own"]["distributions"])).json()
    assert set(distribution) == {
        "id", "person", "case_number", "location", "assistance_type", "quantity",
        "distributed_on", "partner", "repeat_acknowledged", "recorded_by", "recorded_at",
        "received_confirmed_at", "received_confirmed_by",
    }  # fmt: skip
    assert distribution["quantity"] == 1.0
    stay = client.get(detail_url("stays", world["own"]["stays"])).json()
    assert set(stay) == {"id", "person", "case_number", "home", "check_in", "check_out",
                         "over_capacity_reason", "checked_in_by", "checked_out_by"}  # fmt: skip
    home = client.get(detail_url("homes", world["own"]["homes"])).json()
    assert home["occupied"] == 1 and home["free"] == home["capacity"] - 1


def test_analysts_reach_no_person_level_data(api, world, analyst):
    client = api(analyst)
    for prefix in ("sessions", "enrolments", "attendance", "distributions", "homes", "stays"):
        assert client.get(reverse(f"{BASENAMES[prefix]}-list")).status_code == DENIED
    assert client.get(reverse("api:session-mine")).status_code == DENIED


# --- Forbidden writes: 400, nothing saved -------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "held"),  # set after planning only
        ("taken", 3),  # read-only
        ("created_at", "2020-01-01T00:00:00Z"),  # read-only
        ("created_by", 1),  # admins' field set only: unknown to case workers
        ("description", "x"),  # not a field of sessions
    ],
)
def test_session_creation_refuses_forbidden_fields(api, world, case_worker_mae_sot, field, value):
    data = {**create_body("sessions", world["own"]), field: value}
    response = api(case_worker_mae_sot).post(reverse("api:session-list"), data, format="json")
    assert response.status_code == INVALID
    assert list(response.json()["errors"]) == [field]
    assert TrainingSession.objects.count() == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("person", 1),  # create-only
        ("session", 1),  # create-only
        ("case_number", "MS-25-99999"),  # read-only
        ("preferred_name", "Ko"),  # read-only: a person is changed at /api/v1/people/
        ("enrolled_by", 1),  # read-only
    ],
)
def test_enrolment_update_refuses_forbidden_fields(api, world, case_worker_mae_sot, field, value):
    client = api(case_worker_mae_sot)
    url = detail_url("enrolments", world["own"]["enrolments"])
    etag = client.get(url)["ETag"]
    response = client.patch(
        url, {"status": "completed", field: value}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == INVALID
    assert list(response.json()["errors"]) == [field]
    assert Enrolment.objects.get(pk=world["own"]["enrolments"].pk).status == "enrolled"


def test_a_new_enrolment_has_no_status_yet(api, world, case_worker_mae_sot):
    data = {**create_body("enrolments", world["own"]), "status": "completed"}
    response = api(case_worker_mae_sot).post(reverse("api:enrolment-list"), data, format="json")
    assert response.status_code == INVALID and list(response.json()["errors"]) == ["status"]


@pytest.mark.parametrize(
    ("resource", "field", "value"),
    [
        ("distributions", "location", 1),
        ("distributions", "recorded_by", 1),
        ("distributions", "repeat_acknowledged", True),
        ("stays", "check_out", "2026-01-01"),
        ("stays", "checked_in_by", 1),
        ("courses", "id", 5),
    ],
)
def test_other_forbidden_writes(api, world, admin_user, resource, field, value):
    data = {**create_body(resource, world["own"]), field: value}
    before = changes().count()
    response = api(admin_user).post(reverse(f"{BASENAMES[resource]}-list"), data, format="json")
    assert response.status_code == INVALID
    assert list(response.json()["errors"]) == [field]
    assert changes().count() == before


def test_trainers_may_not_write_anything_but_attendance(api, world, trainer):
    client = api(trainer)
    session = world["own"]["sessions"]
    url = detail_url("sessions", session)
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"capacity": 50}, format="json", HTTP_IF_MATCH=etag).status_code == 403
    response = client.post(reverse("api:enrolment-list"), create_body("enrolments", world["own"]),
                           format="json")  # fmt: skip
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.capacity == 10


# --- Optimistic locking -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "first", "second"),
    [
        ("sessions", {"capacity": 12}, {"capacity": 15}),
        ("enrolments", {"status": "completed"}, {"status": "dropped_out"}),
        ("courses", {"description": "A"}, {"description": "B"}),
        ("assistance-types", {"repeat_warning_days": 14}, {"repeat_warning_days": 21}),
    ],
)
def test_a_stale_write_gets_412_and_changes_nothing(
    api, world, admin_user, resource, first, second
):
    obj = world["own"][resource]
    url = detail_url(resource, obj)
    mine, theirs = api(admin_user), api(admin_user)
    etag = mine.get(url)["ETag"]
    assert theirs.patch(url, first, format="json", HTTP_IF_MATCH=etag).status_code == 200
    before = changes().count()
    response = mine.patch(url, second, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert changes().count() == before
    obj.refresh_from_db()
    field, value = next(iter(first.items()))
    assert getattr(obj, field) == value


def test_an_update_without_if_match_gets_428(api, world, case_worker_mae_sot):
    url = detail_url("sessions", world["own"]["sessions"])
    response = api(case_worker_mae_sot).patch(url, {"capacity": 20}, format="json")
    assert response.status_code == 428


# --- Writes through the services -----------------------------------------------------------------


def test_session_planning_and_change_as_on_the_screens(api, world, case_worker_mae_sot, trainer):
    client = api(case_worker_mae_sot)
    response = client.post(reverse("api:session-list"), create_body("sessions", world["own"]),
                           format="json")  # fmt: skip
    assert response.status_code == CREATED, response.content
    body = response.json()
    assert body["status"] == "planned" and body["taken"] == 0 and body["start_time"] == "09:00"
    session = TrainingSession.objects.get(pk=body["id"])
    assert session.created_by == case_worker_mae_sot
    event = AuditEvent.objects.get(action="create", object_type="programs.trainingsession")
    assert event.site_id == session.location_id
    # A change checks the same rules: the trainer must work at the site; it ends after it starts.
    url = detail_url("sessions", session)
    etag = response["ETag"]
    for data, field in (({"trainer": world["delhi"]["trainer"].pk}, "trainer"),
                        ({"end_time": "08:00"}, "end_time"),
                        ({"capacity": 0}, "capacity")):  # fmt: skip
        refused = client.patch(url, data, format="json", HTTP_IF_MATCH=etag)
        assert refused.status_code == INVALID and list(refused.json()["errors"]) == [field]
    response = client.patch(url, {"status": "cancelled"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == OK and response.json()["status"] == "cancelled"


def test_capacity_cannot_drop_below_the_places_taken(api, world, case_worker_mae_sot):
    session = world["own"]["sessions"]
    Enrolment.objects.create(
        session=session, person=world["own"]["spare"], enrolled_by=case_worker_mae_sot
    )
    client = api(case_worker_mae_sot)
    url = detail_url("sessions", session)
    response = client.patch(
        url, {"capacity": 1}, format="json", HTTP_IF_MATCH=client.get(url)["ETag"]
    )
    assert response.status_code == INVALID and list(response.json()["errors"]) == ["capacity"]


def test_enrolment_through_the_service(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    response = client.post(reverse("api:enrolment-list"), create_body("enrolments", world["own"]),
                           format="json")  # fmt: skip
    assert response.status_code == CREATED, response.content
    assert response.json()["status"] == "enrolled"
    assert AuditEvent.objects.filter(action="create", object_type="programs.enrolment").count() == 1
    # Enrolling again is refused by the service's rule.
    again = client.post(reverse("api:enrolment-list"), create_body("enrolments", world["own"]),
                        format="json")  # fmt: skip
    assert again.status_code == INVALID
    # People of another site cannot join the session.
    response = client.post(
        reverse("api:enrolment-list"),
        {"session": world["own"]["sessions"].pk, "person": world["delhi"]["spare"].pk},
        format="json",
    )
    assert response.status_code == INVALID and list(response.json()["errors"]) == ["person"]


def test_enrolment_status_change(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    url = detail_url("enrolments", world["own"]["enrolments"])
    response = client.patch(url, {"status": "completed"}, format="json",
                            HTTP_IF_MATCH=client.get(url)["ETag"])  # fmt: skip
    assert response.status_code == OK
    assert response.json()["completed_on"] == timezone.localdate().isoformat()
    event = AuditEvent.objects.get(action="update", object_type="programs.enrolment")
    assert event.changes["status"] == ["enrolled", "completed"]


def test_distribution_warns_of_a_repeat_until_acknowledged(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    person = world["own"]["person"]  # received food on this day already
    data = {"person": person.pk, "assistance_type": world["own"]["assistance-types"].pk,
            "quantity": "1.50"}  # fmt: skip
    response = client.post(reverse("api:distribution-list"), data, format="json")
    assert response.status_code == INVALID  # a string, not a number
    data["quantity"] = 1.5
    response = client.post(reverse("api:distribution-list"), data, format="json")
    assert response.status_code == INVALID
    assert list(response.json()["errors"]) == ["acknowledge_repeat"]
    assert Distribution.objects.filter(person=person).count() == 1
    response = client.post(
        reverse("api:distribution-list"), {**data, "acknowledge_repeat": True}, format="json"
    )
    assert response.status_code == CREATED, response.content
    body = response.json()
    assert body["repeat_acknowledged"] is True and body["quantity"] == 1.5
    assert body["location"] == person.location_id
    assert Distribution.objects.get(pk=body["id"]).quantity == Decimal("1.50")
    event = AuditEvent.objects.get(action="create", object_type="programs.distribution")
    assert event.person_id == person.pk and event.changes["repeat_acknowledged"] == [None, True]


def test_distribution_rules(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    spare = world["own"]["spare"]
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    inactive = AssistanceTypeFactory(name="Old kit", active=False)
    for data, field in (
        ({"distributed_on": future}, "distributed_on"),
        ({"quantity": 0}, "quantity"),
        ({"assistance_type": inactive.pk}, "assistance_type"),
    ):
        body = {"person": spare.pk, "assistance_type": world["own"]["assistance-types"].pk,
                "quantity": 1, **data}  # fmt: skip
        response = client.post(reverse("api:distribution-list"), body, format="json")
        assert response.status_code == INVALID, data
        assert list(response.json()["errors"]) == [field]
    assert not Distribution.objects.filter(person=spare).exists()


def test_receipt_is_confirmed_once(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    url = reverse("api:distribution-confirm", args=[world["own"]["distributions"].pk])
    first = client.post(url)
    assert (
        first.status_code == OK and first.json()["received_confirmed_by"] == case_worker_mae_sot.pk
    )
    assert client.post(url).status_code == OK
    assert (
        AuditEvent.objects.filter(action="update", object_type="programs.distribution").count() == 1
    )


def test_check_in_and_out_through_the_services(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    home = world["own"]["homes"]
    home.capacity = 1
    home.save()
    data = create_body("stays", world["own"])
    full = client.post(reverse("api:stay-list"), data, format="json")
    assert full.status_code == INVALID
    assert list(full.json()["errors"]) == ["over_capacity_reason"]
    response = client.post(
        reverse("api:stay-list"), {**data, "over_capacity_reason": "Fled last night"}, format="json"
    )
    assert response.status_code == CREATED, response.content
    assert response.json()["over_capacity_reason"] == "Fled last night"
    stay = Stay.objects.get(pk=response.json()["id"])
    # One open stay per person.
    again = client.post(reverse("api:stay-list"), {**data, "over_capacity_reason": "x"},
                        format="json")  # fmt: skip
    assert again.status_code == INVALID
    url = reverse("api:stay-check-out", args=[stay.pk])
    early = client.post(url, {"check_out": (stay.check_in - timedelta(days=1)).isoformat()},
                        format="json")  # fmt: skip
    assert early.status_code == INVALID and list(early.json()["errors"]) == ["check_out"]
    done = client.post(url, {}, format="json")
    assert done.status_code == OK and done.json()["check_out"] == timezone.localdate().isoformat()
    assert client.post(url, {}, format="json").status_code == INVALID  # already ended
    actions = list(
        AuditEvent.objects.filter(object_type="programs.stay", object_id=str(stay.pk))
        .exclude(action="view").values_list("action", flat=True)
    )  # fmt: skip
    assert sorted(actions) == ["create", "update"]


def test_cash_needs_a_currency(api, admin_user):
    client = api(admin_user)
    response = client.post(reverse("api:assistance-type-list"),
                           {"name": "Cash grant", "kind": "cash"}, format="json")  # fmt: skip
    assert response.status_code == INVALID and list(response.json()["errors"]) == ["currency"]
    response = client.post(reverse("api:assistance-type-list"),
                           {"name": "Cash grant", "kind": "cash", "currency": "THB"},
                           format="json")  # fmt: skip
    assert response.status_code == CREATED
    assert AssistanceType.objects.get(name="Cash grant").currency == "THB"
    event = AuditEvent.objects.get(action="create", object_type="programs.assistancetype")
    assert event.actor == admin_user


def test_course_names_are_unique(api, admin_user, world):
    response = api(admin_user).post(reverse("api:course-list"), {"name": "Tailoring"},
                                    format="json")  # fmt: skip
    assert response.status_code == INVALID and list(response.json()["errors"]) == ["name"]
    assert Course.objects.count() == 1


# --- Reads: audit, filters ------------------------------------------------------------------------


def test_reads_of_person_level_records_are_audited(api, world, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    client.get(reverse("api:enrolment-list"))
    client.get(detail_url("attendance", world["own"]["attendance"]))
    listed = AuditEvent.objects.get(action="view", object_type="programs.enrolment")
    # The site's enrolments: the colleague's session is at the same site.
    assert sorted(listed.changes["listed"][1]) == sorted(
        [world["own"]["enrolments"].pk, world["colleague"]["enrolments"].pk]
    )
    viewed = AuditEvent.objects.get(action="view", object_type="programs.attendance")
    assert viewed.person_id == world["own"]["person"].pk
    assert viewed.site_id == world["own"]["site"].pk


def test_session_filters_match_the_screen(api, world, admin_user, mae_sot):
    past = TrainingSessionFactory(date=timezone.localdate() - timedelta(days=3), location=mae_sot,
                                  trainer=world["own"]["trainer"])  # fmt: skip
    client = api(admin_user)

    def ids(query):
        response = client.get(reverse("api:session-list"), query)
        assert response.status_code == OK, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids({"when": "past"}) == {past.pk}
    assert past.pk not in ids({"when": "upcoming"})
    assert ids({"location": world["delhi"]["site"].pk}) == {world["delhi"]["sessions"].pk}
    assert ids({"trainer": world["own"]["trainer"].pk}) == {world["own"]["sessions"].pk, past.pk}


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("api:session-list", {"when": "tomorrow"}),
        ("api:session-list", {"status": ""}),
        ("api:session-list", {"ordering": "trainer__email"}),
        ("api:enrolment-list", {"session": "abc"}),
        ("api:attendance-list", {"status": "asleep"}),
        ("api:distribution-list", {"date_after": "yesterday"}),
        ("api:stay-list", {"open": "maybe"}),
        ("api:home-list", {"page_size": "500"}),
    ],
)
def test_invalid_filters_are_refused(api, admin_user, url_name, query):
    response = api(admin_user).get(reverse(url_name), query)
    assert response.status_code == INVALID
    assert list(response.json()["errors"]) == list(query)


def test_a_filter_out_of_scope_is_empty_not_an_error(api, world, case_worker_mae_sot):
    response = api(case_worker_mae_sot).get(
        reverse("api:distribution-list"), {"person": world["delhi"]["person"].pk}
    )
    assert response.status_code == OK and response.json()["results"] == []


def test_open_stays_filter(api, world, admin_user):
    stay = world["own"]["stays"]
    services.check_out(
        by=admin_user, stay=stay, check_out_on=timezone.localdate(), expected_version=stay.version
    )
    rows = api(admin_user).get(reverse("api:stay-list"), {"open": "true"}).json()["results"]
    assert stay.pk not in {row["id"] for row in rows} and len(rows) == 2
