"""WSGI entry point: `gunicorn settings.wsgi:application`."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
application = get_wsgi_application()

# Only a process that serves builds the application (under `runserver`, the autoreloader's child, not
# its watching parent): the embedded scheduler starts here, once, when EMBEDDED_SCHEDULER is on.
from tvmiddleware.scheduler import start_embedded  # noqa: E402  (needs the apps loaded above)

start_embedded()
