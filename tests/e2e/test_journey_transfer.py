"""Journeys of issue 22 at phone (390×844) and desktop sizes: a transfer asked for with a
confirmation and accepted by the receiving site (the person, their case and open follow-ups
move), declined, withdrawn; and enrolment from the person page. axe on each new page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from people import services, transfers
from people.models import FollowUp, Person, TransferRequest
from portal.roles import Role
from programs.models import Enrolment
from tests.conftest import make_user
from tests.e2e.helpers import PHONE, SCREENSHOTS
from tests.e2e.test_accessibility import AxeChecks
from tests.people.factories import PersonFactory
from tests.programs.factories import CourseFactory, EnrolmentFactory, TrainingSessionFactory

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


@pytest.fixture
def axe(request):
    checks = AxeChecks()
    yield checks
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name.removeprefix("test_"))
    (SCREENSHOTS / f"axe-{name}.txt").write_text(checks.report() or "no findings\n")


@pytest.fixture
def shot_at(shot, request):
    """`shot`, with the screen size in the file name."""
    size = request.node.callspec.id

    def save(page, step):
        return shot(page, f"{size}-{step}")

    return save


@pytest.fixture
def people(mae_sot, new_delhi):
    sender = make_user(Role.CASE_WORKER, [mae_sot], full_name="Thida Sender")
    receiver = make_user(Role.CASE_WORKER, [new_delhi], full_name="Ravi Receiver")
    person = PersonFactory(
        location=mae_sot, case_worker=sender, full_name="Kyaw Min Oo", preferred_name=""
    )
    return sender, receiver, person


@pytest.mark.parametrize("size", SIZES)
def test_transfer_requested_then_accepted_by_the_receiving_site(
    page, browser, browser_context_args, url, sign_in, shot_at, axe, people, new_delhi, size
):
    page.set_viewport_size(size)
    sender, receiver, person = people
    follow_up = services.add_follow_up(
        by=sender,
        person=person,
        due_on=timezone.localdate() + timedelta(days=2),
        assignee=sender,
        description="Call about the move",
    )

    sign_in(page, sender)
    page.goto(url(f"/people/{person.pk}/"))
    page.get_by_role("link", name="Transfer", exact=True).click()
    page.get_by_label(re.compile("^To site")).select_option(str(new_delhi.pk))
    page.get_by_label(re.compile("^Reason")).fill("Family moved to Delhi")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("#transfer-summary")
    for shown in ("Kyaw Min Oo", person.case_number, "Mae Sot", "New Delhi", "Family moved"):
        expect(summary).to_contain_text(shown)
    assert not TransferRequest.objects.exists()  # nothing sent before the confirmation
    shot_at(page, "confirm")
    axe(page, "confirm the transfer")
    page.get_by_role("button", name=re.compile("^Send the request to New Delhi")).click()
    expect(page.locator(".alert-success")).to_contain_text(person.case_number)
    expect(page.get_by_role("status").filter(has_text="stays here")).to_be_visible()
    shot_at(page, "requested")
    assert Person.objects.get(pk=person.pk).location.code == "MAE-SOT"

    # The receiving case worker, on their own device (the sender stays signed in: a TOTP
    # code is accepted once, so signing in again within its 30 s would be refused).
    sender_page = page
    page = browser.new_context(**{**browser_context_args, "viewport": size}).new_page()
    sign_in(page, receiver)
    incoming = page.get_by_role("region", name="Transfers")
    expect(incoming).to_contain_text(person.case_number)
    shot_at(page, "receiver-home")
    axe(page, "home with an incoming transfer")
    incoming.get_by_role("link", name="Accept").click()
    page.get_by_label(re.compile("^New case worker")).select_option(str(receiver.pk))
    shot_at(page, "accept")
    axe(page, "accept the transfer")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".alert-success")).to_contain_text("Ravi Receiver")
    axe(page, "transfers page")
    shot_at(page, "accepted")

    person.refresh_from_db()
    assert person.location == new_delhi and person.case_worker == receiver
    assert FollowUp.objects.get(pk=follow_up.pk).assignee == receiver
    page.context.close()
    # The sending site is told on its home page, and no longer opens the person.
    sender_page.goto(url("/"))
    expect(sender_page.get_by_role("region", name="Transfers")).to_contain_text("Accepted")
    shot_at(sender_page, "sender-told")
    assert sender_page.request.get(url(f"/people/{person.pk}/")).status == 404
    axe.assert_no_blocking()


@pytest.mark.parametrize("size", SIZES)
def test_transfer_declined_with_a_reason(page, url, sign_in, shot_at, axe, people, new_delhi, size):
    page.set_viewport_size(size)
    sender, receiver, person = people
    request = transfers.request_transfer(
        by=sender, person=person, to_location=new_delhi, reason="Safety"
    )
    sign_in(page, receiver)
    page.goto(url("/people/transfers/"))
    page.get_by_role("link", name="Decline").click()
    page.get_by_role("button", name="Decline").click()  # without a reason: refused
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe(page, "decline with an error")
    page.get_by_label(re.compile("^Why is the transfer declined")).fill("No safe home free")
    shot_at(page, "decline")
    page.get_by_role("button", name="Decline").click()
    expect(page.locator(".alert-success")).to_contain_text("declined")
    request.refresh_from_db()
    assert request.status == "declined"
    assert Person.objects.get(pk=person.pk).location.code == "MAE-SOT"
    axe.assert_no_blocking()


@pytest.mark.parametrize("size", SIZES)
def test_transfer_withdrawn_by_the_sender(
    page, url, sign_in, shot_at, axe, people, new_delhi, size
):
    page.set_viewport_size(size)
    sender, _receiver, person = people
    request = transfers.request_transfer(
        by=sender, person=person, to_location=new_delhi, reason="Safety"
    )
    sign_in(page, sender)
    page.goto(url("/people/transfers/"))
    axe(page, "outgoing transfers")
    shot_at(page, "outgoing")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator(".alert-success")).to_contain_text("withdrawn")
    request.refresh_from_db()
    assert request.status == "withdrawn"
    axe.assert_no_blocking()


@pytest.mark.parametrize("size", SIZES)
def test_enrol_from_the_person_page(page, url, sign_in, shot_at, axe, people, mae_sot, size):
    page.set_viewport_size(size)
    sender, _receiver, person = people
    trainer = make_user(Role.TRAINER, [mae_sot], mfa=False, full_name="Tun Trainer")
    session = TrainingSessionFactory(
        course=CourseFactory(name="Motorbike repair"),
        trainer=trainer,
        location=mae_sot,
        date=timezone.localdate() + timedelta(days=5),
        capacity=3,
    )
    EnrolmentFactory(session=session)
    sign_in(page, sender)
    page.goto(url(f"/people/{person.pk}/"))
    offer = page.get_by_role("region", name="Enrol in an upcoming session")
    expect(offer).to_contain_text("Motorbike repair")
    expect(offer).to_contain_text("1 of 3 places taken")
    shot_at(page, "offer")
    axe(page, "person page with sessions to join")
    offer.get_by_role("button", name=re.compile("^Enrol in Motorbike repair")).click()
    expect(page.locator(".alert-success")).to_contain_text("enrolled in Motorbike repair")
    shot_at(page, "enrolled")
    assert Enrolment.objects.filter(person=person, session=session).exists()
    axe.assert_no_blocking()
