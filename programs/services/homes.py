"""Writes for safe homes: check-in (with the capacity rule) and check-out."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from people import burmese
from people.models import Person
from portal import auditing, concurrency
from portal.models import User
from portal.scoping import ReadOnlyRecord, only_writable
from portal.timezones import site_today
from programs.models import SafeHome, Stay
from programs.services.common import is_usable


@transaction.atomic
def check_in(
    *, by: User, person: Person, home: SafeHome, check_in_on: date, override_reason: str = ""
) -> Stay:
    """Start a stay. A person has at most one open stay; a full home takes someone more only
    with a reason, which is kept on the stay and in the audit log."""
    home = (
        SafeHome.objects.select_related("location").select_for_update(of=("self",)).get(pk=home.pk)
    )
    if not home.active:
        raise ValidationError(_("This home is closed."))
    if not is_usable(person):
        raise ValidationError(_("This record is closed or merged."))
    if check_in_on > site_today(home.location):  # the home's site's day
        raise ValidationError({"check_in": _("The check-in date cannot be in the future.")})
    open_stay = Stay.objects.filter(person=person, check_out__isnull=True).select_related("home")
    open_stay = open_stay.first()
    if open_stay is not None:
        raise ValidationError(
            _("%(case)s is already staying at %(home)s since %(date)s. Check them out first.")
            % {"case": person.case_number, "home": open_stay.home.name, "date": open_stay.check_in}
        )
    residents = home.stays.filter(check_out__isnull=True).count()
    override_reason = burmese.to_unicode(override_reason.strip())[0]
    if residents >= home.capacity and not override_reason:
        raise ValidationError(
            {
                "override_reason": _(
                    "%(home)s is full (%(residents)d people, %(capacity)d places). To check in "
                    "anyway, give the reason."
                )
                % {"home": home.name, "residents": residents, "capacity": home.capacity}
            }
        )
    stay = Stay.objects.create(
        person=person,
        home=home,
        check_in=check_in_on,
        checked_in_by=by,
        over_capacity_reason=override_reason if residents >= home.capacity else "",
    )
    changes = {"home": [None, home.pk], "check_in": [None, str(check_in_on)]}
    if stay.over_capacity_reason:
        # The reason is kept (encrypted) on the stay; the log says there was one.
        changes["over_capacity_reason"] = [None, auditing.MASK]
    auditing.record(auditing.Action.CREATE, actor=by, obj=stay, changes=changes)
    return stay


HOME_FIELDS = ("name", "location", "capacity", "active")


@transaction.atomic
def check_out(*, by: User, stay: Stay, check_out_on: date, expected_version: int) -> Stay:
    """End a stay (once: a second check-out is refused). Only the person's current site may
    end it (`portal.scoping`): a site they left keeps the stay as read-only history."""
    try:
        stay = concurrency.lock(
            only_writable(by, Stay.objects.select_related("home__location", "person")),
            stay.pk,
            expected_version=expected_version,
        )
    except Stay.DoesNotExist:
        raise ReadOnlyRecord() from None
    if stay.check_out is not None:
        raise ValidationError(_("This stay has already ended."))
    if check_out_on < stay.check_in:
        raise ValidationError({"check_out": _("The check-out cannot be before the check-in.")})
    if check_out_on > site_today(stay.home.location):  # the home's site's day
        raise ValidationError({"check_out": _("The check-out date cannot be in the future.")})
    stay.check_out, stay.checked_out_by = check_out_on, by
    stay.save(update_fields=["check_out", "checked_out_by", "version"])
    auditing.record(
        auditing.Action.UPDATE, actor=by, obj=stay, changes={"check_out": [None, str(check_out_on)]}
    )
    return stay
