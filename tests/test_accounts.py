"""Login lockout (django-axes) on every login entry point, its lifting by staff, and limited reset e-mails."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection

from directory.partners.moderation import STAFF_GROUP, ensure_groups_and_workflow
from tests.conftest import require_part

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bon-mot-de-passe-42"
LOCKED = "ce compte est bloqué"
ENTRY_POINTS = ["/admin/login/", "/_util/login/"]


@pytest.fixture
def partner(django_user_model):
    return django_user_model.objects.create_user("benevole", "benevole@exemple.org", PASSWORD, is_active=True)


def guess(client, url, password, **extra):
    return client.post(url, {"username": "benevole", "password": password}, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENTRY_POINTS)
def test_fifteen_wrong_passwords_lock_the_account_on_every_login_page(client, partner, url):
    for _attempt in range(15):
        assert guess(client, url, "mauvais").status_code in {200, 429}
    refused = guess(client, url, PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # The lockout holds on the other login page too: it is the account's, not the page's.
    for other in ENTRY_POINTS:
        assert "_auth_user_id" not in client.session
        assert LOCKED in guess(client, other, PASSWORD).content.decode()


@pytest.mark.django_db
def test_a_few_typos_then_the_right_password_still_log_in(client, partner):
    for _attempt in range(3):
        guess(client, "/admin/login/", "mauvais")
    assert guess(client, "/admin/login/", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)


@pytest.mark.django_db
def test_staff_lift_a_lockout_in_the_admin(client, partner, django_user_model):
    for _attempt in range(15):
        guess(client, "/_util/login/", "mauvais")
    assert guess(client, "/_util/login/", PASSWORD).status_code == 429

    ensure_groups_and_workflow()
    staff = django_user_model.objects.create_user("equipe", "equipe@exemple.org", PASSWORD)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    from django.test import Client

    admin = Client()
    admin.force_login(staff)
    listing = admin.get("/admin/connexions-bloquees/")
    assert listing.status_code == 200
    assert "benevole" in listing.content.decode()
    assert "Adresse IP" in listing.content.decode()
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="benevole")
    confirm = admin.get(f"/admin/connexions-bloquees/delete/{attempt.pk}/")
    assert confirm.status_code == 200
    assert admin.post(f"/admin/connexions-bloquees/delete/{attempt.pk}/").status_code == 302

    assert guess(client, "/admin/login/", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)


@pytest.mark.django_db
def test_partners_cannot_see_or_lift_lockouts(client, partner):
    ensure_groups_and_workflow()
    from directory.partners.moderation import PARTNERS_GROUP

    partner.groups.add(Group.objects.get(name=PARTNERS_GROUP))
    client.force_login(partner)
    assert client.get("/admin/connexions-bloquees/").status_code in {302, 403}


@pytest.mark.django_db
def test_reset_emails_are_limited_per_address_and_per_client(client, partner, settings):
    settings.PASSWORD_RESET_ADDRESS_RATE_LIMIT = 3
    settings.PASSWORD_RESET_RATE_LIMIT = 5
    url = "/admin/password_reset/"
    answers = [client.post(url, {"email": "benevole@exemple.org"}).status_code for _ in range(6)]
    assert answers == [302, 302, 302, 429, 429, 429]
    assert len(mail.outbox) == 3
    refused = client.post(url, {"email": "benevole@exemple.org"})
    assert "Trop de demandes de réinitialisation" in refused.content.decode()
    # Another client asking for the same address is refused too: the mailbox is what is protected.
    assert client.post(url, {"email": "benevole@exemple.org"}, REMOTE_ADDR="10.0.0.7").status_code == 429
    # One client is limited whatever addresses it asks for (it already made 8 requests).
    assert client.post(url, {"email": "autre@exemple.org"}).status_code == 429
    assert len(mail.outbox) == 3


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

COUNT_IN_A_PROCESS = """
import django
django.setup()
from django.conf import settings
from django.test import RequestFactory
from core.protection import rate_limited
request = RequestFactory().post("/admin/password_reset/", REMOTE_ADDR="192.0.2.44")
print(settings.CACHES["default"]["BACKEND"])
print(" ".join(str(rate_limited(request, "shared-test", 5, 3600)) for _ in range(3)))
"""


def redis_available():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


def test_with_redis_two_processes_share_one_count():
    """Gunicorn's workers are separate processes: with REDIS_URL they count the same client's requests together."""
    require_part(redis_available(), f"no Redis at {REDIS_URL}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "REDIS_URL": REDIS_URL}
    runs = [
        subprocess.run(
            [sys.executable, "-c", COUNT_IN_A_PROCESS],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.splitlines()
        for _process in range(2)
    ]
    redis.Redis.from_url(REDIS_URL).flushdb()
    assert runs[0] == ["django.core.cache.backends.redis.RedisCache", "False False False"]
    # The second process goes on from the first one's three hits: the sixth is over the limit of five.
    assert runs[1] == ["django.core.cache.backends.redis.RedisCache", "False False True"]


LOGIN_IN_A_PROCESS = """
import django
django.setup()
from django.test import Client
client = Client(REMOTE_ADDR="192.0.2.55")
for _ in range({wrong}):
    client.post("/admin/login/", {{"username": "benevole", "password": "mauvais"}})
