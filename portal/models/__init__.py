from portal.models.accounts import (
    Device,
    Invitation,
    Pledge,
    PledgeAcceptance,
    SiteAssignment,
    User,
)
from portal.models.audit import AuditEvent
from portal.models.exports import ExportJob
from portal.models.locations import Location

__all__ = [
    "AuditEvent",
    "Device",
    "ExportJob",
    "Invitation",
    "Location",
    "Pledge",
    "PledgeAcceptance",
    "SiteAssignment",
    "User",
]
