"""Settings shared by every environment. Backing services are switched on by environment variables."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Ours first so our templates (404, 500, admin overrides) take precedence.
    "home",
    "search",
    "territories",
    "directory",
    "observatory",
    "newsletter",
    "news",
    "forms",
    "core",
    "wagtailgeowidget",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Open data: the API answers other origins (GET only, no credentials).
    "directory.api.endpoints.OpenDataCorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.csp.SiteCSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Turns a refused login of a locked account into the lockout page (core.login_limits.account_locked_response).
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked account before the password is even checked, on every login view.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "core.site_url.context",
            ],
        },
    },
]

# Database: embedded SQLite unless DATABASE_URL names another one (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write-ahead log: the web server reads while the worker writes, and a commit costs one fsync instead of the
    # rollback journal's several. synchronous=FULL keeps every commit durable (the newsletter's no-duplicate
    # guarantee relies on its claims surviving a crash of the machine, not only of the process).
    # The web server and the worker (`make worker`) both write: a deferred transaction that read first cannot
    # take the write lock once the other commits ("database is locked" at once, whatever the timeout), so every
    # transaction takes it when it begins (IMMEDIATE) and waits up to `timeout` seconds for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
        transaction_mode="IMMEDIATE",
        timeout=20,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory unless REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# E-mail: console unless EMAIL_URL is set (smtp://user:pass@host:587/?tls=True, console:, file:/path…).
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    vars().update(dj_email_url.parse(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# An e-mail provider through django-anymail: EMAIL_BACKEND names its backend (for example
# anymail.backends.brevo.EmailBackend) and every ANYMAIL_<SETTING> variable becomes ANYMAIL["<SETTING>"]
# (ANYMAIL_BREVO_API_KEY, ANYMAIL_WEBHOOK_SECRET…). The bounce and complaint webhooks need the secret.
if env_str("EMAIL_BACKEND"):
    EMAIL_BACKEND = env_str("EMAIL_BACKEND")
ANYMAIL = {
    name[len("ANYMAIL_") :]: value for name, value in os.environ.items() if name.startswith("ANYMAIL_")
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Gers Solidaire <ne-pas-repondre@gerssolidaire.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# Search: database backend by default; Elasticsearch when ELASTICSEARCH_URL is set. Short timeouts and no
# retries: when the cluster is unreachable, searches fall back to the database instead of keeping a page waiting.
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "gers-solidaire-")
ELASTICSEARCH_TIMEOUT = float(env_str("ELASTICSEARCH_TIMEOUT") or 2)
# After a failure the cluster counts as down for this long (s): searches go to the database without waiting again.
ELASTICSEARCH_RETRY_AFTER = float(env_str("ELASTICSEARCH_RETRY_AFTER") or 30)
# French text for Wagtail's page indexes: elision, accent folding, stop words, light stemming. The directory's
# own index (directory/search/index.py) defines the same analyzer with elasticsearch.dsl; a test compares them.
ELASTICSEARCH_FRENCH_ANALYSIS = {
    "filter": {
        "french_elision": {
            "type": "elision",
            "articles_case": True,
            "articles": ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"],
        },
        "french_stop": {"type": "stop", "stopwords": "_french_"},
        "french_stemmer": {"type": "stemmer", "language": "light_french"},
    },
    "analyzer": {
        "french_folded": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["french_elision", "lowercase", "french_stop", "asciifolding", "french_stemmer"],
        }
    },
}


def elasticsearch_backends(url, prefix=ELASTICSEARCH_INDEX_PREFIX, timeout=ELASTICSEARCH_TIMEOUT):
    return {
        "default": {
            # Elasticsearch 9, falling back to the "database" backend below when the cluster does not answer.
            "BACKEND": "core.search_backend",
            "URLS": [url],
            "INDEX_PREFIX": prefix,
            "TIMEOUT": timeout,
            "OPTIONS": {"max_retries": 0, "retry_on_timeout": False},
            "INDEX_SETTINGS": {
                "settings": {
                    "analysis": {
                        "filter": ELASTICSEARCH_FRENCH_ANALYSIS["filter"],
                        # Every text field without an analyzer of its own gets this one.
                        "analyzer": {"default": ELASTICSEARCH_FRENCH_ANALYSIS["analyzer"]["french_folded"]},
                    }
                }
            },
        },
        # Kept up to date too, for the fallback (core/search_backend.py).
        "database": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "french_unaccent"},
    }


if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = elasticsearch_backends(ELASTICSEARCH_URL)
else:
    # SEARCH_CONFIG applies on PostgreSQL only: French stemming after accent folding, a configuration created by
    # search/migrations/0001 (unaccent extension). SQLite's FTS5 folds accents itself; search/text.py adds light
    # French stemming to the query there.
    WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "french_unaccent"}
    }

# Geocoding: the Base Adresse Nationale, with the offline commune gazetteer as the fallback.
BAN_API_URL = env_str("BAN_API_URL", "https://api-adresse.data.gouv.fr")
GEOCODER_BAN_ENABLED = env_bool("GEOCODER_BAN_ENABLED", True)
GEOCODER_TIMEOUT = float(env_int("GEOCODER_TIMEOUT", 3))

# Form pages: where notifications go when a page names no address, how long submissions are kept (RGPD;
# `manage.py purge_form_submissions` daily), and how many submissions one client may send per period.
FORMS_NOTIFICATION_EMAIL = env_str("FORMS_NOTIFICATION_EMAIL", "gerssolidaire@gerssolidaire.org")
FORM_SUBMISSION_RETENTION_DAYS = env_int("FORM_SUBMISSION_RETENTION_DAYS", 365)
FORMS_RATE_LIMIT = env_int("FORMS_RATE_LIMIT", 5)
FORMS_RATE_LIMIT_PERIOD = env_int("FORMS_RATE_LIMIT_PERIOD", 600)

# Login attempts per client and period (seconds), every account together (cache).
LOGIN_RATE_LIMIT = env_int("LOGIN_RATE_LIMIT", 10)
LOGIN_RATE_PERIOD = env_int("LOGIN_RATE_PERIOD", 600)
# Lockout of one account from one client after so many failed logins in a row (django-axes, counted in the
# database, so every gunicorn worker sees the same count, Redis or not). It lifts by itself after
# LOGIN_LOCKOUT_MINUTES, or when staff lift it in the admin (Paramètres > Connexions bloquées).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 8)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.login_limits.account_locked_response"
AXES_CLIENT_IP_CALLABLE = "core.login_limits.axes_client_ip"
# Successful logins are not recorded: the admin's history is enough, and it is personal data (RGPD).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Password-reset e-mails per client and per address, and period (seconds).
PASSWORD_RESET_RATE_LIMIT = env_int("PASSWORD_RESET_RATE_LIMIT", 5)
PASSWORD_RESET_ADDRESS_RATE_LIMIT = env_int("PASSWORD_RESET_ADDRESS_RATE_LIMIT", 3)
PASSWORD_RESET_RATE_PERIOD = env_int("PASSWORD_RESET_RATE_PERIOD", 3600)

# Partners: invitations, freshness reminders and public error reports.
DIRECTORY_INVITATION_MAX_AGE_DAYS = env_int("DIRECTORY_INVITATION_MAX_AGE_DAYS", 14)
DIRECTORY_REMINDER_AFTER_MONTHS = env_int("DIRECTORY_REMINDER_AFTER_MONTHS", 6)
DIRECTORY_STALE_AFTER_MONTHS = env_int("DIRECTORY_STALE_AFTER_MONTHS", 12)
DIRECTORY_CONFIRMATION_MAX_AGE_DAYS = env_int("DIRECTORY_CONFIRMATION_MAX_AGE_DAYS", 60)
DIRECTORY_REPORT_RATE_LIMIT = env_int("DIRECTORY_REPORT_RATE_LIMIT", 5)
DIRECTORY_REPORT_RATE_PERIOD = env_int("DIRECTORY_REPORT_RATE_PERIOD", 3600)
# Staff who receive public error reports (comma-separated), besides the organisation concerned.
DIRECTORY_REPORTS_EMAIL = env_str("DIRECTORY_REPORTS_EMAIL", FORMS_NOTIFICATION_EMAIL)

# Newsletter (see newsletter/sending.py): double opt-in links expire; sending is paced, batched and retried.
NEWSLETTER_CONFIRMATION_MAX_AGE = env_int("NEWSLETTER_CONFIRMATION_MAX_AGE", 7 * 24 * 3600)
NEWSLETTER_RATE_PER_MINUTE = env_int("NEWSLETTER_RATE_PER_MINUTE", 300)  # 0: no pacing
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 100)
NEWSLETTER_MAX_ATTEMPTS = env_int("NEWSLETTER_MAX_ATTEMPTS", 4)
NEWSLETTER_RETRY_BACKOFF = env_int("NEWSLETTER_RETRY_BACKOFF", 120)  # seconds, doubled at each new attempt
NEWSLETTER_LEASE_SECONDS = env_int("NEWSLETTER_LEASE_SECONDS", 120)
NEWSLETTER_SMTP_TIMEOUT = env_int("NEWSLETTER_SMTP_TIMEOUT", 30)
# Parallel SMTP connections of one send; a crash leaves at most one uncertain recipient per connection.
NEWSLETTER_SMTP_CONNECTIONS = env_int("NEWSLETTER_SMTP_CONNECTIONS", 4)
NEWSLETTER_SUBSCRIBE_RATE_LIMIT = env_int("NEWSLETTER_SUBSCRIBE_RATE_LIMIT", 5)
NEWSLETTER_SUBSCRIBE_RATE_PERIOD = env_int("NEWSLETTER_SUBSCRIBE_RATE_PERIOD", 3600)
NEWSLETTER_PENDING_RETENTION_DAYS = env_int("NEWSLETTER_PENDING_RETENTION_DAYS", 30)
NEWSLETTER_FROM_EMAIL = env_str("NEWSLETTER_FROM_EMAIL")  # empty: DEFAULT_FROM_EMAIL
NEWSLETTER_UNSUBSCRIBE_MAILTO = env_str("NEWSLETTER_UNSUBSCRIBE_MAILTO", "desinscription@gerssolidaire.org")

# Background work: django-tasks with its database backend and `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français")]
WAGTAIL_CONTENT_LANGUAGES = [("fr", "Français")]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Leaflet and its marker-cluster plugin come from their XStatic packages, never from a CDN (see DESIGN.md).
STATICFILES_DIRS = [
    SITE_DIR / "static",
    ("leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "Gers Solidaire"
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "docx", "xlsx", "csv", "txt"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Pixels, not bytes, cost memory: a 15 KB PNG can decode to 121 megapixels (735 MB and 6 s per thumbnail). 40
# megapixels takes any camera or phone photo (12-24 MP, 45 for a professional body) and a scanned A4 poster at
# 300 dpi (9 MP), while one decoded picture stays under ~160 MB (RGBA) in a gunicorn worker. The site never shows an
# image wider than 2,000 pixels. core/image_uploads.py turns a refusal into a French form error.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "core.image_uploads.ImageForm"
WAGTAILSEARCH_HITS_MAX_AGE = 14
# Slugs in plain ASCII: accented slugs become percent-encoded URLs that are hard to read out or type.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Behind a reverse proxy every request comes from the proxy: rate limits then key on the address it forwards.
RATE_LIMIT_BEHIND_PROXY = env_bool("RATE_LIMIT_BEHIND_PROXY", False)
# No Gravatar: the admin must not send editors' e-mail hashes to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Security headers that hold everywhere; production adds HTTPS-only ones.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A refused form (CSRF) answers with the site's French page, not Django's English one for developers.
CSRF_FAILURE_VIEW = "home.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True

# Public pages: no inline script, nothing from another origin but map tiles.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)


def _origin(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


_TILE_ORIGIN = _origin(MAP_TILE_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"] + ([_TILE_ORIGIN] if _TILE_ORIGIN else []),
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# The Wagtail admin uses inline scripts and styles: a separate, looser policy applies under /admin/ only. Scripts
# and styles still come from this site alone (the place map's Leaflet from XStatic, directory/listings/geowidget.py); the
# map tiles are images from another origin.
ADMIN_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "connect-src": ["'self'", "https:"],
    "font-src": ["'self'", "data:"],
    "frame-src": ["'self'"],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# Map widget in the admin: centred on Auch, not on its default (Stockholm).
GEO_WIDGET_DEFAULT_LOCATION = {"lat": 43.6465, "lng": 0.5855}
GEO_WIDGET_ZOOM = 10
GEO_WIDGET_LEAFLET_TILE_LAYER = MAP_TILE_URL or "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Wagtail logs every page edit at INFO: the admin's history already records them.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # httpx logs request URLs at INFO, and a geocoded URL holds a resident's address.
        "httpx": {"level": "WARNING"},
    },
}
