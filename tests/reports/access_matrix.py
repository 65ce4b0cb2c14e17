"""Who may open each URL of the statistics app (exercised in test_access.py).

"released": version 1 of 2025-08, approved; "pending": its version 2, awaiting approval.
Analysts reach released versions only (a pending one answers 404, as if it did not exist).
"""

OK, DENIED, HIDDEN = 200, 403, 404

READERS = {"admin": OK, "analyst": OK, "case_worker": DENIED, "trainer": DENIED}
ADMINS_ONLY = {"admin": OK, "analyst": DENIED, "case_worker": DENIED, "trainer": DENIED}

# (url name, which version, {role: status})
GET_MATRIX = [
    ("reports:index", None, READERS),
    ("reports:dashboard", None, READERS),
    ("reports:versions", None, READERS),
    ("reports:download", None, READERS),
    ("reports:version", "released", READERS),
    ("reports:version", "pending", {**READERS, "analyst": HIDDEN}),
    ("reports:version_download", "released", READERS),
    ("reports:version_download", "pending", {**READERS, "analyst": HIDDEN}),
    ("reports:build", None, ADMINS_ONLY),
]
# POSTs: admins are redirected (302) once the action is done.
POST_MATRIX = [
    ("reports:rebuild", None, {**ADMINS_ONLY, "admin": 302}),
    ("reports:approve", "pending", {**ADMINS_ONLY, "admin": 302}),
]

URL_NAMES = {name for name, *_ in GET_MATRIX + POST_MATRIX}
