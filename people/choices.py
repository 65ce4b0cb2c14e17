"""Fixed lists used by people records (enumerations with translatable labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Status(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ACTIVE = "active", _("Active")
    RESETTLED = "resettled", _("Resettled")
    CLOSED = "closed", _("Closed")


class ClosingReason(models.TextChoices):
    """Why a case was closed (or resettled): recorded with the status change, counted in the
    admins' figures. "Other" needs a text."""

    RESETTLED = "resettled", _("Resettled")
    MOVED_AWAY = "moved_away", _("Moved away")
    UNREACHABLE = "unreachable", _("Unreachable")
    DECEASED = "deceased", _("Deceased")
    WITHDREW_CONSENT = "withdrew_consent", _("Withdrew consent")
    DUPLICATE_MERGED = "duplicate_merged", _("Duplicate, merged")
    OTHER = "other", _("Other")


class Region(models.TextChoices):
    """Myanmar's seven states, seven regions and the union territory."""

    KACHIN = "kachin", _("Kachin State")
    KAYAH = "kayah", _("Kayah State")
    KAYIN = "kayin", _("Kayin State")
    CHIN = "chin", _("Chin State")
    MON = "mon", _("Mon State")
    RAKHINE = "rakhine", _("Rakhine State")
    SHAN = "shan", _("Shan State")
    SAGAING = "sagaing", _("Sagaing Region")
    TANINTHARYI = "tanintharyi", _("Tanintharyi Region")
    BAGO = "bago", _("Bago Region")
    MAGWAY = "magway", _("Magway Region")
    MANDALAY = "mandalay", _("Mandalay Region")
    YANGON = "yangon", _("Yangon Region")
    AYEYARWADY = "ayeyarwady", _("Ayeyarwady Region")
    NAYPYIDAW = "naypyidaw", _("Naypyidaw Union Territory")


class Vulnerability(models.TextChoices):
    INJURED = "injured", _("Injured")
    MEDICAL_NEED = "medical_need", _("Medical need")
    MINOR_AT_RECRUITMENT = "minor_at_recruitment", _("Minor at recruitment")
    FAMILY_AT_RISK = "family_at_risk", _("Family at risk")
    DISABILITY = "disability", _("Disability")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial need")


class ExitType(models.TextChoices):
    DEFECTED = "defected", _("Defected")
    SURRENDERED = "surrendered", _("Surrendered")
    POW = "pow", _("Prisoner of war")


class Affiliation(models.TextChoices):
    SOLDIER = "soldier", _("Soldier")
    POLICE = "police", _("Police")
    MILITIA = "militia", _("Militia")


class RecruitStatus(models.TextChoices):
    NEW_RECRUIT = "new_recruit", _("New recruit")
    VETERAN = "veteran", _("Veteran")
    UNKNOWN = "unknown", _("Unknown")


class ExitVerification(models.TextChoices):
    """How the organisation knows of an exit; reports count verified and unverified exits."""

    SELF_REPORTED = "self_reported", _("Self-reported")
    DOCUMENTED = "documented", _("Documented by the organisation")
    PARTNER_VERIFIED = "partner_verified", _("Verified by a partner")
    DOCUMENTS_VERIFIED = "documents_verified", _("Verified by documents")


VERIFIED_EXITS = frozenset({ExitVerification.PARTNER_VERIFIED, ExitVerification.DOCUMENTS_VERIFIED})


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class ExitReason(models.TextChoices):
    FORCED_CONSCRIPTION = "forced_conscription", _("Forced conscription")
    ABUSE_IN_TRAINING = "abuse_in_training", _("Abuse in training")
    ORDERED_TO_HARM_CIVILIANS = "ordered_to_harm_civilians", _("Ordered to harm civilians")
    POLITICAL_CONSCIENCE = "political_conscience", _("Political conscience")
    FAMILY_PRESSURE = "family_pressure", _("Family pressure")
    FEAR_FOR_LIFE = "fear_for_life", _("Fear for life")
    UNPAID_OR_POOR_CONDITIONS = "poor_conditions", _("Unpaid or poor conditions")
    OTHER = "other", _("Other")


class CustodyStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", _("In custody")
    RELEASED = "released", _("Released")
    TRANSFERRED = "transferred", _("Transferred")


class FlagReason(models.TextChoices):
    SECURITY_RISK = "security_risk", _("Security risk")
    MEDICAL_URGENCY = "medical_urgency", _("Medical urgency")
    DATA_TO_CHECK = "data_to_check", _("Data to check")
    POSSIBLE_DUPLICATE = "possible_duplicate", _("Possible duplicate")
    OTHER = "other", _("Other")


# Shown in red (the others in amber) wherever open flags are shown.
URGENT_FLAG_REASONS = frozenset({FlagReason.SECURITY_RISK, FlagReason.MEDICAL_URGENCY})


def is_urgent_flag(reason: str) -> bool:
    return reason in URGENT_FLAG_REASONS


class ReferralService(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    LEGAL = "legal", _("Legal")
    RESETTLEMENT = "resettlement", _("Resettlement")
    LIVELIHOOD = "livelihood", _("Livelihood")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")


class FeedbackChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    MESSAGE = "message", _("Message app")
    LETTER = "letter", _("Letter or box")
    OTHER = "other", _("Other")


class FeedbackCategory(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    APPRECIATION = "appreciation", _("Appreciation")
    REQUEST = "request", _("Request for help")
    SAFEGUARDING = "safeguarding", _("Safeguarding concern")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


# Labels of the codes people's records carry, by code: the people list shows them, and the
# statistics (reports) add their own labels to them.
CODE_LABELS = {
    **dict(ExitType.choices),
    **dict(Affiliation.choices),
    **dict(RecruitStatus.choices),
    **dict(Sex.choices),
}


class RestrictionReason(models.TextChoices):
    """Why a person's record is restricted to their case worker and admins (issue 20)."""

    HIGH_PROFILE = "high_profile", _("High-profile defector")
    SAFEGUARDING = "safeguarding", _("Safeguarding")
    FAMILY_AT_RISK = "family_at_risk", _("Family at risk")
    OTHER = "other", _("Other")


class AccessReview(models.TextChoices):
    """An admin's verdict on an opening of a restricted record."""

    PENDING = "pending", _("Not reviewed yet")
    ACCEPTED = "accepted", _("Accepted")
    QUESTIONED = "questioned", _("Questioned")


class SuspicionStatus(models.TextChoices):
    """Where a suspected duplicate pair stands in the admins' review queue."""

    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    DISTINCT = "distinct", _("Different people")
