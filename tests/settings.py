"""The test run's settings: LeadRouter's one settings module, under the environment the suite
needs. Only environment defaults are set here (a variable already set wins); every setting
still comes from leadrouter/settings.py.

Without DEBUG the settings refuse the public development key, and the suite runs with DEBUG off
as production does, so it brings a key of its own. pytest-django imports the settings before
any conftest runs, which is why this is a module named by DJANGO_SETTINGS_MODULE in
pyproject.toml rather than a fixture.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-key-never-served-7f3c9a1e5b2d8046c1e9f0a3b7d2")

from leadrouter.settings import *  # noqa: F403
