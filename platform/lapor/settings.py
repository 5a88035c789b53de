"""Django settings for LAPOR! Federation, read from the environment (see README)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lapor.env import env_bool, env_int, env_list, env_str, env_url

REPO_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("LAPOR_VAR_DIR", str(REPO_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not env_bool("LAPOR_LOCAL", True):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when LAPOR_LOCAL=0")
    # Local runs only: a fixed, obviously-local key so sessions survive restarts of `make run`.
    SECRET_KEY = "local-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"  # noqa: S105

# Hosts: the hub lives on BASE_DOMAIN, each Pemda on <slug>.BASE_DOMAIN (plus extra domains).
BASE_DOMAIN = env_str("LAPOR_BASE_DOMAIN", "localhost").strip().lower()
if not BASE_DOMAIN or "/" in BASE_DOMAIN or ":" in BASE_DOMAIN:
    raise ImproperlyConfigured(f"LAPOR_BASE_DOMAIN must be a bare host name, got {BASE_DOMAIN!r}")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1", "testserver"])
PUBLIC_URL_PORT = env_int("LAPOR_PUBLIC_PORT", 8000, minimum=0, maximum=65535)

# --- database ---------------------------------------------------------------------------------
EMBEDDED_PG_PORT = env_int("LAPOR_EMBEDDED_PG_PORT", 25432, minimum=1, maximum=65535)
EMBEDDED_DATABASE_URL = f"postgres://postgres@127.0.0.1:{EMBEDDED_PG_PORT}/lapor"
DATABASE_URL = env_url("DATABASE_URL", EMBEDDED_DATABASE_URL, schemes=("postgres", "postgresql", "pgsql"))
USING_EMBEDDED_DB = not env_str("DATABASE_URL").strip()
DB_CONNECT_TIMEOUT = env_int("LAPOR_DB_CONNECT_TIMEOUT", 5, minimum=1, maximum=60)
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
_db["ENGINE"] = "lapor.db"
_db.setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT
_db["CONN_HEALTH_CHECKS"] = True
# A connection that served a request without error this recently is not pinged again (lapor.db).
DB_HEALTH_CHECK_BYPASS_MS = env_int("DB_HEALTH_CHECK_BYPASS_MS", 1000, minimum=0, maximum=60000)
# Intake runs as a server-side prepared statement (complaints.intake); off behind a
# transaction-pooling PgBouncer, which does not keep a session's prepared statements.
DB_PREPARED_STATEMENTS = env_int("DB_PREPARED_STATEMENTS", 1, minimum=0, maximum=1) == 1
# A pooler between the platform and PostgreSQL: "none" or "pgbouncer-session". With PgBouncer,
# every process checks its pool mode at start and refuses anything but session (lapor.pooler).
LAPOR_DB_POOLER = env_str("LAPOR_DB_POOLER", "none").strip().lower() or "none"
if LAPOR_DB_POOLER not in ("none", "pgbouncer-session"):
    raise ImproperlyConfigured(f"LAPOR_DB_POOLER must be none or pgbouncer-session, got {LAPOR_DB_POOLER!r}")
# PgBouncer's admin console (default: DATABASE_URL with the database "pgbouncer").
LAPOR_DB_POOLER_ADMIN_URL = env_str("LAPOR_DB_POOLER_ADMIN_URL").strip()
if LAPOR_DB_POOLER_ADMIN_URL:
    env_url("LAPOR_DB_POOLER_ADMIN_URL", LAPOR_DB_POOLER_ADMIN_URL, schemes=("postgres", "postgresql"))
_db["TEST"] = {"NAME": env_str("LAPOR_TEST_DATABASE", f"test_{_db['NAME']}")}
DATABASES = {"default": _db}
# A streaming standby the read-only pages read from (lapor.replica; docs/ha.md). Optional.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL").strip()
if DATABASE_REPLICA_URL:
    env_url("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL, schemes=("postgres", "postgresql", "pgsql"))
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=_db["CONN_MAX_AGE"])
    _replica["ENGINE"] = "lapor.db"
    _replica.setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "LAPOR_REPLICA_CONNECT_TIMEOUT", 2, minimum=1, maximum=60
    )
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["TEST"] = {"MIRROR": "default"}  # tests read the test database through it
    DATABASES["replica"] = _replica
# Read from the primary instead when the replica is further behind than this, or unreachable;
# its state is measured at most this often per process.
LAPOR_REPLICA_MAX_LAG_SECONDS = env_int("LAPOR_REPLICA_MAX_LAG_SECONDS", 30, minimum=0)
LAPOR_REPLICA_CHECK_SECONDS = env_int("LAPOR_REPLICA_CHECK_SECONDS", 5, minimum=0)
DATABASE_ROUTERS = ("lapor.replica.ReplicaRouter", "django_tenants.routers.TenantSyncRouter")

# --- tenancy ----------------------------------------------------------------------------------
TENANT_MODEL = "tenants.Pemda"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "lapor.urls_public"
ROOT_URLCONF = "lapor.urls_tenant"
# Skip `SET search_path` while the connection already has the wanted one (see lapor.db).
TENANT_LIMIT_SET_CALLS = True
# Seconds a host -> tenant lookup is cached (invalidated on Domain/Pemda change).
TENANT_HOST_CACHE_SECONDS = env_int("LAPOR_TENANT_HOST_CACHE_SECONDS", 300, minimum=0)
DEFAULT_NOT_FOUND_TENANT_VIEW = "tenants.views.unknown_host"
# Idempotent `seed(pemda)` functions run in a new Pemda's schema during onboarding, after its SKPD tree.
LAPOR_TENANT_SEEDERS = ["tenants.skpd.skpd_seed", "complaints.seed.categories_seed"]

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "pgtrigger",
    "lapor",
    "accounts",
    "deadlines",
    "national_hub",
    "national_hub.registry",
    "sync",
    "web",
    "knox",
    # Failed logins are counted and locked out in public: a user is one person on every host.
    "axes",
    # Two-factor sign-in of staff (TOTP and single-use recovery codes): devices are per user, in public,
    # so one device serves a person's roles in every Pemda and at the hub.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Citizen accounts of the mobile app: one account for every Pemda (public schema).
    "citizens",
    # In both lists: the hub's number (1708) keeps its messages in public, each Pemda's in its schema.
    "channels",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    # Sessions live in each tenant's schema as well, so a cookie issued by one Pemda's host
    # is unknown on every other host even if it were replayed there.
    "django.contrib.sessions",
    "agencies",
    "complaints",
    "performance",
    "channels",
    # Open311 API clients and their submissions are a Pemda's own; the hub answers in the
    # schema jurisdiction_id names.
    "open311",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

MIDDLEWARE = [
    # Request id (X-Request-ID) and the request counted for Prometheus (lapor.metrics), in both lanes.
    "lapor.metrics.RequestMiddleware",
    "lapor.health.HealthCheckMiddleware",
    "tenants.middleware.CachedTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lapor.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor (accounts.two_factor)?
    "django_otp.middleware.OTPMiddleware",
    # Staff sessions end after LAPOR_STAFF_IDLE_MINUTES idle and LAPOR_STAFF_SESSION_HOURS in all.
    "accounts.sessions.StaffSessionMiddleware",
    "accounts.middleware.TenantMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a login refused by the lockout into its answer (accounts.lockout).
    "axes.middleware.AxesMiddleware",
]
# A citizen's API call (lapor.lanes) skips what only pages, the admin and officers' session-
# authenticated calls use; security and frame headers, language and tenant stay.
CITIZEN_API_MIDDLEWARE = [
    m
    for m in MIDDLEWARE
    if m
    not in {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "accounts.sessions.StaffSessionMiddleware",
        "accounts.middleware.TenantMembershipMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
    }
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_DIR / "platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "web.context.site",
            ],
        },
    },
]
WSGI_APPLICATION = "lapor.wsgi.application"

# --- sessions, cookies, cache -----------------------------------------------------------------
# No SESSION_COOKIE_DOMAIN: every Pemda host gets its own cookie, never a wildcard.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
LAPOR_LOCAL = env_bool("LAPOR_LOCAL", True)
# Secure (HTTPS only) unless this is a local run; never readable by scripts; not sent on cross-site
# POSTs (OWASP ASVS 5.0, V3.3).
SESSION_COOKIE_SECURE = env_bool("LAPOR_SECURE_COOKIES", not LAPOR_LOCAL)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Proxies (addresses or networks) whose X-Forwarded-For is believed: the client address for rate
# limits and idempotency is the first hop from the right that is not one of them (lapor.net).
# Where vulnerabilities are reported (/.well-known/security.txt on every host), e.g. mailto:csirt@...
LAPOR_SECURITY_CONTACT = env_str("LAPOR_SECURITY_CONTACT").strip()
LAPOR_TRUSTED_PROXIES = env_list("LAPOR_TRUSTED_PROXIES", [])
if env_bool("LAPOR_BEHIND_TLS_PROXY", False):
    # nginx terminates TLS and says so in X-Forwarded-Proto (deploy/nginx/lapor.conf.template).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = env_int("LAPOR_SESSION_SECONDS", 8 * 3600, minimum=60)

REDIS_URL = env_str("REDIS_URL").strip()
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, schemes=("redis", "rediss", "unix"))
_cache_backend: dict[str, object] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
)
CACHES = {
    # Tenant-prefixed keys: one Pemda's cached page or value is never served to another.
    "default": {
        **_cache_backend,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    # Platform-wide values (host -> tenant map); keys are global by design.
    "tenancy": {**_cache_backend, "KEY_PREFIX": "tenancy"},
}

# --- auth ---------------------------------------------------------------------------------------
# django-axes first: a locked-out username + client address pair is refused before its password is
# even checked; failures are counted from Django's user_login_failed signal (every login door).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LAPOR_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LAPOR_LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # a stranger cannot lock an officer out from elsewhere
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "lapor.net.request_client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Staff passwords (OWASP ASVS 5.0, V6.2): at least 12 characters, at most 128, not a common one and
# not close to the person's username, name or e-mail address.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
# Two-factor sign-in (accounts.two_factor): every staff member (a membership in a Pemda or at the
# hub, or a Django admin) passes a TOTP code or a recovery code after the password, at /masuk/, at
# the login API and at the admin; a session that has not is nobody on /konsol/ and the staff API.
LAPOR_OTP_REQUIRED = env_bool("LAPOR_OTP_REQUIRED", True)
# Basic credentials carry no second factor: refused for staff while two-factor sign-in is required,
# unless this is set (scripts and test harnesses that call the staff API with a password only).
LAPOR_API_BASIC_AUTH = env_bool("LAPOR_API_BASIC_AUTH", False)
OTP_TOTP_ISSUER = "LAPOR!"
# Staff sessions: signed out after this long without a request, and this long after signing in.
LAPOR_STAFF_IDLE_MINUTES = env_int("LAPOR_STAFF_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
LAPOR_STAFF_SESSION_HOURS = env_int("LAPOR_STAFF_SESSION_HOURS", 12, minimum=1, maximum=7 * 24)
LOGIN_URL = "/masuk/"
LOGIN_REDIRECT_URL = "/konsol/"

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [REPO_DIR / "platform" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Jakarta"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- REST framework -----------------------------------------------------------------------------
def _rate_or_none(name: str, default: str) -> str | None:
    value = env_str(name, default).strip().lower()
    if value in ("", "off", "0"):
        return None
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must look like 60/min or 10/hour (or off), not {value!r}")
    return value


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TenantSessionAuthentication",
        "accounts.authentication.TenantBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["lapor.parsers.JSONParser", "lapor.parsers.FormParser", "lapor.parsers.MultiPartParser"],
    # Anonymous intake (API, portal form, hub form): lapor.throttles; "off" disables a limit.
    "DEFAULT_THROTTLE_RATES": {
        "intake_address": _rate_or_none("LAPOR_INTAKE_RATE_PER_ADDRESS", "60/min"),
        "intake_phone": _rate_or_none("LAPOR_INTAKE_RATE_PER_PHONE", "10/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "lapor.schema.LaporAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "lapor.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LAPOR! Federation API",
    "DESCRIPTION": "Pengaduan, aspirasi dan permintaan informasi warga untuk Pemda.",
    "VERSION": "1",
    # Swagger UI and Redoc from drf-spectacular-sidecar, served by the app: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery -------------------------------------------------------------------------------------
# Without CELERY_BROKER_URL the broker is kombu's SQLAlchemy transport on the same PostgreSQL,
# so a fresh machine needs no extra server. Production sets RabbitMQ (amqp://).
_default_broker = "sqla+" + DATABASE_URL.replace("postgres://", "postgresql+psycopg2://", 1).replace(
    "postgresql://", "postgresql+psycopg2://", 1
)
_BROKER_SCHEMES = ("amqp", "amqps", "pyamqp", "redis", "rediss", "sqla+postgresql+psycopg2", "sqla+postgresql")
# Several RabbitMQ nodes of one cluster, `;`-separated, are tried in turn (kombu's failover).
CELERY_BROKER_URL = ";".join(
    env_url("CELERY_BROKER_URL", part, schemes=_BROKER_SCHEMES)
    for part in (env_str("CELERY_BROKER_URL").strip() or _default_broker).split(";")
    if part.strip()
)
# RabbitMQ: quorum queues with dead-letter queues, publisher confirms (lapor.broker).
BROKER_IS_RABBITMQ = all(p.split("://", 1)[0] in ("amqp", "amqps", "pyamqp") for p in CELERY_BROKER_URL.split(";"))
LAPOR_BROKER_QUORUM = BROKER_IS_RABBITMQ and env_bool("LAPOR_BROKER_QUORUM_QUEUES", True)
# Deliveries of one message (first + redeliveries) before a quorum queue dead-letters it.
LAPOR_BROKER_DELIVERY_LIMIT = env_int("LAPOR_BROKER_DELIVERY_LIMIT", 20, minimum=1, maximum=1000)
if BROKER_IS_RABBITMQ:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
if LAPOR_BROKER_QUORUM:
    # The default queue's exchange is a topic exchange, so native delayed delivery (countdowns) reaches it.
    CELERY_TASK_DEFAULT_EXCHANGE_TYPE = "topic"
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
    CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = "quorum"
    CELERY_TASK_CREATE_MISSING_QUEUE_EXCHANGE_TYPE = "topic"
    CELERY_WORKER_DETECT_QUORUM_QUEUES = True
    CELERY_BROKER_NATIVE_DELAYED_DELIVERY_QUEUE_TYPE = "quorum"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or (REDIS_URL or "db+" + _default_broker.removeprefix("sqla+"))
# Deployments (or test runs) sharing one broker keep their tasks apart with a queue of their own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BROKER_CONNECT_TIMEOUT = env_int("LAPOR_BROKER_CONNECT_TIMEOUT", 5, minimum=1, maximum=60)

# --- reports ------------------------------------------------------------------------------------
# Reporter identity (name, phone, e-mail, NIK) and sync peers' secrets are sealed at rest
# (AES-256-GCM, lapor.crypto) under keys derived from these Fernet-format keys; the first
# encrypts, all decrypt (rotation: prepend a new key, re-encrypt, then drop the old one).
LAPOR_IDENTITY_KEYS = env_list("LAPOR_IDENTITY_KEYS", [])
if not LAPOR_IDENTITY_KEYS and not env_bool("LAPOR_LOCAL", True):
    raise ImproperlyConfigured("LAPOR_IDENTITY_KEYS must be set when LAPOR_LOCAL=0")
# Retention of the reporter's identity (UU PDP No. 27/2022, Pasal 43-44: destroyed once its
# purpose ends; see README "Data protection"). Counted from the day a report is closed or merged:
# two years, the time a reporter has to take the matter to the Ombudsman (UU 37/2008, Pasal 24).
# Archived reports (spam, invalid) lead nowhere else: 180 days, long enough for a reporter to contest.
LAPOR_IDENTITY_RETENTION_DAYS = env_int("LAPOR_IDENTITY_RETENTION_DAYS", 730, minimum=1)
LAPOR_IDENTITY_RETENTION_ARCHIVED_DAYS = env_int("LAPOR_IDENTITY_RETENTION_ARCHIVED_DAYS", 180, minimum=1)
LAPOR_MAX_ATTACHMENT_BYTES = env_int("LAPOR_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024, minimum=1024)
LAPOR_MAX_ATTACHMENTS = env_int("LAPOR_MAX_ATTACHMENTS", 5, minimum=0, maximum=20)
DATA_UPLOAD_MAX_MEMORY_SIZE = LAPOR_MAX_ATTACHMENT_BYTES * (LAPOR_MAX_ATTACHMENTS + 1)
FILE_UPLOAD_MAX_MEMORY_SIZE = LAPOR_MAX_ATTACHMENT_BYTES

# --- sync between Pemda, hub and K/L (sync/) --------------------------------------------------
# How this deployment's hub names itself to its HTTP peers (they hold a Peer row of that code).
LAPOR_SYNC_NAME = env_str("LAPOR_SYNC_NAME", "hub")
# A Pemda's own deployment: the Peer code of the national hub its referrals go to (else local hub).
LAPOR_SYNC_UPSTREAM = env_str("LAPOR_SYNC_UPSTREAM", "")
LAPOR_SYNC_MAX_ATTEMPTS = env_int("LAPOR_SYNC_MAX_ATTEMPTS", 10, minimum=1)
LAPOR_SYNC_MAX_BACKOFF_SECONDS = env_int("LAPOR_SYNC_MAX_BACKOFF_SECONDS", 600, minimum=1)
LAPOR_SYNC_CLOCK_SKEW_SECONDS = env_int("LAPOR_SYNC_CLOCK_SKEW_SECONDS", 300, minimum=5)
LAPOR_SYNC_HTTP_TIMEOUT = env_int("LAPOR_SYNC_HTTP_TIMEOUT", 10, minimum=1)
LAPOR_SYNC_RECONCILE_AFTER_SECONDS = env_int("LAPOR_SYNC_RECONCILE_AFTER_SECONDS", 3600, minimum=60)
LAPOR_HUB_TRIAGE_HOURS = env_int("LAPOR_HUB_TRIAGE_HOURS", 24, minimum=1)
# --- audit checkpoints (complaints.checkpoints at a Pemda, national_hub.checkpoints at the hub) ---
# The hub's Ed25519 key (PKCS#8 PEM) that signs each Pemda's daily audit-chain head. Generated
# into var/ on first use for local runs; required (never generated) when LAPOR_LOCAL=0.
LAPOR_HUB_SIGNING_KEY_FILE = Path(env_str("LAPOR_HUB_SIGNING_KEY_FILE", str(VAR_DIR / "hub-signing-key.pem")))
LAPOR_HUB_SIGNING_KEY_GENERATE = env_bool("LAPOR_LOCAL", True)
# Rotation: the public keys (base64 of the raw 32 bytes, comma-separated) of keys the hub signed
# with before; published beside the current one so the checkpoints they signed still check out.
LAPOR_HUB_SIGNING_RETIRED_KEYS = env_list("LAPOR_HUB_SIGNING_RETIRED_KEYS", [])
# Where `audit_verify` reads the hub's checkpoints: empty, the hub of this deployment (same
# database, LAPOR_AUDIT_CHECKPOINT_READER); else the hub's base URL, fetched over HTTP.
LAPOR_AUDIT_HUB_URL = env_str("LAPOR_AUDIT_HUB_URL", "").rstrip("/")
LAPOR_AUDIT_CHECKPOINT_READER = "national_hub.checkpoints.checkpoints_published"
# The longest chain segment a report's verification endpoint serves (events).
LAPOR_AUDIT_SEGMENT_MAX = env_int("LAPOR_AUDIT_SEGMENT_MAX", 100000, minimum=1000)
# What each message kind does where it arrives, and who may send it: the owners' handlers
# (sync.handlers). sync carries messages and imports none of these.
# A data subject's access request (manage.py subject_export) also asks these for what they hold of
# the person, by phone and e-mail: dotted paths, so complaints imports none of them.
LAPOR_SUBJECT_EXPORTERS = ["citizens.services.citizen_subject_export"]

LAPOR_SYNC_HANDLERS = {
    "hub": {
        "referral.create": "national_hub.inbound.referral_create",
        "referral.update": "national_hub.inbound.referral_update",
        "referral.reply": "national_hub.inbound.referral_reply",
        "stats.update": "national_hub.inbound.stats_update",
        "spike.alert": "national_hub.inbound.spike_alert",
        "audit.checkpoint": "national_hub.inbound.audit_checkpoint",
    },
    "pemda": {
        "referral.deliver": "complaints.referrals.inbound.referral_deliver",
        "referral.update": "complaints.referrals.inbound.origin_update",
        "referral.reply": "complaints.referrals.inbound.receiver_reply",
        "referral.probe": "complaints.referrals.inbound.referral_probe",
    },
}

# --- citizen channels (platform/channels) ----------------------------------------------------------
# What a message does where it arrives: the hub asks where the problem is; a Pemda files it.
LAPOR_CHANNEL_DOORS = {"hub": "national_hub.channels.hub_door", "pemda": "channels.doors.pemda_door"}
# A report filed by a phone number joins "my reports" of the citizen account holding that number:
# a CTE of the filing's own statement (citizens sits above channels, so it is named here).
LAPOR_CHANNEL_FILED_LINK = "citizens.services.citizen_channel_link_sql"
LAPOR_CHANNEL_SENDERS = {
    "kannel": "channels.providers.kannel.kannel_send",
    "twilio": "channels.providers.twilio.twilio_send",
    "whatsapp": "channels.providers.whatsapp.whatsapp_send",
    "x": "channels.providers.x.x_send",
}
# How a provider's media (a WhatsApp photo, a Twilio MMS picture) is fetched into a report's attachment.
LAPOR_CHANNEL_MEDIA_FETCHERS = {
    "whatsapp": "channels.providers.whatsapp.whatsapp_media_fetch",
    "twilio": "channels.providers.twilio.twilio_media_fetch",
}
# Providers whose first report from a number waits for the citizen's "YA" (joke floods).
LAPOR_CHANNEL_CONFIRM_FIRST = set(env_list("LAPOR_CHANNEL_CONFIRM_FIRST", ["whatsapp"]))
LAPOR_CHANNEL_REPORTS_PER_DAY = env_int("LAPOR_CHANNEL_REPORTS_PER_DAY", 5, minimum=1)
# A queued message the relay lost is sent by the sweep after this long.
LAPOR_CHANNEL_SWEEP_AFTER_SECONDS = env_int("LAPOR_CHANNEL_SWEEP_AFTER_SECONDS", 60, minimum=1)
# Raw inbound messages (text, media, the provider's payload) are dropped after this many days.
LAPOR_CHANNEL_RETENTION_DAYS = env_int("LAPOR_CHANNEL_RETENTION_DAYS", 180, minimum=1)
# A question left unanswered (the hub's "where?", WhatsApp's "YA?") and the report text it holds
# lapse after this many hours: a late answer gets the help text, and the daily purge drops the text.
LAPOR_CHANNEL_PENDING_HOURS = env_int("LAPOR_CHANNEL_PENDING_HOURS", 72, minimum=1)
LAPOR_KANNEL = {
    "secret": env_str("LAPOR_KANNEL_SECRET"),  # the key smsbox's get-url carries
    "sendsms_url": env_str("LAPOR_KANNEL_SENDSMS_URL"),  # e.g. http://127.0.0.1:13013/cgi-bin/sendsms
    "username": env_str("LAPOR_KANNEL_USERNAME"),
    "password": env_str("LAPOR_KANNEL_PASSWORD"),
    "callback_base": env_str("LAPOR_CHANNEL_CALLBACK_BASE"),  # where gateways reach this platform
}
LAPOR_TWILIO = {
    "account_sid": env_str("LAPOR_TWILIO_ACCOUNT_SID"),
    "auth_token": env_str("LAPOR_TWILIO_AUTH_TOKEN"),
    "api_base": env_str("LAPOR_TWILIO_API_BASE", "https://api.twilio.com"),
    "callback_base": env_str("LAPOR_CHANNEL_CALLBACK_BASE"),
}
LAPOR_WHATSAPP = {  # WhatsApp Cloud API (Meta's Graph API)
    "base_url": env_str("LAPOR_WHATSAPP_BASE_URL", "https://graph.facebook.com/v21.0"),
    "token": env_str("LAPOR_WHATSAPP_TOKEN"),  # a system user's access token
    "phone_number_id": env_str("LAPOR_WHATSAPP_PHONE_NUMBER_ID"),  # replies' sender when a message has none
    "app_secret": env_str("LAPOR_WHATSAPP_APP_SECRET"),  # signs X-Hub-Signature-256
    "verify_token": env_str("LAPOR_WHATSAPP_VERIFY_TOKEN"),  # the webhook's verification handshake
    # Outside the 24-hour customer-service window (no message from the citizen for a day) Meta takes
    # only an approved template: this one, with one body parameter ({{1}}) carrying the update.
    "template": env_str("LAPOR_WHATSAPP_TEMPLATE", "lapor_pembaruan"),  # empty: no template
    "template_language": env_str("LAPOR_WHATSAPP_TEMPLATE_LANGUAGE", "id"),
}
LAPOR_X = {  # X (Twitter): Account Activity webhook, mentions polling, replies by POST /2/tweets
    "api_base": env_str("LAPOR_X_API_BASE", "https://api.x.com"),
    "consumer_key": env_str("LAPOR_X_CONSUMER_KEY"),
    "consumer_secret": env_str("LAPOR_X_CONSUMER_SECRET"),  # CRC and x-twitter-webhooks-signature
    "access_token": env_str("LAPOR_X_ACCESS_TOKEN"),  # the account's OAuth 1.0a token (posting replies)
    "access_token_secret": env_str("LAPOR_X_ACCESS_TOKEN_SECRET"),
    "bearer_token": env_str("LAPOR_X_BEARER_TOKEN"),  # app-only token (reading mentions)
    "user_id": env_str("LAPOR_X_USER_ID"),  # the platform's account; its own posts are never taken
    "poll": env_bool("LAPOR_X_POLL", False),  # fetch mentions on beat (where no webhook is subscribed)
}

# --- citizen accounts (platform/citizens) -----------------------------------------------------------
# Sign-in codes: minutes valid; per phone or e-mail address an hour; per client address an hour
# (codes asked for, and wrong codes typed).
LAPOR_CITIZEN_CODE_MINUTES = env_int("LAPOR_CITIZEN_CODE_MINUTES", 10, minimum=1, maximum=60)
LAPOR_CITIZEN_CODES_PER_HOUR = env_int("LAPOR_CITIZEN_CODES_PER_HOUR", 5, minimum=1)
LAPOR_CITIZEN_CLIENT_CODES_PER_HOUR = env_int("LAPOR_CITIZEN_CLIENT_CODES_PER_HOUR", 30, minimum=1)
# A phone number proven by a code brings the reports it filed by SMS or WhatsApp this many days
# before, and those it files until this many days after (operators give an unused number to
# someone else: an old holder's reports never reach the new holder's account, nor the other way).
LAPOR_CITIZEN_PHONE_LINK_DAYS = env_int("LAPOR_CITIZEN_PHONE_LINK_DAYS", 90, minimum=1, maximum=365)
# The SMS code leaves through this provider's sender, from this number of the hub's.
LAPOR_CITIZEN_SMS_PROVIDER = env_str("LAPOR_CITIZEN_SMS_PROVIDER", "kannel")
if LAPOR_CITIZEN_SMS_PROVIDER not in LAPOR_CHANNEL_SENDERS:
    raise ImproperlyConfigured(
        f"LAPOR_CITIZEN_SMS_PROVIDER must be one of {sorted(LAPOR_CHANNEL_SENDERS)}, got {LAPOR_CITIZEN_SMS_PROVIDER!r}"
    )
LAPOR_CITIZEN_SMS_FROM = env_str("LAPOR_CITIZEN_SMS_FROM", "1708")
# The app's tokens (django-rest-knox): valid this many days after their last use.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("LAPOR_CITIZEN_TOKEN_DAYS", 90, minimum=1, maximum=3650)),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 3600,  # a token's expiry is written at most once an hour
    "TOKEN_PREFIX": "lapor_",  # recognisable by secret scanners
    "AUTH_HEADER_PREFIX": "Token",
}

# --- e-mail ---------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    # Local runs: every message is written to var/mail/ so it can be read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# Celery queue for notification batches (empty: the default queue every worker consumes).
LAPOR_NOTIFICATION_QUEUE = env_str("LAPOR_NOTIFICATION_QUEUE")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LAPOR! <no-reply@lapor.localhost>")

# --- observability (lapor.metrics, lapor.logs) -----------------------------------------------------
# /metrics on the hub's host: to these addresses (not through a proxy) or with this bearer token.
LAPOR_METRICS_TOKEN = env_str("LAPOR_METRICS_TOKEN").strip()
LAPOR_METRICS_ALLOWED_ADDRESSES = env_list("LAPOR_METRICS_ALLOWED_ADDRESSES", ["127.0.0.1/32", "::1/128"])
# Figures read from the database at scrape time (one collector per owner, by dotted path).
LAPOR_METRICS_COLLECTORS = [
    "sync.collectors.SyncCollector",
    "deadlines.collectors.DeadlineCollector",
    "lapor.broker.BrokerDeadLetterCollector",
]
# A Celery worker on a host without the web tier serves its own metrics here (0: not served).
LAPOR_WORKER_METRICS_PORT = env_int("LAPOR_WORKER_METRICS_PORT", 0, minimum=0, maximum=65535)
LAPOR_WORKER_METRICS_ADDRESS = env_str("LAPOR_WORKER_METRICS_ADDRESS", "127.0.0.1")
# JSON lines (production's default) or aligned text for a person at a terminal (`make run`'s default).
LAPOR_LOG_FORMAT = env_str("LAPOR_LOG_FORMAT", "console" if env_bool("LAPOR_LOCAL", True) else "json").strip().lower()
if LAPOR_LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured(f"LAPOR_LOG_FORMAT must be json or console, got {LAPOR_LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "lapor.logs.formatter", "fmt": LAPOR_LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env_str("LAPOR_LOG_LEVEL", "INFO").upper()},
    # axes logs every failed login at INFO; the failures are kept in its tables (AccessAttempt, AccessFailureLog).
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
