"""Who may open each URL of the programs app: role × own / other site × own / other session.

Viewers (see test_access.py): "admin"; "cw_own", the MAE-SOT case worker opening MAE-SOT
objects; "cw_other", the same case worker opening NEW-DELHI objects; "trainer_own", the
MAE-SOT trainer opening their own session; "trainer_other", the same trainer opening a
colleague's session at the same site; "analyst". Objects outside the scope answer 404.
"""

OK, REDIRECT, DENIED, HIDDEN = 200, 302, 403, 404

SITE_FREE_PAGES = {"admin": OK, "cw_own": OK, "cw_other": OK, "trainer_own": DENIED,
                   "trainer_other": DENIED, "analyst": DENIED}  # fmt: skip
SITE_PAGES = {"admin": OK, "cw_own": OK, "cw_other": HIDDEN, "trainer_own": DENIED,
              "trainer_other": DENIED, "analyst": DENIED}  # fmt: skip
SITE_ACTIONS = {"admin": REDIRECT, "cw_own": REDIRECT, "cw_other": HIDDEN, "trainer_own": DENIED,
                "trainer_other": DENIED, "analyst": DENIED}  # fmt: skip

GET_MATRIX = {
    # Admins are sent on to the list of all sessions.
    "programs:my_sessions": {"admin": REDIRECT, "cw_own": DENIED, "cw_other": DENIED,
                             "trainer_own": OK, "trainer_other": OK, "analyst": DENIED},
    "programs:session_list": SITE_FREE_PAGES,
    "programs:session_create": SITE_FREE_PAGES,
    "programs:session_detail": SITE_PAGES,
    "programs:session_edit": SITE_PAGES,
    "programs:session_enrol": SITE_PAGES,
    "programs:roster": {"admin": OK, "cw_own": DENIED, "cw_other": DENIED, "trainer_own": OK,
                        "trainer_other": HIDDEN, "analyst": DENIED},
    "programs:attendance_history": {"admin": OK, "cw_own": OK, "cw_other": HIDDEN,
                                    "trainer_own": OK, "trainer_other": HIDDEN,
                                    "analyst": DENIED},
    "programs:person_outcome_create": SITE_PAGES,
    "programs:distribution_list": SITE_FREE_PAGES,
    "programs:distribution_bulk": SITE_FREE_PAGES,
    "programs:person_distribution_create": SITE_PAGES,
    "programs:occupancy": SITE_FREE_PAGES,
    "programs:home_detail": SITE_PAGES,
    "programs:check_in": SITE_FREE_PAGES,
    # Offline attendance: the service worker's code, public (it holds no data).
    "programs:offline_sw": {"admin": OK, "cw_own": OK, "cw_other": OK, "trainer_own": OK,
                            "trainer_other": OK, "analyst": OK},
}  # fmt: skip
# POST-only actions: success (or a refused form) redirects back.
POST_MATRIX = {
    "programs:enrolment_status": SITE_ACTIONS,
    "programs:distribution_confirm": SITE_ACTIONS,
    "programs:check_out": SITE_ACTIONS,
    # An empty form: the person page says to choose a session.
    "programs:person_enrol": SITE_ACTIONS,
}

URL_NAMES = set(GET_MATRIX) | set(POST_MATRIX)
