"""Every endpoint × every role: anonymous refused, each role's allowed and refused actions,
records of other sites 404 (never 403), writes refused to roles that may only read.

Viewers: "admin"; "cw_own"/"cw_other": the MAE-SOT case worker on a MAE-SOT record / on a
NEW-DELHI record; "trainer" (MAE-SOT); "analyst"; "anon": no credentials.
"""

import pytest
from django.urls import reverse

from people import transfers
from portal.models import AuditEvent
from tests.api.access_matrix import API_ROUTES
from tests.people.factories import PersonFactory, transfer_accepted

OK, CREATED, INVALID, UNAUTHENTICATED, DENIED, HIDDEN = 200, 201, 400, 401, 403, 404

PERSON_LEVEL_READ = {
    "admin": OK, "cw_own": OK, "cw_other": HIDDEN, "trainer": DENIED, "analyst": DENIED,
    "anon": UNAUTHENTICATED,
}  # fmt: skip
STAFF_LIST = {
    "admin": OK, "cw_own": OK, "cw_other": OK, "trainer": DENIED, "analyst": DENIED,
    "anon": UNAUTHENTICATED,
}  # fmt: skip
# Creating a record for a person of another site: that person "does not exist" (400).
PERSON_LEVEL_CREATE = {
    "admin": CREATED, "cw_own": CREATED, "cw_other": INVALID, "trainer": DENIED,
    "analyst": DENIED, "anon": UNAUTHENTICATED,
}  # fmt: skip
ADMIN_WRITE_CREATE = {
    "admin": CREATED, "cw_own": DENIED, "cw_other": DENIED, "trainer": DENIED,
    "analyst": DENIED, "anon": UNAUTHENTICATED,
}  # fmt: skip
ADMIN_WRITE_UPDATE = {**ADMIN_WRITE_CREATE, "admin": OK}

MATRIX = {
    "people": {
        "list": STAFF_LIST,
        "search": STAFF_LIST,  # POST /people/search/: a read, for the roles that list people
        "retrieve": PERSON_LEVEL_READ,
        "create": {**PERSON_LEVEL_CREATE},
        "update": PERSON_LEVEL_READ,
        "status": PERSON_LEVEL_READ,
    },
    "exits": {
        "list": STAFF_LIST,
        "retrieve": PERSON_LEVEL_READ,
        "create": PERSON_LEVEL_CREATE,
        "update": PERSON_LEVEL_READ,
    },
    "notes": {
        "list": STAFF_LIST,
        "retrieve": PERSON_LEVEL_READ,
        "create": PERSON_LEVEL_CREATE,
        # Only the author (the case worker of the site) edits a note; admins do not.
        "update": {**PERSON_LEVEL_READ, "admin": DENIED},
    },
    "follow-ups": {
        "list": STAFF_LIST,
        "retrieve": PERSON_LEVEL_READ,
        "create": PERSON_LEVEL_CREATE,
        "complete": PERSON_LEVEL_READ,
    },
    # Read only: the history of accepted requests.
    "transfers": {
        "list": STAFF_LIST,
        "retrieve": PERSON_LEVEL_READ,
    },
    # "own": a request from MAE-SOT to NEW-DELHI; "other": from NEW-DELHI to MAE-SOT, which
    # the MAE-SOT case worker sees as the receiving site.
    "transfer-requests": {
        "list": STAFF_LIST,
        "retrieve": {**PERSON_LEVEL_READ, "cw_other": OK},
        "create": PERSON_LEVEL_CREATE,
        # The receiving site (or an admin) answers; the sending site withdraws.
        "accept": {**PERSON_LEVEL_READ, "cw_own": DENIED, "cw_other": OK},
        "decline": {**PERSON_LEVEL_READ, "cw_own": DENIED, "cw_other": OK},
        "withdraw": {**PERSON_LEVEL_READ, "cw_own": OK, "cw_other": DENIED},
    },
    "partners": {
        "list": STAFF_LIST,
        "retrieve": STAFF_LIST,
        "create": ADMIN_WRITE_CREATE,
        "update": ADMIN_WRITE_UPDATE,
    },
    "locations": {
        # Everyone reads the sites of their scope: case workers and trainers their own
        # (the trainer works at MAE-SOT), analysts and admins every site (Location.scope).
        "list": {
            "admin": OK, "cw_own": OK, "cw_other": OK, "trainer": OK, "analyst": OK,
            "anon": UNAUTHENTICATED,
        },
        "retrieve": {
            "admin": OK, "cw_own": OK, "cw_other": HIDDEN, "trainer": OK, "analyst": OK,
            "anon": UNAUTHENTICATED,
        },
        "create": ADMIN_WRITE_CREATE,
        "update": ADMIN_WRITE_UPDATE,
    },
}  # fmt: skip

