"""Django settings. Everything that differs between machines comes from the environment."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def local_secret(path: Path) -> str:
    """A random secret key made on first use and kept in `path`, readable by its owner
    only. Linked into place whole, so processes starting together all read the same key."""
    if not path.exists():
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(64))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first
        finally:
            draft.unlink()
    return path.read_text().strip()


# Debug pages show settings and code: only when asked for, never by default.
DEBUG = _env_flag("PASSBOOK_DEBUG", False)
LOOPBACK = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = os.environ.get("PASSBOOK_ALLOWED_HOSTS", ",".join(LOOPBACK)).split(",")
# Served to this machine only (the README's try-it setup): plain HTTP is fine there, so the
# HTTPS-only protections below apply as soon as the app answers to any other host name.
LOCAL_ONLY = set(ALLOWED_HOSTS) <= set(LOOPBACK)
SECRET_KEY = os.environ.get("PASSBOOK_SECRET_KEY") or ""
if not SECRET_KEY and not LOCAL_ONLY:
    raise ImproperlyConfigured("Set PASSBOOK_SECRET_KEY (50+ random characters) in production.")
if not SECRET_KEY:  # a key of this installation's own, kept beside it, never a shared one
    SECRET_KEY = local_secret(Path.cwd() / ".passbook-secret-key")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "axes",
    "passbook.apps.PassbookConfig",
]

MIDDLEWARE = [
    "passbook.web.middleware.RequestIdMiddleware",
    "passbook.web.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "passbook.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "passbook.api.problems.ApiProblemsMiddleware",
    "passbook.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "passbook.web.middleware.BusinessTimeZoneMiddleware",
    "passbook.web.refusals.RefusalMiddleware",
    # Last, as django-axes asks: it turns locked-out logins into a lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "passbook.urls"
WSGI_APPLICATION = "passbook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "passbook.web.office.common.business_context",
            ],
        },
    },
]

# The embedded default is a SQLite file in the working directory; set DATABASE_URL
# (e.g. postgres://postgres@127.0.0.1:5432/passbook) for PostgreSQL.
# Connections are kept between requests (opening one costs more than a booking) and
# checked before reuse, so a database restart costs one reconnect, not an error.
LOCK_TIMEOUT_MS = round(1000 * float(os.environ.get("PASSBOOK_LOCK_TIMEOUT", "3")))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:///passbook.sqlite3"),
        conn_max_age=int(os.environ.get("PASSBOOK_DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # select_for_update() is a no-op on SQLite: IMMEDIATE makes every write transaction
    # take the database write lock at BEGIN, which serialises our read-check-write
    # services. See DESIGN.md §5.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }
else:
    DATABASES["default"]["OPTIONS"] = {}
    if _env_flag("PASSBOOK_DB_PREPARED", True):
        # PostgreSQL plans a statement once per connection instead of on every run:
        # parameters bound on the server, and psycopg prepares a query once it has run
        # five times. Off for poolers that cannot keep prepared statements.
        DATABASES["default"]["OPTIONS"] |= {"server_side_binding": True, "prepare_threshold": 5}
    if LOCK_TIMEOUT_MS:
        # A wait for a row lock longer than this answers `busy` (retry) instead of queueing
        # behind a stuck transaction for ever. 0 leaves the server's setting alone.
        DATABASES["default"]["OPTIONS"]["options"] = f"-c lock_timeout={LOCK_TIMEOUT_MS}"

AUTH_USER_MODEL = "passbook.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login throttling
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (passbook.web.clients.LoginThrottle): an account is locked for an hour
# after 5 failures from one address, after 20 from anywhere; an address after 20 on any
# accounts. Refused attempts during a lockout do not extend it. Behind a proxy, the
# client's address comes from X-Forwarded-For, read only from PASSBOOK_TRUSTED_PROXIES.
_FAILURES = int(os.environ.get("PASSBOOK_LOGIN_FAILURE_LIMIT", "5"))
PASSBOOK_LOGIN_LIMITS = [_FAILURES, 4 * _FAILURES, 4 * _FAILURES]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_FAILURE_LIMIT = _FAILURES
AXES_HANDLER = "passbook.web.clients.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "passbook.web.clients.client_ip"
AXES_COOLOFF_TIME = 1
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
PASSBOOK_TRUSTED_PROXIES = [
    p for p in os.environ.get("PASSBOOK_TRUSTED_PROXIES", "").split(",") if p.strip()
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "office/locked_out.html"

EMAIL_BACKEND = os.environ.get(
    "PASSBOOK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("PASSBOOK_FROM_EMAIL", "passbook@localhost")
# SMTP, when PASSBOOK_EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("PASSBOOK_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PASSBOOK_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PASSBOOK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PASSBOOK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("PASSBOOK_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # storage and server zone; the business's own zone is a business setting
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("PASSBOOK_STATIC_ROOT", Path.cwd() / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Cookies and transport. Session and CSRF cookies are HttpOnly/SameSite=Lax by default
# (the CSRF cookie stays readable so browser API clients can send it back).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
if not (DEBUG or LOCAL_ONLY):  # production: HTTPS only
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_flag("PASSBOOK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("PASSBOOK_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if _env_flag("PASSBOOK_BEHIND_PROXY", False):  # TLS ends at a proxy that sets this
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGIN_URL = "office:login"
LOGIN_REDIRECT_URL = "office:home"
LOGOUT_REDIRECT_URL = "office:login"

# Test-only switch: when False, services skip their row locks so the concurrency
# tests can show that the races they guard against really happen.
PASSBOOK_LOCKING = True

# Jobs: how many days before expiry customers are told. (When an unchecked booking becomes
# a no-show is the studio's setting: attendance closes N hours after the session ends.)
PASSBOOK_EXPIRING_NOTICE_DAYS = int(os.environ.get("PASSBOOK_EXPIRING_NOTICE_DAYS", "7"))
# Retention: idempotency keys are kept at least 24 hours (docs/api.md), the login log for
# a quarter; `run-jobs` prunes what is older.
PASSBOOK_KEEP_IDEMPOTENCY_HOURS = int(os.environ.get("PASSBOOK_KEEP_IDEMPOTENCY_HOURS", "48"))
PASSBOOK_KEEP_LOGIN_LOG_DAYS = int(os.environ.get("PASSBOOK_KEEP_LOGIN_LOG_DAYS", "90"))
# Where customers reach this site (e.g. https://book.example.com), for links in emails sent
# by jobs, which have no request to take it from. Empty: the links are relative.
PASSBOOK_SITE_URL = os.environ.get("PASSBOOK_SITE_URL", "")
# Where the import page keeps uploaded files between its steps (and its progress lines):
# a folder every web worker shares. Empty: the system's temporary folder.
PASSBOOK_IMPORT_DIR = os.environ.get("PASSBOOK_IMPORT_DIR", "")

# The portal's online payment provider (see passbook/payment_providers.py).
PASSBOOK_PAYMENT_PROVIDER = os.environ.get(
    "PASSBOOK_PAYMENT_PROVIDER", "passbook.payment_providers.OfflineProvider"
)

# Online card payments through Stripe (docs/payments.md): on when the secret key is set.
# The API base and Stripe.js URL are Stripe's own; tests point them at a local server.
PASSBOOK_STRIPE_SECRET_KEY = os.environ.get("PASSBOOK_STRIPE_SECRET_KEY", "")
PASSBOOK_STRIPE_PUBLISHABLE_KEY = os.environ.get("PASSBOOK_STRIPE_PUBLISHABLE_KEY", "")
PASSBOOK_STRIPE_WEBHOOK_SECRET = os.environ.get("PASSBOOK_STRIPE_WEBHOOK_SECRET", "")
PASSBOOK_STRIPE_API_BASE = os.environ.get("PASSBOOK_STRIPE_API_BASE", "https://api.stripe.com")
PASSBOOK_STRIPE_JS_URL = os.environ.get("PASSBOOK_STRIPE_JS_URL", "https://js.stripe.com/v3/")
# A pass bought by card (and the places it booked) is held this long; unpaid, it is released.
PASSBOOK_CHECKOUT_HOLD_MINUTES = int(os.environ.get("PASSBOOK_CHECKOUT_HOLD_MINUTES", "15"))
# A webhook signed longer ago than this (seconds) is refused as a replay; 0 = no limit.
PASSBOOK_STRIPE_WEBHOOK_TOLERANCE = int(os.environ.get("PASSBOOK_STRIPE_WEBHOOK_TOLERANCE", "300"))

# Errors (with their tracebacks) and warnings go to stderr, each line with its request's
# id, whatever DEBUG says; gunicorn passes stderr on to the service's log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "passbook.logs.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "passbook": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
