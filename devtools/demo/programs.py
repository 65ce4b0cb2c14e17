"""Demo data for the programmes, called by `manage.py seed_demo`. Deterministic and
idempotent: rows are found by natural keys, so running it again changes nothing (except that
the demo sessions move with the calendar: one today, the others in the coming days)."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction

from people.models import Person
from portal.models import Location, User
from portal.timezones import site_today
from programs.models import AssistanceType, Course, Enrolment, SafeHome, TrainingSession

COURSES = [
    ("Tailoring", "Sewing by hand and machine; simple garments and repairs."),
    ("Motorbike repair", "Maintenance and common repairs of small motorbikes."),
    ("Computer basics", "Using a phone and a computer: typing, e-mail, documents, safety online."),
    ("Cooking", "Cooking for a food stall or a restaurant kitchen; food hygiene."),
    ("English", "Everyday spoken English for work."),
    ("Agriculture", "Vegetable growing and small-scale livestock."),
    ("Small-business skills", "Costing, book-keeping and selling for a small business."),
]

# (name, kind, unit, currency, warning days)
ASSISTANCE_TYPES = [
    ("Food basket", AssistanceType.Kind.FOOD, "basket", "", 30),
    ("Hygiene kit", AssistanceType.Kind.HYGIENE, "kit", "", 60),
    ("Clothing", AssistanceType.Kind.CLOTHING, "set", "", 90),
    ("Household items", AssistanceType.Kind.HOUSEHOLD, "set", "", 180),
    ("Medical support", AssistanceType.Kind.MEDICAL, "visit", "", 0),
    ("Cash (THB)", AssistanceType.Kind.CASH, "", "THB", 30),
    ("Cash (INR)", AssistanceType.Kind.CASH, "", "INR", 30),
    ("Cash (USD)", AssistanceType.Kind.CASH, "", "USD", 30),
]

# Names shown on Burmese pages (`name_my`).
BURMESE_NAMES = {
    "Tailoring": "အပ်ချုပ်",
    "Motorbike repair": "ဆိုင်ကယ် ပြုပြင်ရေး",
    "Computer basics": "ကွန်ပျူတာ အခြေခံ",
    "Cooking": "ချက်ပြုတ်ရေး",
    "English": "အင်္ဂလိပ်စာ",
    "Agriculture": "စိုက်ပျိုးရေး",
    "Small-business skills": "အသေးစား စီးပွားရေး ကျွမ်းကျင်မှု",
    "Food basket": "စားနပ်ရိက္ခာ ခြင်း",
    "Hygiene kit": "တစ်ကိုယ်ရေ သန့်ရှင်းရေး ပစ္စည်း",
    "Clothing": "အဝတ်အထည်",
    "Household items": "အိမ်သုံး ပစ္စည်း",
    "Medical support": "ဆေးကုသမှု အထောက်အပံ့",
    "Cash (THB)": "ငွေသား (THB)",
    "Cash (INR)": "ငွေသား (INR)",
    "Cash (USD)": "ငွေသား (USD)",
}

# (course, days from today, start, end, places)
DEMO_SESSIONS = [
    ("Tailoring", 0, time(9, 0), time(12, 0), 12),
    ("Computer basics", 0, time(13, 30), time(16, 0), 10),
    ("Motorbike repair", 2, time(9, 0), time(12, 0), 8),
    ("Small-business skills", 7, time(10, 0), time(12, 0), 15),
]
ENROLLED_PER_SESSION = 6


@transaction.atomic
def seed(*, trainer: User, enrolled_by: User, site_code: str = "MAE-SOT") -> None:
    """Courses, assistance types, a safe home, and sessions today and upcoming for `trainer`
    at the site, with people of that site (by case number) enrolled."""
    courses = {}
    for name, description in COURSES:
        courses[name], _ = Course.objects.update_or_create(
            name=name,
            defaults={
                "description": description,
                "name_my": BURMESE_NAMES.get(name, ""),
                "active": True,
            },
        )
    for name, kind, unit, currency, days in ASSISTANCE_TYPES:
        AssistanceType.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "unit": unit,
                "currency": currency,
                "repeat_warning_days": days,
                "name_my": BURMESE_NAMES.get(name, ""),
                "active": True,
            },  # fmt: skip
        )
    location = Location.objects.filter(code=site_code).first()
    if location is None:
        return
    SafeHome.objects.update_or_create(
        location=location, name="Safe home A", defaults={"capacity": 8, "active": True}
    )
    people = list(
        Person.objects.current()
        .filter(location=location)
        .exclude(status="closed")
        .order_by("case_number")[:ENROLLED_PER_SESSION]
    )
    today = site_today(location)  # the session's day at its own site
    for course_name, offset, start, end, places in DEMO_SESSIONS:
        # Found by course, trainer, site and start time; the date follows the calendar.
        session, _ = TrainingSession.objects.update_or_create(
            course=courses[course_name],
            trainer=trainer,
            location=location,
            start_time=start,
            defaults={"date": today + timedelta(days=offset), "end_time": end, "capacity": places},
            create_defaults={
                "date": today + timedelta(days=offset),
                "end_time": end,
                "capacity": places,
                "created_by": enrolled_by,
            },
        )
        for person in people:
            Enrolment.objects.get_or_create(
                session=session, person=person, defaults={"enrolled_by": enrolled_by}
            )
