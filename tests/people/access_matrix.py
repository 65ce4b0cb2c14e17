"""Who may open each URL of the people app: role × own-site / other-site objects."""

OK, DENIED, HIDDEN = 200, 403, 404

# url name -> {viewer: expected status}; viewers are defined in test_access.py.
# "cw_own": case worker of MAE-SOT opening a MAE-SOT record; "cw_other": the same case worker
# opening a NEW-DELHI record. Records of other sites answer 404, never 403.
PERSON_PAGES = {"admin": OK, "cw_own": OK, "cw_other": HIDDEN, "trainer": DENIED, "analyst": DENIED}
SITE_FREE_PAGES = {"admin": OK, "cw_own": OK, "cw_other": OK, "trainer": DENIED, "analyst": DENIED}
ADMIN_PAGES = {
    "admin": OK,
    "cw_own": DENIED,
    "cw_other": DENIED,
    "trainer": DENIED,
    "analyst": DENIED,
}

GET_MATRIX = {
    "people:list": SITE_FREE_PAGES,
    "people:create": SITE_FREE_PAGES,
    "people:import": SITE_FREE_PAGES,
    # Only the uploader sees an import job, admins included: "own" holds a job of the MAE-SOT
    # case worker, "other" one of the admin.
    "people:import_job": {
        "admin": HIDDEN,
        "cw_own": OK,
        "cw_other": HIDDEN,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:import_job_progress": {
        "admin": HIDDEN,
        "cw_own": OK,
        "cw_other": HIDDEN,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:detail": PERSON_PAGES,
    "people:edit": PERSON_PAGES,
    "people:exit_add": PERSON_PAGES,
    "people:exit_edit": PERSON_PAGES,
    "people:note_add": PERSON_PAGES,
    # Only the author edits a note (the MAE-SOT case worker wrote both notes).
    "people:note_edit": {
        "admin": DENIED,
        "cw_own": OK,
        "cw_other": HIDDEN,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:follow_up_add": PERSON_PAGES,
    "people:transfer": PERSON_PAGES,
    "people:flag_add": PERSON_PAGES,
    "people:flag_resolve": PERSON_PAGES,
    "people:referral_add": PERSON_PAGES,
    "people:referral_update": PERSON_PAGES,
    "people:feedback_add": PERSON_PAGES,
    "people:feedback_edit": PERSON_PAGES,
    "people:status_change": PERSON_PAGES,
    "people:transfers": SITE_FREE_PAGES,
    # An open request from MAE-SOT ("own") / from NEW-DELHI ("other") to the other site: the
    # receiving site answers, so the MAE-SOT case worker may not answer their own request.
    "people:transfer_accept": {
        "admin": OK,
        "cw_own": DENIED,
        "cw_other": OK,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:transfer_decline": {
        "admin": OK,
        "cw_own": DENIED,
        "cw_other": OK,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:duplicates": ADMIN_PAGES,
    "people:anonymise": {
        "admin": OK,
        "cw_own": DENIED,
        "cw_other": DENIED,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:retention": ADMIN_PAGES,
    "people:retention_hold": PERSON_PAGES,
    # The MAE-SOT case worker is the case worker of neither record (see test_access.world).
    "people:restriction": {
        "admin": OK,
        "cw_own": DENIED,
        "cw_other": HIDDEN,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    # Only a restricted record of the case worker's sites can be opened ("own" is restricted).
    "people:open_restricted": {
        "admin": DENIED,
        "cw_own": OK,
        "cw_other": HIDDEN,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:access_reviews": ADMIN_PAGES,
    "people:merge": {
        "admin": OK,
        "cw_own": DENIED,
        "cw_other": DENIED,
        "trainer": DENIED,
        "analyst": DENIED,
    },
}
# POST-only actions: a success redirects (302).
POST_MATRIX = {
    # An empty form: the admin is sent back to the list with a message.
    "people:access_review": {
        "admin": 302,
        "cw_own": DENIED,
        "cw_other": DENIED,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:follow_up_done": {
        "admin": 302,
        "cw_own": 302,
        "cw_other": HIDDEN,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    # Lifting a hold the person does not have: a message and back to the person page.
    "people:retention_lift": {
        "admin": 302,
        "cw_own": DENIED,
        "cw_other": DENIED,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    # The sending site withdraws; an empty form (no version) is told so and sent back.
    "people:transfer_withdraw": {
        "admin": 302,
        "cw_own": 302,
        "cw_other": DENIED,
        "trainer": DENIED,
        "analyst": DENIED,
    },
    "people:mark_distinct": {
        "admin": 302,
        "cw_own": DENIED,
        "cw_other": DENIED,
        "trainer": DENIED,
        "analyst": DENIED,
    },
}

URL_NAMES = set(GET_MATRIX) | set(POST_MATRIX)