BASENAMES = {
    "people": "api:person",
    "exits": "api:exit",
    "notes": "api:note",
    "follow-ups": "api:follow-up",
    "transfers": "api:transfer",
    "transfer-requests": "api:transfer-request",
    "partners": "api:partner",
    "locations": "api:location",
}


@pytest.fixture
def world(records, mae_sot, new_delhi, case_worker_mae_sot, case_worker_delhi):
    """The record each resource's detail URL names, per side, and valid request bodies."""

    # A request about another person of each site, to the other site (the person's own
    # requests are created by the tests).
    requests = {
        key: transfers.request_transfer(
            by=author, person=PersonFactory(location=site), to_location=other, reason="Family"
        )
        for key, author, site, other in (
            ("own", case_worker_mae_sot, mae_sot, new_delhi),
            ("other", case_worker_delhi, new_delhi, mae_sot),
        )
    }

    def side(key):
        part = records[key]
        person = part["person"]
        return {
            "people": person,
            "exits": part["exit"],
            "notes": part["note"],
            "follow-ups": part["follow_up"],
            "transfers": None,  # created in the test (a transfer moves the person)
            "transfer-requests": requests[key],
            "partners": records["partner"],
            "locations": mae_sot if key == "own" else new_delhi,
            "person": person,
        }

    def create_body(resource, key):
        person = side(key)["person"].pk
        return {
            "people": {
                "full_name": "Aung Aung",
                "location": (mae_sot if key == "own" else new_delhi).pk,
            },
            "exits": {
                "person": person, "exit_type": "surrendered", "affiliation": "police",
                "exit_date": "2024-03-01",
            },
            "notes": {"person": person, "text": "Met at the office."},
            "follow-ups": {
                "person": person, "due_on": "2030-02-01", "assignee": case_worker_mae_sot.pk,
                "description": "Visit",
            },
            "transfer-requests": {
                "person": person,
                "to_location": (new_delhi if key == "own" else mae_sot).pk,
                "reason": "Safer there",
            },
            "partners": {"name": "Medical partner", "services": ["medical"]},
            "locations": {
                "code": "chiang-mai", "case_prefix": "CM", "name": "Chiang Mai",
                "kind": "border", "country": "Thailand",
            },
        }[resource]  # fmt: skip

    update_bodies = {
        "people": {"preferred_name": "Ko Aung"},
        "exits": {"rank": "Corporal"},
        "notes": {"text": "Met at the office, with a relative."},
        "partners": {"contact": "+66 55 000 000"},
        "locations": {"name": "Mae Sot office"},
    }
    return {"side": side, "create_body": create_body, "update_bodies": update_bodies}


@pytest.fixture
def viewer(request, api, admin_user, case_worker_mae_sot, trainer, analyst):
    users = {
        "admin": admin_user,
        "cw_own": case_worker_mae_sot,
        "cw_other": case_worker_mae_sot,
        "trainer": trainer,
        "analyst": analyst,
        "anon": None,
    }
    name = request.param
    return name, api(users[name]), "other" if name == "cw_other" else "own"


def cases(action):
    return [
        pytest.param(resource, name, expected, id=f"{resource}-{name}", marks=[])
        for resource, actions in MATRIX.items()
        if action in actions
        for name, expected in actions[action].items()
    ]


