from home.protection import HoneypotMixin, rate_limited


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
