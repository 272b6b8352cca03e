"""gunicorn configuration of the middleware: `gunicorn -c gunicorn.conf.py settings.wsgi:application`.

What it adds to gunicorn's defaults:
- a logger class that blanks secrets (`password`, `api_key`, `authkey`, `token`, `pin`, `parent_code`,
  `sign`, `signature`, `key`, any `*password*`...) in every URL it logs (the access log's request line,
  query, referer and header fields; the error log's "Error handling request <url>"), and drops
  cookies and Authorization headers from access-log fields;
- the access log itself is off unless `GUNICORN_ACCESS_LOG` (a file, or `-` for stdout) or
  `--access-logfile` asks for it; its format is gunicorn's combined format (`GUNICORN_ACCESS_LOG_FORMAT`
  overrides it).
- each worker freezes its start-up objects for the garbage collector once the application is loaded
  (`post_worker_init`).
Any other setting comes from the command line or `GUNICORN_CMD_ARGS` as usual.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gunicorn.glogging import Logger  # noqa: E402

from tvmiddleware.log_redaction import REDACTED, RedactSecretsFilter, redact_query, redact_url  # noqa: E402

# Atoms that are secrets whole (request/response headers `{name}i`/`{name}o`, environ `{name}e`).
_SECRET_ATOMS = frozenset({
    "{cookie}i", "{authorization}i", "{proxy-authorization}i", "{x-api-key}i", "{set-cookie}o",
    "{http_cookie}e", "{http_authorization}e", "{http_proxy_authorization}e", "{http_x_api_key}e",
})
# Atoms holding a bare query string (no `?`).
_QUERY_ATOMS = frozenset({"q", "{query_string}e"})


class RedactingLogger(Logger):
    """gunicorn's logger with secrets taken out of everything it writes."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactSecretsFilter) for f in log.filters):
                log.addFilter(RedactSecretsFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if not isinstance(value, str):
                continue
            if name in _SECRET_ATOMS:
                atoms[name] = REDACTED
            elif name in _QUERY_ATOMS:
                atoms[name] = redact_query(value)
            elif "?" in value:
                atoms[name] = redact_url(value)
        return atoms


logger_class = RedactingLogger
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = os.environ.get(
    "GUNICORN_ACCESS_LOG_FORMAT", '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
)



def post_worker_init(worker):
    """The application is loaded: move everything it allocated so far (Django, the URL conf, the
    project's modules, about 100,000 objects) out of the cycle collector's way, so its full passes
    walk only what requests and caches allocate later (docs/benchmarks.md: shorter pauses, lower p99)."""
    import gc

    gc.freeze()
