import pytest

from people import restricted, services, transfers
from people.models import ImportJob, Partner
from portal.roles import Role
from tests.conftest import make_user, reverse_with
from tests.people.access_matrix import GET_MATRIX, POST_MATRIX
from tests.people.factories import ExitFactory, PersonFactory


@pytest.fixture
def world(mae_sot, new_delhi, case_worker_mae_sot, admin_user):
    """One of every record at MAE-SOT (own site) and at NEW-DELHI (other site)."""
    partner = Partner.objects.create(name="Health partner", services=["medical"])
    objects = {}
    uploaders = {"own": case_worker_mae_sot, "other": admin_user}
    for key, site in (("own", mae_sot), ("other", new_delhi)):
        person = PersonFactory(location=site, consent_sharing=True, consent_date="2025-01-01")
        twin = PersonFactory(location=site, full_name=person.full_name)
        objects[key] = {
            "pk": person.pk,
            "exit_pk": ExitFactory(person=person).pk,
            "note_pk": services.add_note(by=case_worker_mae_sot, person=person, text="note").pk,
            "follow_up_pk": services.add_follow_up(
                by=admin_user, person=person, due_on="2030-01-01", assignee=admin_user, description="call"
            ).pk,
            "flag_pk": services.raise_flag(by=admin_user, person=person, reason="data_to_check").pk,
            "referral_pk": services.create_referral(
                by=admin_user, person=person,
                values={"partner": partner, "service": "medical", "referred_on": "2025-02-01"},
            ).pk,
            "feedback_pk": services.save_feedback(
                by=admin_user, person=person,
                values={"received_on": "2025-02-01", "channel": "phone", "category": "suggestion", "text": "x"},
            ).pk,
            "first_pk": person.pk,
            "second_pk": twin.pk,
            "job_pk": ImportJob.objects.create(requested_by=uploaders[key], file_name="p.csv").pk,
            "transfer_pk": transfers.request_transfer(
                by=admin_user, person=PersonFactory(location=site),
                to_location=new_delhi if key == "own" else mae_sot, reason="Family",
            ).pk,
        }  # fmt: skip
    # A restricted record at each site (its case worker is nobody of the test), opened once.
    for key, site in (("own", mae_sot), ("other", new_delhi)):
        hidden = restricted.set_restriction(
            by=admin_user,
            person=PersonFactory(location=site),
            restricted=True,
            reason="safeguarding",
        )
        opener = make_user(Role.CASE_WORKER, [site])
        objects[key]["restricted_pk"] = hidden.pk
        objects[key]["access_pk"] = restricted.open_restricted(
            by=opener, person=hidden, reason="Needed for a safe-home placement"
        ).pk
    return objects


def viewer_and_objects(viewer, world, case_worker_mae_sot, admin_user, mae_sot):
    users = {
        "admin": admin_user,
        "cw_own": case_worker_mae_sot,
        "cw_other": case_worker_mae_sot,
        "trainer": make_user(Role.TRAINER, [mae_sot], mfa=False),
        "analyst": make_user(Role.ANALYST, mfa=False),
    }
    return users[viewer], world["other" if viewer == "cw_other" else "own"]


@pytest.mark.parametrize(
    ("name", "viewer", "expected"),
    [(name, viewer, status) for name, row in GET_MATRIX.items() for viewer, status in row.items()],
)
def test_get_access(
    client, signed_in, world, case_worker_mae_sot, admin_user, mae_sot, name, viewer, expected
):
    user, objects = viewer_and_objects(viewer, world, case_worker_mae_sot, admin_user, mae_sot)
    signed_in(user)
    assert client.get(reverse_with(name, objects)).status_code == expected


@pytest.mark.parametrize(
    ("name", "viewer", "expected"),
    [(name, viewer, status) for name, row in POST_MATRIX.items() for viewer, status in row.items()],
)
def test_post_access(
    client, signed_in, world, case_worker_mae_sot, admin_user, mae_sot, name, viewer, expected
):
    user, objects = viewer_and_objects(viewer, world, case_worker_mae_sot, admin_user, mae_sot)
    signed_in(user)
    assert client.post(reverse_with(name, objects)).status_code == expected
