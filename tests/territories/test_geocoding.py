import logging

import pytest

from territories.geocoding import GeocodeResult, geocode
from territories.models import Commune

from .ban_server import BanReply, ban_collection, ban_feature, closed_port_url

pytestmark = pytest.mark.django_db

AUCH_HOUSE = ban_feature(
    label="12 Rue Gambetta 32000 Auch",
    name="12 Rue Gambetta",
    housenumber="12",
    street="Rue Gambetta",
    lon=0.586,
    lat=43.6465,
    score=0.96,
    kind="housenumber",
    citycode="32013",
    postcode="32000",
    city="Auch",
)


def auch_centroid_result(label="Auch (32000)"):
    auch = Commune.objects.get(insee_code="32013")
    return GeocodeResult(
        latitude=auch.latitude,
        longitude=auch.longitude,
        label=label,
        precision="commune",
        commune_insee="32013",
        source="gazetteer",
    )


def test_house_number_hit(gers, fake_ban):
    fake_ban.reply = BanReply(body=ban_collection("12 rue gambetta auch", AUCH_HOUSE))

    result = geocode("12 rue Gambetta", postcode="32000", commune="Auch")

    assert result == GeocodeResult(
        latitude=43.6465,
        longitude=0.586,
        label="12 Rue Gambetta 32000 Auch",
        precision="housenumber",
        commune_insee="32013",
        source="ban",
    )
    assert fake_ban.paths == ["/search/"]
    (params,) = fake_ban.requests
    assert params["q"] == ["12 rue Gambetta 32000 Auch"]
    assert params["limit"] == ["1"]
    assert params["citycode"] == ["32013"]


def test_commune_by_insee_code_and_no_citycode_without_commune(gers, fake_ban):
    fake_ban.reply = BanReply(body=ban_collection("q", AUCH_HOUSE))
    geocode("12 rue Gambetta 32000 Auch")
    geocode("12 rue Gambetta", commune="32013")
    assert "citycode" not in fake_ban.requests[0]
    assert fake_ban.requests[0]["q"] == ["12 rue Gambetta 32000 Auch"]
    assert fake_ban.requests[1]["citycode"] == ["32013"]
    assert fake_ban.requests[1]["q"] == ["12 rue Gambetta Auch"]


@pytest.mark.parametrize(("ban_type", "precision"), [("street", "street"), ("locality", "street")])
def test_street_and_locality_precision(gers, fake_ban, ban_type, precision):
    feature = ban_feature(
        label="Rue Gambetta 32000 Auch",
        lon=0.5855,
        lat=43.6462,
        score=0.8,
        kind=ban_type,
        citycode="32013",
        postcode="32000",
        city="Auch",
    )
    fake_ban.reply = BanReply(body=ban_collection("rue gambetta auch", feature))
    result = geocode("rue Gambetta 32000 Auch")
    assert (result.precision, result.source) == (precision, "ban")


def test_municipality_precision(gers, fake_ban):
    feature = ban_feature(
        label="Mirande",
        lon=0.4039,
        lat=43.5147,
        score=0.9,
        kind="municipality",
        citycode="32256",
        postcode="32300",
        city="Mirande",
    )
    fake_ban.reply = BanReply(body=ban_collection("mirande", feature))
    result = geocode("Mirande")
    assert (result.precision, result.source, result.commune_insee) == ("commune", "ban", "32256")


def test_low_score_falls_back_to_gazetteer(gers, fake_ban, caplog):
    weak = ban_feature(
        label="Rue Inconnue 32000 Auch",
        lon=0.59,
        lat=43.65,
        score=0.31,
        kind="street",
        citycode="32013",
        postcode="32000",
        city="Auch",
    )
    fake_ban.reply = BanReply(body=ban_collection("rue inconnue auch", weak))

    with caplog.at_level(logging.WARNING, logger="territories.geocoding"):
        result = geocode("8 rue qui n'existe pas", postcode="32000")

    assert result == auch_centroid_result()
    assert "score too low" in caplog.text
    # Addresses may be a resident's home: never logged.
    assert "existe" not in caplog.text


def test_result_outside_the_gers_is_rejected(gers, fake_ban, caplog):
    toulouse = ban_feature(
        label="12 Rue Gambetta 31000 Toulouse",
        lon=1.4437,
        lat=43.6045,
        score=0.95,
        kind="housenumber",
        citycode="31555",
        postcode="31000",
        city="Toulouse",
    )
    fake_ban.reply = BanReply(body=ban_collection("12 rue gambetta", toulouse))

    with caplog.at_level(logging.WARNING, logger="territories.geocoding"):
        result = geocode("12 rue Gambetta Mirande")

    assert result.source == "gazetteer"
    assert result.commune_insee == "32256"
    assert "outside the Gers" in caplog.text


def test_slow_server_times_out_and_falls_back(gers, fake_ban, settings, caplog):
    import time

    settings.GEOCODER_TIMEOUT = 0.2
    fake_ban.reply = BanReply(body=ban_collection("q", AUCH_HOUSE), delay=1.5)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="territories.geocoding"):
        result = geocode("12 rue Gambetta", commune="Auch")
    elapsed = time.monotonic() - started

    assert result == auch_centroid_result()
    assert elapsed < 1.0
    assert "timed out" in caplog.text
    assert len(fake_ban.requests) == 1  # the request did reach the server


