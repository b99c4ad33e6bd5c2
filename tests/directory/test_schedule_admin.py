"""Tours, recurring stops, stops and closures in the Wagtail admin, through HTTP.

The viewsets of directory.tours.admin are registered by directory.listings.admin (the "Annuaire" group, with
the per-organisation permission policy); until they are, these tests are skipped with that reason.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from directory.tours.models import Stop, StopPattern, StopStatus
from tests.directory.factories import commune
from tests.directory.schedule_factories import StopFactory, StopPatternFactory

MIRANDE, MASSEUBE = "32256", "32242"


def _registered():
    try:
        reverse("wagtailsnippets_directory_stoppattern:generate", args=[1])
        reverse("wagtailsnippets_directory_stop:list")
    except NoReverseMatch:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(
        not _registered(), reason="directory.tours.admin.TOUR_VIEWSETS not registered in wagtail_hooks yet"
    ),
    # The admin's forms list the communes.
    pytest.mark.usefixtures("gers"),
]


def url(model, view, *args):
    return reverse(f"wagtailsnippets_directory_{model}:{view}", args=args)


@pytest.fixture
def pattern(gers):
    return StopPatternFactory(
        rule="Tu[2] 09:00-12:00; PH off", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30)
    )


def test_generate_button_previews_then_creates_the_stops(admin_client, pattern):
    listing = admin_client.get(url("stoppattern", "list"))
    assert listing.status_code == 200
    generate = url("stoppattern", "generate", pattern.pk)
    assert generate in listing.content.decode()
    assert generate in admin_client.get(url("stoppattern", "edit", pattern.pk)).content.decode()

    preview = admin_client.get(generate)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "6 passages seront créés" in body and "mardi 10 mars 2026" in body
    assert not Stop.objects.exists()

    response = admin_client.post(generate)
    assert response.status_code == 302
    assert response["Location"] == url("stop", "list") + f"?pattern={pattern.pk}"
    assert Stop.objects.filter(pattern=pattern).count() == 6
    listing = admin_client.get(response["Location"], follow=True).content.decode()
    assert "6 passages créés" in listing

    # Idempotent through the admin too.
    admin_client.post(generate)
    assert Stop.objects.filter(pattern=pattern).count() == 6


def test_pattern_form_reads_exception_dates(admin_client, pattern):
    data = {
        "tour": pattern.tour.pk,
        "commune": commune(MIRANDE).pk,
        "place_name": "place du Foirail",
        "address": "",
        "latitude": "",
        "longitude": "",
        "rule": "Tu[2] 09:00-12:00; PH off",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
        "exceptions": "14/04/2026\n2026-03-10",
        # Patterns are moderated: staff publish their change (a plain save keeps it as a draft).
        "action-publish": "1",
    }
    response = admin_client.post(url("stoppattern", "edit", pattern.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pattern.refresh_from_db()
    assert pattern.exceptions == ["2026-03-10", "2026-04-14"]
    assert "10/03/2026" in admin_client.get(url("stoppattern", "edit", pattern.pk)).content.decode()

    bad = admin_client.post(url("stoppattern", "edit", pattern.pk), {**data, "exceptions": "30/02/2026"})
    assert bad.status_code == 200 and "Date illisible : « 30/02/2026 »" in bad.content.decode()
    bad_rule = admin_client.post(url("stoppattern", "edit", pattern.pk), {**data, "rule": "tous les mardis"})
    assert "Horaires illisibles" in bad_rule.content.decode()


def stop_form(stop, **overrides):
    data = {
        "tour": stop.tour_id,
        "date": stop.date.isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "commune": stop.commune_id,
        "place_name": stop.place_name,
        "address": "",
        "latitude": "",
        "longitude": "",
        "status": StopStatus.SCHEDULED,
        "cancellation_reason": "",
    }
    data.update(overrides)
    return data


def test_cancelling_a_stop_needs_a_reason(admin_client, gers):
    stop = StopFactory()
    edit = url("stop", "edit", stop.pk)
    response = admin_client.post(edit, stop_form(stop, status=StopStatus.CANCELLED))
    assert response.status_code == 200
    assert "Indiquez le motif de l&#x27;annulation." in response.content.decode()
    stop.refresh_from_db()
    assert stop.status == StopStatus.SCHEDULED

    response = admin_client.post(
        edit,
        # Stops are moderated: staff publish their change (a plain save keeps it as a draft).
        stop_form(stop, status=StopStatus.CANCELLED, cancellation_reason="Panne", **{"action-publish": "1"}),
    )
    assert response.status_code == 302
    stop.refresh_from_db()
    assert (stop.status, stop.cancellation_reason) == (StopStatus.CANCELLED, "Panne")


def test_stop_listing_filters(admin_client, gers):
    a = StopFactory(place_name="Mirande, le 10 mars")
    b = StopFactory(
        tour=a.tour, commune=commune(MASSEUBE), date=dt.date(2026, 4, 14), place_name="Masseube en avril"
    )
    StopFactory(
        tour=a.tour,
        date=dt.date(2026, 5, 12),
        place_name="Mirande annulé",
        status=StopStatus.CANCELLED,
        cancellation_reason="Panne",
    )

    def listed(query):
        body = admin_client.get(url("stop", "list") + "?" + query).content.decode()
        return {
            name for name in ("Mirande, le 10 mars", "Masseube en avril", "Mirande annulé") if name in body
        }

    assert listed("") == {"Mirande, le 10 mars", "Masseube en avril", "Mirande annulé"}
    assert listed(f"commune={b.commune_id}") == {"Masseube en avril"}
    assert listed("status=cancelled") == {"Mirande annulé"}
    assert listed("date_from=2026-04-01&date_to=2026-04-30") == {"Masseube en avril"}
    assert listed(f"tour={a.tour_id}") == {"Mirande, le 10 mars", "Masseube en avril", "Mirande annulé"}


def test_generation_needs_permission(client, django_user_model, pattern):
    user = django_user_model.objects.create_user("lecteur", "lecteur@exemple.org", "motdepasse")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(url("stoppattern", "generate", pattern.pk)).status_code in (302, 403, 404)
    assert client.post(url("stoppattern", "generate", pattern.pk)).status_code in (302, 403, 404)
    assert not Stop.objects.exists()
    assert StopPattern.objects.get(pk=pattern.pk).exceptions == []
