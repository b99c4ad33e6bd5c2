"""Production settings: refuse to start unsafely, and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"


def run_manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="gerssolidaire.org")
    assert result.returncode != 0
    assert "SECRET_KEY doit être défini" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS doit lister" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="gerssolidaire.org"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_bad_boolean_environment_value_is_named(value):
    result = run_manage(
        "check", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="gerssolidaire.org", SECURE_SSL_REDIRECT=value
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT doit valoir true ou false" in result.stderr


def test_settings_read_backing_services_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);print(s.CACHES['default']['BACKEND']);"
        "print(s.EMAIL_BACKEND);print(s.WAGTAILSEARCH_BACKENDS['default']['BACKEND'])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL="postgres://u:p@db.example:5432/gs",
        REDIS_URL="redis://127.0.0.1:6379/1",
        EMAIL_URL="smtp://user:pass@mail.example:587/?tls=True",
        ELASTICSEARCH_URL="http://127.0.0.1:9200",
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "django.core.cache.backends.redis.RedisCache",
        "django.core.mail.backends.smtp.EmailBackend",
        "core.search_backend",
    ]


def test_an_email_provider_through_anymail_is_configured_from_the_environment():
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ANYMAIL_", "EMAIL_"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        EMAIL_BACKEND="anymail.backends.brevo.EmailBackend",
        ANYMAIL_BREVO_API_KEY="cle-de-test",
        ANYMAIL_WEBHOOK_SECRET="utilisateur:secret",
    )
    code = (
        "import django;django.setup();from django.conf import settings as s;from django.urls import resolve;"
        "print(s.EMAIL_BACKEND);print(sorted(s.ANYMAIL.items()));"
        "print(resolve('/lettre/anymail/brevo/tracking/').namespace)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "anymail.backends.brevo.EmailBackend",
        "[('BREVO_API_KEY', 'cle-de-test'), ('WEBHOOK_SECRET', 'utilisateur:secret')]",
        "newsletter:anymail",
    ]
