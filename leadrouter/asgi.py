"""ASGI entry point, for servers that speak ASGI; LeadRouter itself is synchronous."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadrouter.settings")

application = get_asgi_application()
