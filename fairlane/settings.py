"""One settings module for every environment, driven by environment variables.

The embedded default (no variables set) is a development server on a local SQLite file.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-not-for-production-use-0123456789abcdefghij"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "csp",
    "fairlane.core",
    "fairlane.accounts",
    "fairlane.registry",
    "fairlane.catalogue",
    "fairlane.applications",
    "fairlane.payments",
    "fairlane.notifications",
    "fairlane.elicence",
    "fairlane.agencies",
    "fairlane.bookings",
    "fairlane.violations",
    "fairlane.integrity",
    "fairlane.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fairlane.core.middleware.RequestContextMiddleware",
    # Near the top, so it sees the final answer of every booking request (CSRF refusals too).
    "fairlane.bookings.monitoring.BookingRequestCounterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fairlane.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fairlane.bookings.throttle.BookingCallLimitMiddleware",
    "fairlane.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fairlane.urls"
WSGI_APPLICATION = "fairlane.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
            "builtins": ["fairlane.core.templatetags.masking"],
        },
    },
]

# --- Database: embedded SQLite unless DATABASE_URL says otherwise -------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'fairlane.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue instead of
    # one failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

# --- Cache and shared rate limits: Redis when REDIS_URL is set (Celery joins with the first job) -
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and passwords ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["fairlane.accounts.backends.PhoneOrIdNumberBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:index"

# Sessions: an inactivity timeout (cookie age, renewed on every request) and an absolute
# one (checked by SessionPolicyMiddleware against the login time). Staff get shorter ones.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
FAIRLANE_SESSION_ABSOLUTE = {"citizen": timedelta(hours=12), "staff": timedelta(hours=8)}
FAIRLANE_SESSION_IDLE = {"citizen": timedelta(minutes=30), "staff": timedelta(minutes=15)}

# One-time codes and their limits.
FAIRLANE_SMS_BACKEND = os.environ.get("SMS_BACKEND", "fairlane.accounts.sms.OutboxSmsBackend")
FAIRLANE_IDENTITY_PROVIDER = os.environ.get(
    "IDENTITY_PROVIDER", "fairlane.accounts.identity.DevelopmentIdentityProvider"
)
OTP_TOTP_ISSUER = "fairlane"

# --- Security headers and cookies ---------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "fairlane" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

# --- Uploaded files, payments, signatures ------------------------------------------------------
# Uploads are never served from a public URL: views read them through the storage API after
# an access check. Local files by default; any S3-compatible store when S3_BUCKET is set.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
FAIRLANE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# The payment gateway adapter and the secret its callbacks are signed with (HMAC-SHA256).
FAIRLANE_PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "fairlane.payments.gateway.SimulatedGateway")
FAIRLANE_PAYMENT_CALLBACK_SECRET = os.environ.get("PAYMENT_CALLBACK_SECRET") or f"payments:{SECRET_KEY}"
# The Ed25519 key that signs electronic licences: base64 of the 32-byte private key. Unset,
# a key is made once and kept in var/elicence-signing.key.
FAIRLANE_ELICENCE_SIGNING_KEY = os.environ.get("ELICENCE_SIGNING_KEY", "")
FAIRLANE_ELICENCE_KEY_FILE = BASE_DIR / "var" / "elicence-signing.key"
# The key from which each booking batch's secret lottery seed is derived (see bookings/batches.py).
FAIRLANE_LOTTERY_KEY = os.environ.get("LOTTERY_KEY") or f"lottery:{SECRET_KEY}"
# Point-trading signals (violations/trading.py): a licence that took the points of this many
# other owners' vehicles, or as many other vehicles, within the window is shown to staff.
VIOLATIONS_TRADING_THRESHOLD = int(os.environ.get("VIOLATIONS_TRADING_THRESHOLD", "3"))
VIOLATIONS_TRADING_WINDOW_DAYS = int(os.environ.get("VIOLATIONS_TRADING_WINDOW_DAYS", "365"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
