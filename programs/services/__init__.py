"""Writes for training, assistance and safe homes. Each runs in a transaction and writes its
audit rows in that transaction."""

from programs.services.assistance import (
    RepeatAssistance,
    confirm_receipt,
    distribute,
    recent_recipients,
)
from programs.services.homes import check_in, check_out
from programs.services.reference import (
    save_assistance_type,
    save_course,
    save_reference_data,
    save_safe_home,
)
from programs.services.training import (
    RosterSaved,
    enrol,
    free_places,
    record_outcome,
    save_attendance,
    save_session,
    set_enrolment_status,
    trainer_works_at,
)

__all__ = [
    "RepeatAssistance",
    "RosterSaved",
    "check_in",
    "check_out",
    "confirm_receipt",
    "distribute",
    "enrol",
    "free_places",
    "recent_recipients",
    "record_outcome",
    "save_assistance_type",
    "save_attendance",
    "save_assistance_type",
    "save_course",
    "save_reference_data",
    "save_safe_home",
    "save_session",
    "set_enrolment_status",
    "trainer_works_at",
]
