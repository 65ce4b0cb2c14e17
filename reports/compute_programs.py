"""Report sections about programmes: training, assistance and safe homes (GROUP BY only)."""

from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from programs.models import (
    Attendance,
    Distribution,
    Enrolment,
    LivelihoodOutcome,
    SafeHome,
    Stay,
    TrainingSession,
)
from reports.periods import Period
from reports.sections import Sections

PRESENT = Attendance.Status.PRESENT


def training(period: Period) -> dict:
    sessions = TrainingSession.objects.filter(date__gte=period.start, date__lte=period.end)
    held = sessions.filter(status=TrainingSession.Status.HELD)
    attendance = Attendance.objects.filter(session__in=held)
    marks = attendance.aggregate(total=Count("id"), present=Count("id", filter=Q(status=PRESENT)))
    per_month = {
        item["month"].strftime("%Y-%m"): item
        for item in held.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            sessions=Count("id", distinct=True),
            attendees=Count("attendance", filter=Q(attendance__status=PRESENT)),
        )
        .order_by()
    }
    by_month = {}
    for month in period.months():
        item = per_month.get(month, {"sessions": 0, "attendees": 0})
        by_month[month] = {
            "sessions": item["sessions"],
            "attendees": item["attendees"],
            "attendees_per_session": round(item["attendees"] / item["sessions"], 2)
            if item["sessions"]
            else None,
        }
    completions = Enrolment.objects.filter(
        status=Enrolment.Status.COMPLETED,
        completed_on__gte=period.start,
        completed_on__lte=period.end,
    ).count()
    outcomes = LivelihoodOutcome.objects.filter(
        recorded_on__gte=period.start, recorded_on__lte=period.end
    )
    by_outcome = {
        item["outcome"]: item["n"]
        for item in outcomes.values("outcome").annotate(n=Count("id")).order_by()
    }
    return {
        "sessions_held": held.count(),
        "sessions_cancelled": sessions.filter(status=TrainingSession.Status.CANCELLED).count(),
        "people_trained": attendance.filter(status=PRESENT).values("person").distinct().count(),
        "attendance_rate": round(marks["present"] / marks["total"], 4) if marks["total"] else None,
        "by_month": by_month,
        "completions": completions,
        "livelihood_outcomes": {
            value: by_outcome.get(value, 0) for value in LivelihoodOutcome.Outcome.values
        },
        "earning_a_living": outcomes.filter(income_band__in=LivelihoodOutcome.EARNS_A_LIVING)
        .values("person")
        .distinct()
        .count(),
    }


def assistance(period: Period) -> dict:
    given = Distribution.objects.filter(
        distributed_on__gte=period.start, distributed_on__lte=period.end
    )

    def grouped(field: str) -> dict:
        return {
            str(item[field] or "none"): {"distributions": item["n"], "people": item["people"]}
            for item in given.values(field)
            .annotate(n=Count("id"), people=Count("person", distinct=True))
            .order_by(field)
        }

    cash = defaultdict(float)
    for item in (
        given.filter(assistance_type__kind="cash")
        .values("assistance_type__currency")
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        cash[item["assistance_type__currency"]] += float(item["total"] or 0)
    return {
        "distributions": given.count(),
        "people_reached": given.values("person").distinct().count(),
        "by_type": grouped("assistance_type__name"),
        "by_site": grouped("location__code"),
        "by_partner": grouped("partner__name"),
        "cash_by_currency": {currency: round(total, 2) for currency, total in sorted(cash.items())},
    }


def safe_homes(period: Period) -> dict:
    """Occupancy at the end of the period: stays checked in by then and not yet checked out."""
    at_end = Q(stays__check_in__lte=period.end) & (
        Q(stays__check_out__isnull=True) | Q(stays__check_out__gt=period.end)
    )
    rows = (
        SafeHome.objects.filter(active=True)
        .values("location__code")
        .annotate(homes=Count("id", distinct=True), places=Sum("capacity", distinct=False))
        .order_by("location__code")
    )
    residents = {
        item["location__code"]: item["n"]
        for item in SafeHome.objects.values("location__code")
        .annotate(n=Count("stays", filter=at_end))
        .order_by()
    }
    by_site = {
        row["location__code"]: {
            "homes": row["homes"],
            "places": row["places"] or 0,
            "residents": residents.get(row["location__code"], 0),
        }
        for row in rows
    }
    return {
        "date": period.end.isoformat(),
        "residents": Stay.objects.filter(check_in__lte=period.end)
        .filter(Q(check_out__isnull=True) | Q(check_out__gt=period.end))
        .count(),
        "by_site": by_site,
    }


SECTIONS: Sections = {"training": training, "assistance": assistance, "safe_homes": safe_homes}
