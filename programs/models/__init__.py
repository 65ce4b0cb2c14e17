"""What the organisation does for people: training, material assistance and safe homes."""

from programs.models.assistance import AssistanceType, Currency, Distribution
from programs.models.homes import SafeHome, Stay
from programs.models.idempotency import IdempotentRequest
from programs.models.training import (
    Attendance,
    AttendanceChange,
    Course,
    Enrolment,
    LivelihoodOutcome,
    TrainingSession,
)

__all__ = [
    "AssistanceType",
    "Attendance",
    "AttendanceChange",
    "Course",
    "Currency",
    "Distribution",
    "Enrolment",
    "IdempotentRequest",
    "LivelihoodOutcome",
    "SafeHome",
    "Stay",
    "TrainingSession",
]
