import pytest

from core.protection import HoneypotMixin, rate_limited


class ContactForm(HoneypotMixin):
    pass


def test_honeypot_rejects_robots_only():
    assert ContactForm({"site_web": ""}).is_valid()
    robot = ContactForm({"site_web": "http://spam.example"})
    assert not robot.is_valid() and robot.is_spam


def test_rate_limit_per_client_and_scope(rf):
    first, second = rf.get("/", REMOTE_ADDR="10.0.0.1"), rf.get("/", REMOTE_ADDR="10.0.0.2")
    assert [rate_limited(first, "test", 3, 60) for _ in range(4)] == [False, False, False, True]
    assert rate_limited(second, "test", 3, 60) is False
    assert rate_limited(first, "other", 3, 60) is False


def test_behind_a_proxy_the_forwarded_address_counts(rf, settings):
    settings.RATE_LIMIT_BEHIND_PROXY = True
    # The proxy is 10.0.0.9 for everyone; the client may forge the first entries, not the last.
    one = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.1")
    other = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert [rate_limited(one, "proxy", 1, 60) for _ in range(2)] == [False, True]
    assert rate_limited(other, "proxy", 1, 60) is False


@pytest.mark.django_db
def test_admin_login_is_rate_limited_per_client(client, settings, django_user_model):
    settings.LOGIN_RATE_LIMIT = 3
    django_user_model.objects.create_superuser("admin", "admin@exemple.org", "bon-mot-de-passe-42")
    for _attempt in range(3):
        response = client.post("/admin/login/", {"username": "admin", "password": "mauvais"})
        assert response.status_code == 200
    blocked = client.post("/admin/login/", {"username": "admin", "password": "bon-mot-de-passe-42"})
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another client is not affected.
    other = client.post(
        "/admin/login/", {"username": "admin", "password": "bon-mot-de-passe-42"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302
