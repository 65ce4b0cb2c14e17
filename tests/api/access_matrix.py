"""URL names of the API app for tests/portal/test_url_access.py.

The token pages are ordinary pages (`require_roles`); the API routes carry `API_RULE`
(DRF: authentication + role permissions) and are exercised role by role in test_access.py.
"""

TOKEN_PAGES = {"api:tokens", "api:token_revoke"}

API_ROUTES = {
    "api:schema",
    "api:docs",
    "api:not_found",
    "api:location-list",
    "api:location-detail",
    "api:person-list",
    "api:person-detail",
    "api:person-change-status",
    "api:person-search",
    "api:exit-list",
    "api:exit-detail",
    "api:note-list",
    "api:note-detail",
    "api:follow-up-list",
    "api:follow-up-detail",
    "api:follow-up-complete",
    "api:transfer-list",
    "api:transfer-detail",
    "api:transfer-request-list",
    "api:transfer-request-detail",
    "api:transfer-request-accept",
    "api:transfer-request-decline",
    "api:transfer-request-withdraw",
    "api:partner-list",
    "api:partner-detail",
}

URL_NAMES = TOKEN_PAGES | API_ROUTES

# Programmes and statistics endpoints: their role rows are in test_programs_api.py,
# test_reports_api.py and test_attendance_bulk.py.
URL_NAMES |= {
    "api:assistance-type-detail", "api:assistance-type-list", "api:attendance-detail",
    "api:attendance-list", "api:course-detail", "api:course-list", "api:distribution-confirm",
    "api:distribution-detail", "api:distribution-list", "api:enrolment-detail",
    "api:enrolment-list", "api:home-detail", "api:home-list", "api:report-annual",
    "api:report-list", "api:report-monthly", "api:report-since-1027", "api:report-version-list",
    "api:report-version-detail", "api:report-version-data", "api:report-version-approve",
    "api:session-attendance",
    "api:session-detail", "api:session-list", "api:session-mine", "api:stay-check-out",
    "api:stay-detail", "api:stay-list",
}  # fmt: skip
