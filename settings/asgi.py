"""ASGI entry point: `uvicorn settings.asgi:application` (or any ASGI server).

Defaults to `settings.production` (see settings/wsgi.py).
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")
application = get_asgi_application()

# Only a process that serves builds the application (under `runserver`, the autoreloader's child, not
# its watching parent): the embedded scheduler starts here, once, when EMBEDDED_SCHEDULER is on.
from tvmiddleware.scheduler import start_embedded  # noqa: E402  (needs the apps loaded above)

start_embedded()
