"""LeadRouter settings: one module, configured only through the environment.

Defaults run everything on a laptop (SQLite in WAL mode and the django-q2 ORM broker).
`DATABASE_URL` switches to PostgreSQL and `REDIS_URL` to the Redis broker and cache.
Every variable is listed in the README's configuration table.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DEBUG", default=False)
# The development key is public (it is right here), so it only ever serves a laptop with DEBUG
# on. Without DEBUG, a missing key must stop the server rather than let it sign sessions,
# password-reset links and CSRF tokens with a key anyone can read.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (or is the public development key) and DEBUG is off: "
            "LeadRouter will not run on a key anyone can read. Set SECRET_KEY to a long random "
            "value, e.g. the output of: python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'. On a development machine, set DEBUG=true "
            "instead (in the environment or in .env beside manage.py)."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "intake",
    "qualification",
    "routing",
    "reporting",
    # The project package: the configuration-version table and the commands that span apps.
    "leadrouter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: pages show times in the signed-in viewer's zone.
    "routing.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "leadrouter.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The viewer's roles (rep, manager, staff): the navigation's links.
                "routing.context_processors.viewer_role",
            ],
        },
    },
]

WSGI_APPLICATION = "leadrouter.wsgi.application"

# --- database -------------------------------------------------------------------------------
SQLITE_PATH = env.str("SQLITE_PATH", default=str(BASE_DIR / "leadrouter.sqlite3"))
DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default=f"sqlite:///{SQLITE_PATH}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
    # two transactions never both read and then fail to upgrade (SQLite's "database is locked").
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=60),
    }
    # A file, not :memory:, so that concurrency tests can open real second connections.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("SQLITE_TEST_PATH", default=str(BASE_DIR / "test_leadrouter.sqlite3"))
    }
# Persistent connections on both databases: opening one costs more than a whole routing
# decision (SQLite runs its PRAGMAs again), and django-q2's ORM broker closes any connection
# past its age each time a task is queued, which with the default age of 0 is every time.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and task broker ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "leadrouter",
        }
    }
else:
    # Nothing needs a cache shared between processes without Redis: the per-source rate limit
    # then counts in its own table (`intake.rate_limit`). Each process keeps its own memory
    # cache, which only django-q2's cluster statistics use.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

Q_CLUSTER = {
    "name": "leadrouter",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 60,
    # Longer than timeout: the ORM broker re-delivers a task not acknowledged within `retry`.
    "retry": 90,
    "max_attempts": 5,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Tasks",
    "sync": env.bool("Q_SYNC", default=False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- auth and security ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reps are not staff: they sign in on the app's own login page, not the admin's.
LOGIN_URL = "login"
# The role-aware home: a rep to their queue, a manager to the board, staff to the admin.
LOGIN_REDIRECT_URL = "routing:home"
LOGOUT_REDIRECT_URL = "login"

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Load balancers and orchestrators probe health over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# --- i18n, time -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="leadrouter@localhost")
# Where LeadRouter is served: absolute links in notifications (emails, Slack) start here.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "leadrouter.api.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Machine endpoints answer JSON whatever the Accept header: no browsable API (it rendered
    # after a lead was committed, and failed), no 406 (leadrouter/api_negotiation.py).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "leadrouter.api_negotiation.FallbackToFirstRenderer",
    "EXCEPTION_HANDLER": "leadrouter.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LeadRouter API",
    "DESCRIPTION": "Submit leads from any door, and read them back with their quality flags, "
    "timeline and routing explanation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A path served by one view per method (`leadrouter.api.dispatch.by_method`) is documented
    # method by method from those views.
    "PREPROCESSING_HOOKS": ["leadrouter.api.dispatch.split_by_method"],
    # Choice sets shown under more than one field name, or under one name with two meanings
    # (a lead event's kind, an activity's kind), named once each.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "intake.models.LeadStatus",
        "KindEnum": "intake.models.LeadEvent.Kind",
        "ActivityKindEnum": "routing.models.Activity.Kind",
        "ActivityOutcomeEnum": "routing.models.Activity.Outcome",
    },
}

# --- intake ---------------------------------------------------------------------------------
# Largest request body any door accepts; larger ones get 413 before anything is parsed.
INTAKE_MAX_BODY_BYTES = env.int("INTAKE_MAX_BODY_BYTES", default=1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_BODY_BYTES
# Requests a minute per source key (a source can override it in the admin).
INTAKE_RATE_LIMIT_PER_MINUTE = env.int("INTAKE_RATE_LIMIT_PER_MINUTE", default=600)
INTAKE_DEFAULT_PHONE_REGION = env.str("INTAKE_DEFAULT_PHONE_REGION", default="US")
INTAKE_EMAIL_CHECK_DELIVERABILITY = env.bool("INTAKE_EMAIL_CHECK_DELIVERABILITY", default=False)
INTAKE_EMAIL_DNS_TIMEOUT = env.float("INTAKE_EMAIL_DNS_TIMEOUT", default=3.0)
INTAKE_HONEYPOT_FIELD = env.str("INTAKE_HONEYPOT_FIELD", default="hp_website")
# The name on a hosted form whose source names none (Source.organisation_name).
ORGANISATION_NAME = env.str("ORGANISATION_NAME", default="")
# Vendor webhooks: how old a signed timestamp may be (HubSpot v3, Mailgun), and how long the
# previous vendor secret keeps working after it is replaced.
INTAKE_HOOK_MAX_AGE_SECONDS = env.int("INTAKE_HOOK_MAX_AGE_SECONDS", default=300)
INTAKE_SECRET_ROTATION_HOURS = env.int("INTAKE_SECRET_ROTATION_HOURS", default=72)
# Meta Graph API, for Lead Ads: the notification carries ids only; answers are fetched.
META_GRAPH_BASE_URL = env.str("META_GRAPH_BASE_URL", default="https://graph.facebook.com/v21.0")
# The HubSpot sync (see README "HubSpot: two-way sync"): where its API is, and the private
# app's token when it is kept in the environment rather than saved in the admin.
HUBSPOT_API_BASE = env.str("HUBSPOT_API_BASE", default="https://api.hubapi.com")
HUBSPOT_PRIVATE_APP_TOKEN = env.str("HUBSPOT_PRIVATE_APP_TOKEN", default="")
VENDOR_HTTP_TIMEOUT = env.float("VENDOR_HTTP_TIMEOUT", default=10.0)
# Twilio's REST API, where instant call-backs are placed (tests point it at a local server).
# The account SID and auth token are each Twilio Voice source's own, set in the admin.
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
# Outbound calls (webhooks typed in the admin, the LLM, vendors) go only to public addresses:
# a typed URL must not reach the metadata service or the private network. A deployer allows
# named hosts, IP addresses or networks (e.g. "127.0.0.1" for a local LLM server, or
# "10.0.0.0/8"), or every private address.
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
# WEBHOOKS_ALLOW_PRIVATE_TARGETS is the name the outbound-webhook contract gives this switch
# (DESIGN.md); either name turns it on.
OUTBOUND_ALLOW_PRIVATE_NETWORKS = env.bool("OUTBOUND_ALLOW_PRIVATE_NETWORKS", default=False) or (
    env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
)
VENDOR_FETCH_MAX_ATTEMPTS = env.int("VENDOR_FETCH_MAX_ATTEMPTS", default=6)
# Outbound webhooks (intake.webhooks): loopback and private targets only when allowed (a
# receiver on the same machine or network), each phase of a send's call limited to this many
# seconds, and an endpoint paused after this many failed attempts in a row.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
WEBHOOKS_PAUSE_AFTER_FAILURES = env.int("WEBHOOKS_PAUSE_AFTER_FAILURES", default=20)

# Optional LLM extractor for qualification (OpenAI-compatible chat completions); empty URL = off.
QUALIFICATION_LLM_URL = env.str("QUALIFICATION_LLM_URL", default="")
QUALIFICATION_LLM_MODEL = env.str("QUALIFICATION_LLM_MODEL", default="")
QUALIFICATION_LLM_API_KEY = env.str("QUALIFICATION_LLM_API_KEY", default="")
QUALIFICATION_LLM_TIMEOUT = env.float("QUALIFICATION_LLM_TIMEOUT", default=10.0)
# Idempotency keys are kept at least this long (Stripe keeps 24 h).
INTAKE_IDEMPOTENCY_TTL_HOURS = env.int("INTAKE_IDEMPOTENCY_TTL_HOURS", default=48)
# A key whose first request has not finished after this long is treated as abandoned.
INTAKE_IDEMPOTENCY_LOCK_SECONDS = env.int("INTAKE_IDEMPOTENCY_LOCK_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-q logs one INFO line per enqueued task.
        "django-q": {"level": "WARNING"},
        # httpx logs every request's full URL at INFO, and a webhook URL's path is its
        # credential (Slack): our own errors say what failed without it.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
