"""Local development: debug on, a throwaway secret key, e-mails on the console."""

from .base import *  # noqa: F401
from .env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY") or "dev-only-secret-key-not-for-production"
# Static files come from the finders (runserver, live test servers): nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
