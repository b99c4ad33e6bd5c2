"""Test runs: fast hashing, in-memory e-mail, immediate tasks; the database comes from DATABASE_URL if set."""

from .base import *  # noqa: F401
from .env import env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY") or "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = BASE_DIR / ".test-media"
ALLOWED_HOSTS = ["*"]
# Tests must never reach the internet: no map tiles from elsewhere.
MAP_TILE_URL = ""
GEOCODER_BAN_ENABLED = False
# Static files come from the finders (runserver, live test servers): nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
