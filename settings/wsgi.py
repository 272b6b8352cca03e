"""WSGI entry point: `gunicorn -c gunicorn.conf.py settings.wsgi:application`.

Defaults to `settings.production`, which refuses to start without its environment variables: a
production server never falls back to DEBUG or to a development key. Set DJANGO_SETTINGS_MODULE
explicitly to serve another configuration.
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")
django_application = get_wsgi_application()

# The streamers' token check (GET/HEAD) is answered before Django's request handling; see the module.
from tvmiddleware.streaming.fast_path import TokenCheckFastPath  # noqa: E402  (needs the apps loaded)

application = TokenCheckFastPath(django_application)

# Only a process that serves builds the application (under `runserver`, the autoreloader's child, not
# its watching parent): the embedded scheduler starts here, once, when EMBEDDED_SCHEDULER is on.
from tvmiddleware.scheduler import start_embedded  # noqa: E402  (needs the apps loaded above)

start_embedded()
