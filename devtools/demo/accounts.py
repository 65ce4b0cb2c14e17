"""The demo accounts and the lines that tell a new user how to sign in with them (printed by
`seed_demo`, and again by `announce_ready` once `make run` is serving, so that the process
banners of the web server, the worker and beat do not push them off the screen)."""

from portal.models import User
from portal.roles import Role

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - printed on purpose; refused in production
DEMO_USERS = [
    ("admin@demo.example", "Demo Admin", Role.ADMIN, []),
    ("caseworker@demo.example", "Demo Case Worker", Role.CASE_WORKER, ["MAE-SOT"]),
    ("trainer@demo.example", "Demo Trainer", Role.TRAINER, ["MAE-SOT"]),
    ("analyst@demo.example", "Demo Analyst", Role.ANALYST, []),
]


def sign_in_lines() -> list[str]:
    """One line per demo user present (role and e-mail), the password, and the TOTP hint."""
    emails = [email for email, *_ in DEMO_USERS]
    users = sorted(User.objects.filter(email__in=emails), key=lambda user: emails.index(user.email))
    lines = [f"Demo users (password for all: {DEMO_PASSWORD})"]
    lines += [f"  {user.get_role_display():<12} {user.email}" for user in users]
    trainers = User.objects.filter(
        email__startswith="trainer.", email__endswith="@demo.example"
    ).order_by("email")
    if trainers:
        lines.append(
            "  Trainers of the programme history (same password): "
            + ", ".join(user.email for user in trainers)
        )
    lines.append("Admins and case workers set up a TOTP authenticator app at their first sign-in.")
    return lines
