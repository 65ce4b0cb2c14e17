"""The four roles and what each may do: the one place where access rules are declared.

Roles are stored as auth groups (created by migration 0002) and mirrored in `User.role`, so
that a role check needs no query. Views declare the roles they admit with
`portal.access.require_roles`; querysets are narrowed by `portal.scoping.visible_to`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    CASE_WORKER = "case_worker", _("Case worker")
    TRAINER = "trainer", _("Trainer")
    ANALYST = "analyst", _("Analyst")


# Roles that reach person-level data must use a second factor before any data page.
MFA_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.CASE_WORKER})

# Roles whose users are limited to the sites they are assigned to.
SITE_SCOPED_ROLES = frozenset({Role.CASE_WORKER, Role.TRAINER})

# Named groups of roles, used by views' access rules so that a rule reads like the issue text.
EVERYONE = frozenset(Role)
STAFF_WITH_PERSON_DATA = frozenset({Role.ADMIN, Role.CASE_WORKER})
ADMINS = frozenset({Role.ADMIN})
STATISTICS_READERS = frozenset({Role.ADMIN, Role.ANALYST})
TRAINING_STAFF = frozenset({Role.ADMIN, Role.TRAINER})

# Django model permissions granted to each role's group (used by the Django admin and by
# `user.has_perm`); the admin role's group receives every permission.
ROLE_MODEL_PERMISSIONS: dict[str, set[str]] = {
    Role.CASE_WORKER: {"portal.view_location"},
    Role.TRAINER: set(),
    Role.ANALYST: set(),
}
