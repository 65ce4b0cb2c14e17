"""`manage.py bench_session EMAIL...`: signed-in sessions for the load test (scripts/loadtest.sh).

For each demo user named, it creates `--count` sessions as a completed sign-in would leave
them (second factor set up, pledge accepted) and prints them as JSON, with the id of the
benchmark's training session (today, the demo trainer's, 40 people): the load test sends the
session keys as cookies instead of signing in through the login form and its TOTP step.

Benchmarks only: it refuses to run without DEBUG=True, and gives the admins and case workers
named a TOTP authenticator when they have none (its secret is printed on stderr, so that the
account can still be used in the browser).
"""

from __future__ import annotations

import json

import pyotp
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from devtools.bench.fixtures import bench_session
from portal.models import Pledge, PledgeAcceptance, User
from portal.roles import MFA_REQUIRED_ROLES


class Command(BaseCommand):
    help = "Print signed-in session keys of demo users for the load test (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("emails", nargs="+", metavar="EMAIL", help="Demo users.")
        parser.add_argument("--count", type=int, default=1, help="Sessions per user.")

    def handle(self, *args, emails: list[str], count: int, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("bench_session signs users in without a password: DEBUG only.")

        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        missing = sorted(set(emails) - set(users))
        if missing:
            raise CommandError(f"No such users: {', '.join(missing)} (run seed_demo first).")
        sessions = {email: [self._session(users[email]) for _ in range(count)] for email in emails}
        trainer = User.objects.get(email="trainer@demo.example")
        case_worker = User.objects.get(email="caseworker@demo.example")
        roster = bench_session(trainer, case_worker)
        self.stdout.write(
            json.dumps(
                {
                    "cookie": settings.SESSION_COOKIE_NAME,
                    "sessions": sessions,
                    "roster_session": roster.pk,
                    "roster_people": list(
                        roster.enrolments.order_by("person_id").values_list("person_id", flat=True)
                    ),
                }
            )
        )

    def _session(self, user: User) -> str:
        self._ready(user)
        now = timezone.now().timestamp()
        session = SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session["signed_in_at"] = now
        session["last_seen_at"] = now
        session.create()
        return session.session_key

    def _ready(self, user: User) -> None:
        """What the sign-in flow would have required: a second factor and the pledge."""
        if (
            user.role in MFA_REQUIRED_ROLES
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            secret = pyotp.random_base32()
            TOTP.activate(user, secret)
            self.stderr.write(f"{user.email}: TOTP authenticator set up, secret {secret}")
        pledge = Pledge.current()
        if pledge is not None:
            PledgeAcceptance.objects.get_or_create(user=user, pledge=pledge)
