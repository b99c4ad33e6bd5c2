import math

import pytest

from territories.gazetteer import (
    EARTH_RADIUS_KM,
    bounding_box,
    haversine_km,
    nearest_communes,
    neighbouring_communes,
)
from territories.models import Commune

AUCH = (43.65327, 0.57496)
MIRANDE = (43.51868, 0.41048)


def destination(lat, lon, bearing_deg, distance_km):
    """Point at a distance and bearing on the sphere (independent of the code under test)."""
    delta = distance_km / EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * math.sin(phi2)
    )
    return math.degrees(phi2), (math.degrees(lambda2) + 540) % 360 - 180


def test_haversine_auch_mirande():
    # Between the two communes' area centroids (not town halls): about 20 km as the crow flies.
    distance = haversine_km(*AUCH, *MIRANDE)
    assert distance == pytest.approx(19.987, abs=0.01)
    assert haversine_km(*MIRANDE, *AUCH) == pytest.approx(distance)


def test_haversine_reference_values():
    assert haversine_km(*AUCH, *AUCH) == 0
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.001)
    assert haversine_km(0, 0, 90, 0) == pytest.approx(math.pi / 2 * EARTH_RADIUS_KM)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(111.195, abs=0.001)


@pytest.mark.parametrize(
    "centre", [AUCH, (43.3264, -0.26128), (44.05505, 1.17135), (48.85, 2.35), (-21.1, 55.5)]
)
@pytest.mark.parametrize("radius", [0.5, 15, 100])
def test_bounding_box_contains_the_circle(centre, radius):
    min_lat, max_lat, min_lon, max_lon = bounding_box(*centre, radius)
    for bearing in range(0, 360, 5):
        for fraction in (0.25, 0.5, 0.9, 0.999):
            lat, lon = destination(*centre, bearing, radius * fraction)
            assert haversine_km(*centre, lat, lon) <= radius
            assert min_lat <= lat <= max_lat
            assert min_lon <= lon <= max_lon


def test_bounding_box_is_tight():
    min_lat, max_lat, min_lon, max_lon = bounding_box(*AUCH, 15)
    assert max_lat - min_lat == pytest.approx(2 * 15 / 111.195, rel=1e-3)
    # The box touches the circle: its edges are the circle's extreme latitude and longitude.
    points = [destination(*AUCH, bearing / 10, 15) for bearing in range(3600)]
    assert max(p[0] for p in points) == pytest.approx(max_lat, abs=1e-6)
    assert min(p[0] for p in points) == pytest.approx(min_lat, abs=1e-6)
    assert max(p[1] for p in points) == pytest.approx(max_lon, abs=1e-6)
    assert min(p[1] for p in points) == pytest.approx(min_lon, abs=1e-6)


def test_bounding_box_pole_and_antimeridian():
    assert bounding_box(89.95, 10, 20)[2:] == (-180.0, 180.0)
    assert bounding_box(89.95, 10, 20)[1] == 90.0
    assert bounding_box(0, 179.99, 5)[2:] == (-180.0, 180.0)
    assert bounding_box(*AUCH, 0) == (AUCH[0], AUCH[0], AUCH[1], AUCH[1])


@pytest.mark.parametrize("args", [(math.nan, 0, 1), (0, math.inf, 1), (0, 0, -1)])
def test_bounding_box_rejects_nonsense(args):
    with pytest.raises(ValueError):
        bounding_box(*args)


def brute_force(lat, lon, exclude=None):
    rows = [(haversine_km(lat, lon, c.latitude, c.longitude), c.name, c) for c in Commune.objects.all()]
    return [(d, c) for d, _, c in sorted(rows, key=lambda r: r[:2]) if c != exclude]


@pytest.mark.django_db
def test_nearest_communes(gers):
    found = nearest_communes(*AUCH, limit=5)
    assert found[0].name == "Auch"
    assert found[0].distance_km == pytest.approx(0)
    assert [c.pk for c in found] == [c.pk for _, c in brute_force(*AUCH)[:5]]
    assert [c.distance_km for c in found] == sorted(c.distance_km for c in found)


@pytest.mark.django_db
def test_nearest_communes_far_away_still_exact(gers):
    paris = (48.8566, 2.3522)
    found = nearest_communes(*paris, limit=3)
    expected = brute_force(*paris)[:3]
    assert [c.pk for c in found] == [c.pk for _, c in expected]
    assert found[0].distance_km == pytest.approx(expected[0][0])
    assert nearest_communes(*paris, limit=0) == []


@pytest.mark.django_db
def test_neighbouring_communes(gers):
    auch = Commune.objects.get(insee_code="32013")
    found = neighbouring_communes(auch)
    expected = [(d, c) for d, c in brute_force(auch.latitude, auch.longitude, exclude=auch) if d <= 15][:6]
    assert len(found) == 6
    assert auch not in found
    assert [c.pk for c in found] == [c.pk for _, c in expected]
    assert all(c.distance_km <= 15 for c in found)

    few = neighbouring_communes(auch, radius_km=4, limit=50)
    assert [c.pk for c in few] == [
        c.pk for d, c in brute_force(auch.latitude, auch.longitude, exclude=auch) if d <= 4
    ]
