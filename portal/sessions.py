"""Django's database sessions, with the session read by one short statement written here.

Every signed-in request reads its session first. Django reads it through the ORM
(`Session.objects.get(...)`): about 830 Python calls to build, compile and turn into a model
object one row of which only the encoded data is used. This store sends the same condition
(the key, not expired) as one statement. Everything else (saving, rotating the key at sign-in,
deleting at sign-out, `clearsessions`) is Django's `db` session store, on the same table.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key is None:  # no key, or one Django refused as malformed
            self._session_key = None
            return None
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        quote = connection.ops.quote_name
        now = model._meta.get_field("expire_date").get_db_prep_value(
            timezone.now(), connection, prepared=False
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)}"  # noqa: S608  # nosec B608
                f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session will get a new key, as Django's
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