def _detail_url(resource, obj):
    return reverse(f"{BASENAMES[resource]}-detail", args=[obj.pk])


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("list"), indirect=["viewer"])
def test_list(world, resource, viewer, expected):
    _, client, _ = viewer
    response = client.get(reverse(f"{BASENAMES[resource]}-list"))
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("search"), indirect=["viewer"])
def test_search(world, resource, viewer, expected):
    _, client, _ = viewer
    denials = AuditEvent.objects.filter(action="permission_denied")
    response = client.post(reverse(f"{BASENAMES[resource]}-search"), {}, format="json")
    assert response.status_code == expected, response.content
    assert denials.count() == (1 if expected == DENIED else 0)


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("retrieve"), indirect=["viewer"])
def test_retrieve(world, records, admin_user, api, mae_sot, new_delhi, resource, viewer, expected):
    name, client, key = viewer
    obj = world["side"](key)[resource]
    if resource == "transfers":
        person = records[key]["person"]
        obj = transfer_accepted(
            by=admin_user, person=person, to_location=new_delhi if key == "own" else mae_sot
        )
        # The person moved: the transfer now belongs to the other side's site.
        expected = {"cw_own": HIDDEN, "cw_other": OK}.get(name, expected)
    response = client.get(_detail_url(resource, obj))
    assert response.status_code == expected, response.content
    if expected == OK:
        assert response["ETag"]


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("create"), indirect=["viewer"])
def test_create(world, resource, viewer, expected):
    _, client, key = viewer
    changes = AuditEvent.objects.filter(action__in=["create", "update"])
    before = changes.count()
    response = client.post(
        reverse(f"{BASENAMES[resource]}-list"),
        world["create_body"](resource, key),
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == CREATED:
        assert response["ETag"]
        assert changes.count() > before  # the service wrote its audit row
    else:
        assert changes.count() == before


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("update"), indirect=["viewer"])
def test_update(world, resource, viewer, expected):
    _, client, key = viewer
    obj = world["side"](key)[resource]
    url = _detail_url(resource, obj)
    read = client.get(url)
    etag = read["ETag"] if read.status_code == OK else '"0"'
    response = client.patch(
        url, world["update_bodies"][resource], format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == expected, response.content
    if expected == OK:
        assert response["ETag"] != etag


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("complete"), indirect=["viewer"])
def test_follow_up_complete(world, resource, viewer, expected):
    _, client, key = viewer
    follow_up = world["side"](key)["follow-ups"]
    response = client.post(reverse("api:follow-up-complete", args=[follow_up.pk]))
    assert response.status_code == expected, response.content
    follow_up.refresh_from_db()
    assert (follow_up.done_at is not None) == (expected == OK)


@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("status"), indirect=["viewer"])
def test_person_status_change(world, resource, viewer, expected):
    _, client, key = viewer
    person = world["side"](key)["people"]
    response = client.post(
        reverse("api:person-change-status", args=[person.pk]),
        {"to_status": "closed", "closing_reason": "moved_away"},
        format="json",
        HTTP_IF_MATCH=f'"{person.version}"',
    )
    assert response.status_code == expected, response.content
    person.refresh_from_db()
    assert (person.status == "closed") == (expected == OK)


@pytest.mark.parametrize("answer", ["accept", "decline", "withdraw"])
@pytest.mark.parametrize(("resource", "viewer", "expected"), cases("accept"), indirect=["viewer"])
def test_transfer_request_answers(
    world, records, case_worker_mae_sot, case_worker_delhi, answer, resource, viewer, expected
):
    name, client, key = viewer
    expected = MATRIX["transfer-requests"][answer][name]
    request = world["side"](key)["transfer-requests"]
    body = {
        "accept": {
            "new_case_worker": (case_worker_delhi if key == "own" else case_worker_mae_sot).pk
        },
        "decline": {"decline_reason": "No place"},
        "withdraw": {},
    }[answer]
    response = client.post(
        reverse(f"api:transfer-request-{answer}", args=[request.pk]), body, format="json"
    )
    assert response.status_code == expected, response.content
    request.refresh_from_db()
    assert (request.status != "requested") == (expected == OK)


@pytest.mark.parametrize("viewer", ["trainer", "analyst"], indirect=True)
def test_role_denial_is_audited_and_kept(viewer):
    _, client, _ = viewer
    assert client.get(reverse("api:person-list")).status_code == DENIED
    event = AuditEvent.objects.get(action="permission_denied")
    assert event.path == "/api/v1/people/"


def test_every_api_route_is_in_the_matrix():
    tested = {f"{BASENAMES[resource]}-{suffix}" for resource in MATRIX for suffix in ("list",)}
    tested |= {f"{BASENAMES[r]}-detail" for r, actions in MATRIX.items() if "retrieve" in actions}
    tested |= {f"{BASENAMES[r]}-search" for r, actions in MATRIX.items() if "search" in actions}
    tested |= {"api:follow-up-complete", "api:person-change-status"}
    tested |= {f"api:transfer-request-{answer}" for answer in ("accept", "decline", "withdraw")}
    tested |= {"api:schema", "api:docs", "api:not_found"}
    assert tested == API_ROUTES
