from portal.models.accounts import (
    Device,
    Invitation,
    Pledge,
    PledgeAcceptance,
    SiteAssignment,
    User,
)
from portal.models.audit import AuditChainCheck, AuditChainHead, AuditEvent
from portal.models.exports import ExportJob
from portal.models.locations import Location

__all__ = [
    "AuditChainCheck",
    "AuditChainHead",
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
