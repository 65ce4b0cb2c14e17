"""Zawgyi in the programmes' free texts: livelihood notes on the screen, the reason for an
over-capacity check-in over the API."""

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from programs.models import LivelihoodOutcome, Stay
from tests.programs.factories import PersonFactory, SafeHomeFactory, StayFactory

ZAWGYI_TEA_SHOP = "လက္ဖက္ရည္ဆိုင္"
UNICODE_TEA_SHOP = "လက်ဖက်ရည်ဆိုင်"
ZAWGYI_INFORMER = "သတင္းေပးက ေတြ႕ခဲ့သည္"
UNICODE_INFORMER = "သတင်းပေးက တွေ့ခဲ့သည်"


def test_livelihood_texts_typed_in_zawgyi_are_saved_in_unicode(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:person_outcome_create", args=[person_mae_sot.pk]),
        {"recorded_on": timezone.localdate().isoformat(), "outcome": "small_business",
         "business_kind": ZAWGYI_TEA_SHOP, "income_band": "basic_needs",
         "notes": ZAWGYI_INFORMER},
    )  # fmt: skip
    assert response.status_code == 302
    outcome = LivelihoodOutcome.objects.get(person=person_mae_sot)
    assert (outcome.business_kind, outcome.notes) == (UNICODE_TEA_SHOP, UNICODE_INFORMER)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Notes was typed in Zawgyi and has been converted to Unicode." in shown
    assert "Kind of business was typed in Zawgyi and has been converted to Unicode." in shown


def test_an_over_capacity_reason_sent_in_zawgyi_over_the_api(case_worker_mae_sot, mae_sot):
    home = SafeHomeFactory(location=mae_sot, capacity=1)
    StayFactory(home=home, person=PersonFactory(location=mae_sot))
    newcomer = PersonFactory(location=mae_sot)
    client = APIClient()
    _, token = AuthToken.objects.create(case_worker_mae_sot)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post(
        reverse("api:stay-list"),
        {"person": newcomer.pk, "home": home.pk, "check_in": timezone.localdate().isoformat(),
         "over_capacity_reason": ZAWGYI_INFORMER},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response["Zawgyi-Converted"] == "over_capacity_reason"
    assert Stay.objects.get(person=newcomer).over_capacity_reason == UNICODE_INFORMER
