from portal.models.accounts import Invitation, Pledge, PledgeAcceptance, SiteAssignment, User
from portal.models.audit import AuditChainCheck, AuditChainHead, AuditEvent
from portal.models.exports import ExportJob
from portal.models.locations import Location

__all__ = [
    "AuditChainCheck",
    "AuditChainHead",
    "AuditEvent",
    "ExportJob",
    "Invitation",
    "Location",
    "Pledge",
    "PledgeAcceptance",
    "SiteAssignment",
    "User",
]
