"""Settings of the real worker (`manage.py db_worker`) started by the crash tests, in its own process.

The test settings, plus: django-tasks' database backend, the test database the test process shares (a SQLite file
or PostgreSQL's test database) and the loopback SMTP server, both named by the environment.
"""

import os

from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DATABASES["default"]["NAME"] = os.environ["NEWSLETTER_TEST_DATABASE"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["NEWSLETTER_TEST_SMTP_PORT"])
EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
EMAIL_USE_TLS = EMAIL_USE_SSL = False
EMAIL_TIMEOUT = 30
SITE_URL = "https://gers.example"