def test_server_error_falls_back(gers, fake_ban, caplog):
    fake_ban.reply = BanReply(status=500, body=b"<h1>Internal Server Error</h1>", content_type="text/html")
    with caplog.at_level(logging.WARNING, logger="territories.geocoding"):
        result = geocode("12 rue Gambetta", postcode="32000")
    assert result == auch_centroid_result()
    assert "HTTP status 500" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": "FeatureCollection", "features": [',
        b"not json at all",
        b"",
        b"[]",
        b'{"type": "FeatureCollection"}',
        b'{"features": [{"type": "Feature"}]}',
        b'{"features": [{"geometry": {"coordinates": ["a", "b"]}, "properties": {"score": 1}}]}',
        b'{"features": [{"geometry": {"coordinates": [0.5]}, "properties": {"score": 1}}]}',
        b'{"features": [{"geometry": {"coordinates": [0.5, 43.6]}, "properties": "nope"}]}',
        b'{"features": [{"geometry": {"coordinates": [0.5, 43.6]}, "properties": {"score": "NaN"}}]}',
        b'{"features": [{"geometry": {"coordinates": [500, 43.6]}, "properties": {"score": 1,'
        b' "citycode": "32013", "type": "housenumber"}}]}',
        b'{"features": [{"geometry": {"coordinates": [0.5, 43.6]}, "properties": {"score": 1,'
        b' "citycode": "32013", "type": "poi"}}]}',
    ],
)
def test_malformed_json_falls_back(gers, fake_ban, body):
    fake_ban.reply = BanReply(body=body)
    assert geocode("12 rue Gambetta", postcode="32000") == auch_centroid_result()


def test_no_feature_falls_back(gers, fake_ban):
    fake_ban.reply = BanReply(body=ban_collection("zz"))
    assert geocode("lieu-dit inconnu", commune="Eauze").commune_insee == "32119"


def test_closed_port_falls_back(gers, settings, caplog):
    settings.BAN_API_URL = closed_port_url()
    settings.GEOCODER_TIMEOUT = 2
    with caplog.at_level(logging.WARNING, logger="territories.geocoding"):
        result = geocode("12 rue Gambetta", postcode="32000")
    assert result == auch_centroid_result()
    assert "network error" in caplog.text


def test_malformed_base_url_falls_back(gers, settings):
    settings.BAN_API_URL = "http://[not a host"
    assert geocode("Auch").source == "gazetteer"


def test_ban_disabled_never_calls_it(gers, fake_ban, settings):
    settings.GEOCODER_BAN_ENABLED = False
    fake_ban.reply = BanReply(body=ban_collection("q", AUCH_HOUSE))
    assert geocode("12 rue Gambetta", postcode="32000") == auch_centroid_result()
    assert fake_ban.requests == []


def test_fallback_order_commune_then_postcode_then_text(gers, settings):
    settings.GEOCODER_BAN_ENABLED = False
    assert geocode("place de la Mairie", postcode="32000", commune="Mirande").commune_insee == "32256"
    assert geocode("place de la Mairie", postcode="32300").label == "Mirande (32300)"
    # The postcode is shared: the address names which commune.
    assert geocode("rue du Château, Orbessan", postcode="32260").commune_insee == "32300"
    assert geocode("rue du Château, L'Isle-Jourdain").commune_insee == "32160"
    assert geocode("rue du Château", commune=Commune.objects.get(insee_code="32119")).commune_insee == "32119"


@pytest.mark.parametrize("timeout", ["abc", None, -1, 0, float("nan")])
def test_mistyped_timeout_setting_uses_the_default(gers, fake_ban, settings, timeout):
    settings.GEOCODER_TIMEOUT = timeout
    fake_ban.reply = BanReply(body=ban_collection("q", AUCH_HOUSE))
    assert geocode("12 rue Gambetta", commune="Auch").source == "ban"


def test_long_address_and_spaced_postcode(gers, settings):
    settings.GEOCODER_BAN_ENABLED = False
    address = "Maison des solidarités, bâtiment B, deuxième étage, porte au fond du couloir à gauche, " * 2
    assert geocode(address + "Mirande").commune_insee == "32256"
    assert geocode("place de la Mairie", postcode="32 000").commune_insee == "32013"


def test_nothing_matches(gers, fake_ban):
    fake_ban.reply = BanReply(body=ban_collection("zz"))
    assert geocode("10 Downing Street, London") is None


@pytest.mark.parametrize(
    ("address", "postcode", "commune"),
    [
        (None, None, None),
        ("", "", ""),
        ("%", None, None),
        ("x" * 10_000, "x" * 1000, "y" * 1000),
        ("--", None, None),
        ("\x00\x01", "\x00", "\x00"),
        (12, 32000, 32013),
        ("🙂🙂🙂", None, object()),
    ],
)
def test_bad_input_never_raises(gers, fake_ban, address, postcode, commune):
    fake_ban.reply = BanReply(body=ban_collection("zz"))
    result = geocode(address, postcode=postcode, commune=commune)
    assert result is None or isinstance(result, GeocodeResult)


def test_short_query_skips_the_ban(gers, fake_ban):
    assert geocode("--") is None
    assert fake_ban.requests == []