if {then_right}:
    print(client.post("/admin/login/", {{"username": "benevole", "password": "{password}"}}).status_code)
"""


@pytest.mark.django_db(transaction=True)
def test_lockout_counts_are_shared_by_processes_through_the_database(partner, settings):
    """django-axes keeps failures in the database: two processes (two workers), each with its own local-memory
    cache, add up to one count."""
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database cannot be opened by another process")
    database = connection.settings_dict
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    url = f"postgres://{database['USER']}@{host}:{port}/{database['NAME']}"
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=url)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]

    def run(wrong, then_right):
        code = LOGIN_IN_A_PROCESS.format(wrong=wrong, then_right=then_right, password=PASSWORD)
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    limit = settings.AXES_FAILURE_LIMIT
    # Neither process alone reaches the limit; together they do.
    run(limit - 3, then_right=False)
    assert run(3, then_right=True) == "429"


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["", "pas-une-adresse"])
def test_a_request_without_a_usable_address_still_logs_in(partner, address):
    from django.test import Client

    client = Client(REMOTE_ADDR=address)
    assert guess(client, "/admin/login/", "mauvais").status_code == 200
    assert guess(client, "/admin/login/", PASSWORD).status_code == 302
    client.force_login(partner)


@pytest.mark.django_db
def test_a_private_page_password_is_limited_per_client(client, home, settings):
    from wagtail.models import PageViewRestriction

    settings.LOGIN_RATE_LIMIT = 10
    restriction = PageViewRestriction.objects.create(
        page=home, restriction_type="password", password="secret-42"
    )
    url = f"/_util/authenticate_with_password/{restriction.pk}/{home.pk}/"
    for _attempt in range(15):
        client.post(url, {"password": "mauvais", "return_url": "/"})
    refused = client.post(url, {"password": "secret-42", "return_url": "/"})
    assert refused.status_code == 429
    assert "Trop de mots de passe essayés" in refused.content.decode()
    assert restriction.pk not in client.session.get(
        PageViewRestriction.passed_view_restrictions_session_key, []
    )
    # Another client with the right password gets in.
    other = client.post(url, {"password": "secret-42", "return_url": "/"}, REMOTE_ADDR="10.0.0.8")
    assert other.status_code == 302


@pytest.mark.django_db
def test_a_new_password_from_the_reset_email_lifts_the_lockout(client, partner):
    import re

    for _attempt in range(15):
        guess(client, "/admin/login/", "mauvais")
    assert guess(client, "/admin/login/", PASSWORD).status_code == 429

    assert client.post("/admin/password_reset/", {"email": "benevole@exemple.org"}).status_code == 302
    link = re.search(r"http://\S+/admin/password_reset/confirm/\S+/", mail.outbox[-1].body).group(0)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new_password = "nouveau-mot-de-passe-77"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302

    assert guess(client, "/admin/login/", new_password).status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)
