"""gunicorn's logger without query strings (`--logger-class` in the Procfile).

The access log's format already prints the path only (`%(U)s`); this class covers the error
log, where gunicorn quotes a request line it refused ("Invalid request from ip=...: Invalid
HTTP request line: 'GET /?q=... HTTP/1.1'", "Invalid HTTP Version: '...'") or the URI of a
request that failed: those lose the query string and the quoted client text. Kept apart
from `portal.logging`, which every process imports: gunicorn runs on POSIX systems only.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.logging import WithoutQueryString, without_query_string


class GunicornLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.error_log.addFilter(WithoutQueryString())

    def atoms(self, resp, req, environ, request_time):
        """The access log's values: should a format print the request line (`%(r)s`), the
        query (`%(q)s`) or the Referer (`%(f)s`), they carry no query string either."""
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = without_query_string(atoms["r"])
        atoms["q"] = ""
        atoms["f"] = without_query_string(atoms["f"])
        return atoms
