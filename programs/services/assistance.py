"""Writes for material assistance: distributions (one or many people) and receipts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import Partner, Person
from portal import auditing, concurrency
from portal.models import Location, User
from portal.scoping import ReadOnlyRecord, only_writable
from portal.timezones import site_today
from programs.models import AssistanceType, Distribution
from programs.services.common import is_usable


class RepeatAssistance(Exception):
    """Some recipients already received this assistance recently; carries
    {person id: date of the last distribution}. Saved only once the user confirms."""

    def __init__(self, last_received: dict[int, date]):
        super().__init__("Repeat assistance within the warning period.")
        self.last_received = last_received


def recent_recipients(
    assistance_type: AssistanceType, person_ids: Iterable[int], on: date
) -> dict[int, date]:
    """{person id: last date} for those who received this type within its warning period
    around `on` (either side, so that back-dated entries warn too). One query."""
    days = assistance_type.repeat_warning_days
    if not days:
        return {}
    window = (on - timedelta(days=days), on + timedelta(days=days))
    rows = (
        Distribution.objects.filter(
            assistance_type=assistance_type,
            person_id__in=list(person_ids),
            distributed_on__range=window,
        )
        .values("person_id")
        .annotate(last=Max("distributed_on"))
    )
    return {row["person_id"]: row["last"] for row in rows}


@transaction.atomic
def distribute(
    *,
    by: User,
    location: Location,
    assistance_type: AssistanceType,
    people: Sequence[Person],
    quantity: Decimal,
    distributed_on: date,
    partner: Partner | None = None,
    acknowledged_repeats: Collection[int] = (),
) -> list[Distribution]:
    """Give one type of assistance to one or many people of a site at once.

    Raises `RepeatAssistance` (nothing saved) when someone received the same type within the
    type's warning period, unless the user saw that warning for them (`acknowledged_repeats`,
    person ids) and chose to go on."""
    errors = []
    if not people:
        errors.append(_("Choose at least one person."))
    if not assistance_type.active:
        errors.append(_("This type of assistance is no longer given."))
    if quantity is None or quantity <= 0:
        errors.append(_("The quantity must be more than zero."))
    if distributed_on > site_today(location):  # the site's day, not the server's
        errors.append(_("The date cannot be in the future."))
    elsewhere = [p.case_number for p in people if p.location_id != location.pk]
    if elsewhere:
        errors.append(_("Registered at another site: %(cases)s.") % {"cases": ", ".join(elsewhere)})
    unusable = [p.case_number for p in people if not is_usable(p)]
    if unusable:
        errors.append(_("Closed or merged records: %(cases)s.") % {"cases": ", ".join(unusable)})
    if errors:
        raise ValidationError(errors)
    repeats = recent_recipients(assistance_type, [p.pk for p in people], distributed_on)
    if set(repeats) - set(acknowledged_repeats):
        raise RepeatAssistance(repeats)
    distributions = Distribution.objects.bulk_create(
        [
            Distribution(
                distributed_on=distributed_on,
                location=location,
                assistance_type=assistance_type,
                quantity=quantity,
                person=person,
                partner=partner,
                recorded_by=by,
                repeat_acknowledged=person.pk in repeats,
            )
            for person in people
        ]
    )
    auditing.record_many(
        auditing.Action.CREATE,
        actor=by,
        rows=[
            {
                "object_type": "programs.distribution",
                "object_id": d.pk,
                "person_id": d.person_id,
                "site_id": location.pk,
                "changes": {
                    "assistance_type": [None, assistance_type.pk],
                    "quantity": [None, str(quantity)],
                    "distributed_on": [None, str(distributed_on)],
                    "partner": [None, partner.pk if partner else None],
                    **({"repeat_acknowledged": [None, True]} if d.repeat_acknowledged else {}),
                },
            }
            for d in distributions
        ],
    )
    return distributions


@transaction.atomic
def confirm_receipt(*, by: User, distribution: Distribution, expected_version: int) -> Distribution:
    """Confirm that the person received it (once: confirming again changes nothing). Only the
    person's current site may confirm (`portal.scoping`): a site they left keeps the
    distribution as read-only history."""
    try:
        distribution = concurrency.lock(
            only_writable(by, Distribution.objects.select_related("person")),
            distribution.pk,
            expected_version=expected_version,
        )
    except Distribution.DoesNotExist:
        raise ReadOnlyRecord() from None
    if distribution.received_confirmed_at is None:
        distribution.received_confirmed_at = timezone.now()
        distribution.received_confirmed_by = by
        distribution.save(
            update_fields=["received_confirmed_at", "received_confirmed_by", "version"]
        )
        auditing.record(
            auditing.Action.UPDATE,
            actor=by,
            obj=distribution,
            changes={"received_confirmed": [False, True]},
        )
    return distribution
