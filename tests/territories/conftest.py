import pytest

from .ban_server import closed_port_url, running_fake_ban


@pytest.fixture(autouse=True)
def _geocoder_offline(settings):
    # No territories test may reach the real BAN: tests that want one start their own server.
    settings.BAN_API_URL = closed_port_url()
    settings.GEOCODER_TIMEOUT = 0.5
    # The test settings switch the BAN off for the rest of the suite; here it is on, against local servers.
    settings.GEOCODER_BAN_ENABLED = True


@pytest.fixture
def fake_ban(settings):
    """A local BAN server; settings point the geocoder at it. Set ``fake_ban.reply`` to choose its answer."""
    with running_fake_ban() as state:
        settings.BAN_API_URL = state.url
        settings.GEOCODER_TIMEOUT = 2
        settings.GEOCODER_BAN_ENABLED = True
        yield state
