"""WSGI entry point (gunicorn leadrouter.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from leadrouter.wsgi_close import CloseConnection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadrouter.settings")

# An intake door's 413 that left the body unread closes the connection (leadrouter/wsgi_close.py).
application = CloseConnection(get_wsgi_application())

# Load the phone geocoder and ZIP table now (about 1 s) rather than in the first lead's request.
from intake.quality import warm_up  # noqa: E402

warm_up()
