"""The case status workflow: which status may follow which, and what each change needs.

    from        to          needs
    intake      active      -
    intake      closed      a closing reason (not "resettled": a case is resettled from active)
    active      resettled   - (the closing reason "resettled" is recorded)
    active      closed      a closing reason (not "resettled": choose the status Resettled)
    resettled   active      a reason for reopening
    closed      active      a reason for reopening

A closing reason "other" needs a text. Every change has a date (today by default; not in the
future, not before the registration or the previous change) and is recorded by
`people.services.change_status` as a `StatusChange` row with who made it, and audited.
A new case starts as intake or active (registration, API, import). Merging two records
closes the one merged away with the reason "duplicate, merged", whatever its status.

No model is imported here: forms, serializers, the import and the services share it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from people.choices import ClosingReason, Status

STARTING_STATES = (Status.INTAKE, Status.ACTIVE)
CLOSED_STATES = (Status.RESETTLED, Status.CLOSED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.INTAKE: (Status.ACTIVE, Status.CLOSED),
    Status.ACTIVE: (Status.RESETTLED, Status.CLOSED),
    Status.RESETTLED: (Status.ACTIVE,),
    Status.CLOSED: (Status.ACTIVE,),
}

# Closing reasons a case worker may choose when closing (resettlement is its own status, and
# "duplicate, merged" is recorded by the merge).
CHOSEN_CLOSING_REASONS = tuple(
    reason
    for reason in ClosingReason
    if reason not in (ClosingReason.RESETTLED, ClosingReason.DUPLICATE_MERGED)
)


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def is_reopening(from_status: str, to_status: str) -> bool:
    return from_status in CLOSED_STATES and to_status not in CLOSED_STATES


def refusals(from_status: str, to_status: str, closing_reason: str, note: str) -> dict[str, str]:
    """Why this change is refused, by field (`to_status`, `closing_reason`, `note`); empty
    when it is allowed. The closing reason of a resettlement is filled in by the service."""
    labels = dict(Status.choices)
    if to_status not in labels:
        return {"to_status": _("Choose a status.")}
    if to_status == from_status:
        return {"to_status": _("The case is already %(status)s.") % {"status": labels[to_status]}}
    if to_status not in allowed_next(from_status):
        allowed = ", ".join(str(labels[s]) for s in allowed_next(from_status))
        return {
            "to_status": _(
                "A case cannot go from %(from)s to %(to)s. From %(from)s it can go to: %(allowed)s."
            )
            % {"from": labels[from_status], "to": labels[to_status], "allowed": allowed}
        }
    errors = {}
    if to_status == Status.CLOSED:
        if not closing_reason:
            errors["closing_reason"] = _("Choose why the case is closed.")
        elif closing_reason not in CHOSEN_CLOSING_REASONS:
            errors["closing_reason"] = _(
                "This reason cannot be chosen when closing: a resettled case gets the status "
                "Resettled, and merging records closes the duplicate."
            )
        elif closing_reason == ClosingReason.OTHER and not note.strip():
            errors["note"] = _("Say why the case is closed.")
    elif to_status == Status.RESETTLED:
        if closing_reason not in ("", ClosingReason.RESETTLED):
            errors["closing_reason"] = _("A resettled case has the closing reason Resettled.")
    elif closing_reason:
        errors["closing_reason"] = _("A closing reason is given only when closing the case.")
    if is_reopening(from_status, to_status) and not note.strip():
        errors["note"] = _("Say why the case is reopened.")
    return errors
