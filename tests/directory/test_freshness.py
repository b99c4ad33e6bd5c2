"""Freshness: reminder e-mails (idempotent daily job), signed confirmation links, stale notices and report."""

import datetime as dt
import json
import re
import socket
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail, signing
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertInHTML
from wagtail.models import ModelLogEntry

from directory.partners import freshness
from directory.partners.models import Membership
from tests.directory.factories import OrganisationFactory, ServiceFactory
from tests.html_text import soup, text_of, visible_text

UTC = dt.UTC
T0 = dt.datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
STALE_URL = "/admin/annuaire/a-verifier/"


@pytest.fixture
def clock(time_machine):
    """The clock every reader sees (auto_now fields, Wagtail's publishing and logs, signed links, our code),
    stopped at T0; `clock.move_to(moment)` moves it."""
    time_machine.move_to(T0, tick=False)
    return time_machine


def service_at(clock, moment, **fields):
    clock.move_to(moment)
    service = ServiceFactory(**fields)
    clock.move_to(T0)
    return service


def run_reminders():
    out = StringIO()
    call_command("send_freshness_reminders", stdout=out)
    return out.getvalue()


def links(body, label):
    return re.findall(rf"{label} : (\S+)", body)


def local_path(url):
    return url.removeprefix("http://127.0.0.1:8000")


def actions(service):
    return list(
        ModelLogEntry.objects.for_instance(service)
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def organisations(gers, home, django_user_model):
    a = OrganisationFactory(name="Banque alimentaire", email="contact@banque.org")
    member = django_user_model.objects.create_user("marie", "marie@banque.org", "motdepasse")
    Membership.objects.create(user=member, organisation=a)
    b = OrganisationFactory(name="CCAS de Condom", email="ccas@condom.fr")
    c = OrganisationFactory(name="Collectif sans adresse", email="")
    return a, b, c


def test_months_before_clamps_to_the_end_of_the_month():
    assert freshness.months_before(dt.datetime(2026, 8, 31, 9, tzinfo=UTC), 6) == dt.datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert freshness.months_before(dt.datetime(2024, 3, 31, tzinfo=UTC), 1) == dt.datetime(
        2024, 2, 29, tzinfo=UTC
    )
    assert freshness.months_before(dt.datetime(2026, 1, 15, tzinfo=UTC), 13) == dt.datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_one_reminder_per_service_per_period_whatever_the_number_of_runs(client, clock, organisations):
    a, b, c = organisations
    eight_months_ago = dt.datetime(2025, 10, 10, tzinfo=UTC)
    food = service_at(clock, eight_months_ago, organisation=a, title="Distribution alimentaire")
    clothes = service_at(clock, eight_months_ago, organisation=a, title="Vestiaire solidaire")
    draft = service_at(clock, eight_months_ago, organisation=a, title="Brouillon", live=False)
    recent = service_at(clock, dt.datetime(2026, 4, 1, tzinfo=UTC), organisation=a, title="Épicerie mobile")
    ccas = service_at(clock, eight_months_ago, organisation=b, title="Permanence CCAS")
    service_at(clock, eight_months_ago, organisation=c, title="Sans adresse", email="")

    outputs = [run_reminders() for _ in range(3)]
    assert len(mail.outbox) == 2
    to_a, to_b = sorted(
        mail.outbox, key=lambda message: message.to != ["contact@banque.org", "marie@banque.org"]
    )
    assert to_a.to == ["contact@banque.org", "marie@banque.org"]
    assert to_b.to == ["ccas@condom.fr"]
    assert to_a.subject == "France Contact : vos informations sont-elles toujours exactes ?"
    assert "Distribution alimentaire" in to_a.body and "Vestiaire solidaire" in to_a.body
    assert "Épicerie mobile" not in to_a.body and "Brouillon" not in to_a.body
    assert "Dernière vérification : 10 octobre 2025" in to_a.body
    assert len(links(to_a.body, "Ces informations sont toujours exactes")) == 2
    assert links(to_a.body, r"Mettre à jour \(connexion nécessaire\)") == [
        f"http://127.0.0.1:8000/admin/snippets/directory/service/edit/{food.pk}/",
        f"http://127.0.0.1:8000/admin/snippets/directory/service/edit/{clothes.pk}/",
    ]
    assert "2 rappel(s) envoyé(s) pour 3 fiche(s) non confirmée(s) depuis 6 mois." in outputs[0]
    assert "Banque alimentaire (2 fiche(s)) → contact@banque.org, marie@banque.org" in outputs[0]
    assert "Sans adresse électronique, non prévenue : Collectif sans adresse (1 fiche(s))" in outputs[0]
    assert outputs[1].startswith("0 rappel(s) envoyé(s)") and outputs[2].startswith("0 rappel(s) envoyé(s)")
    food.refresh_from_db()
    assert food.reminder_sent_at == T0
    draft.refresh_from_db()
    assert draft.reminder_sent_at is None

    # Every day for the next month: nothing new.
    for day in range(1, 31):
        clock.move_to(T0 + dt.timedelta(days=day))
        run_reminders()
    assert len(mail.outbox) == 2

    # The organisation confirms one service from the e-mail, without logging in.
    confirm_food = next(
        url for url in links(to_a.body, "Ces informations sont toujours exactes") if f"/{food.slug}/" in url
    )
    clock.move_to(T0 + dt.timedelta(days=31))
    assert client.post(local_path(confirm_food)).status_code == 200

    # Seven months later: a new period for the confirmed service, and the recent one is due for the first time;
    # the unconfirmed one already had its reminder for its period.
    clock.move_to(dt.datetime(2027, 1, 20, tzinfo=UTC))
    run_reminders()
    run_reminders()
    assert len(mail.outbox) == 3
    latest = mail.outbox[-1]
    assert latest.to == ["contact@banque.org", "marie@banque.org"]
    assert "Distribution alimentaire" in latest.body and "Épicerie mobile" in latest.body
    assert "Vestiaire solidaire" not in latest.body
    assert "Dernière vérification : 16 juillet 2026" in latest.body
    assert actions(food) == ["directory.reminder", "directory.verify", "directory.reminder"]
    assert actions(ccas) == ["directory.reminder"]
    assert actions(recent) == ["directory.reminder"]


def test_a_new_publication_restarts_the_clock_of_a_never_verified_service(clock, organisations):
    service = service_at(clock, dt.datetime(2025, 10, 1, tzinfo=UTC), organisation=organisations[1])
    run_reminders()
    assert len(mail.outbox) == 1
    clock.move_to(dt.datetime(2026, 7, 1, tzinfo=UTC))
    service.title = "Permanence CCAS (nouveaux horaires)"
    service.save_revision().publish()
    clock.move_to(dt.datetime(2026, 12, 31, tzinfo=UTC))
    run_reminders()
    assert len(mail.outbox) == 1  # not yet six months since the publication
    clock.move_to(dt.datetime(2027, 1, 2, tzinfo=UTC))
    run_reminders()
    assert len(mail.outbox) == 2
    assert "Dernière vérification : 1 juillet 2026" in mail.outbox[-1].body


def test_a_failed_send_marks_nothing_and_is_retried(clock, organisations, settings):
    service = service_at(clock, dt.datetime(2025, 1, 1, tzinfo=UTC), organisation=organisations[1])
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    with pytest.raises(CommandError, match="Envoi impossible pour : CCAS de Condom"):
        run_reminders()
    service.refresh_from_db()
    assert service.reminder_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_reminders().startswith("1 rappel(s) envoyé(s) pour 1 fiche(s)")


# --- The confirmation link -------------------------------------------------------------------------------------


@pytest.fixture
def reminded(clock, organisations):
    """A service reminded today, and the confirmation link from the e-mail (site-relative)."""
    service = service_at(
        clock, dt.datetime(2025, 9, 1, tzinfo=UTC), organisation=organisations[1], title="Aide"
    )
    run_reminders()
    (url,) = links(mail.outbox[-1].body, "Ces informations sont toujours exactes")
    return service, local_path(url)


def test_get_does_not_confirm_and_the_button_confirms_without_logging_in(clock, reminded):
    service, url = reminded
    browser = Client(enforce_csrf_checks=True)  # as a real browser: the form's CSRF token is required
    page = browser.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assertInHTML(
        '<button type="submit" class="button button--large">Ces informations sont toujours exactes</button>',
        html,
    )
    edit_url = f"http://127.0.0.1:8000/admin/snippets/directory/service/edit/{service.pk}/"
    assert visible_text(page, f'a[href="{edit_url}"]').startswith("Mettre à jour")
    assert page["Referrer-Policy"] == "same-origin" and page["X-Robots-Tag"] == "noindex"
    browser.head(url)
    service.refresh_from_db()
    assert service.last_verified_at is None  # mail scanners that open the link confirm nothing

    clock.move_to(T0 + dt.timedelta(days=3))
    token = soup(page).select_one('form input[name="csrfmiddlewaretoken"]')["value"]
    done = browser.post(url, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    assert "Merci, les informations sont confirmées" in done.content.decode()
    assert "18 juin 2026" in done.content.decode()
    service.refresh_from_db()
    assert service.last_verified_at == T0 + dt.timedelta(days=3)
    entry = ModelLogEntry.objects.for_instance(service).get(action="directory.verify")
    assert entry.user is None

    # The link has done its job.
    again = browser.post(url, {"csrfmiddlewaretoken": token})
    assert again.status_code == 410
    assert "Cette fiche a déjà été confirmée" in again.content.decode()
    assert browser.get(url).status_code == 410


def past_token(data, days_ago):
    """A confirmation link signed `days_ago` days before now."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=days_ago), tick=False):
        return signing.dumps(data, salt=freshness.CONFIRM_SALT)


@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_expired_or_withdrawn_links_get_a_clear_page(client, reminded, method, settings):
    service, url = reminded
    prefix = f"/annuaire/{service.slug}/confirmer/"
    token = url.removeprefix(prefix).strip("/")
    forged = [
        "pas-un-jeton",
        token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
        signing.dumps({"s": service.pk, "v": None}, salt="directory.invitation"),
        signing.dumps({"s": 999999, "v": None}, salt=freshness.CONFIRM_SALT),
        signing.dumps(["liste"], salt=freshness.CONFIRM_SALT),
    ]
    for bad in forged:
        response = getattr(client, method)(f"{prefix}{bad}/")
        assert response.status_code == 400, bad
        assert "Ce lien n'est pas valable" in response.content.decode()

    days = settings.DIRECTORY_CONFIRMATION_MAX_AGE_DAYS
    expired = getattr(client, method)(f"{prefix}{past_token({'s': service.pk, 'v': None}, days + 1)}/")
    assert expired.status_code == 410
    assert "Ce lien de confirmation a expiré" in expired.content.decode()
    still_valid = client.get(f"{prefix}{past_token({'s': service.pk, 'v': None}, days - 1)}/")
    assert still_valid.status_code == 200

    service.live = False
    service.save()
    withdrawn = getattr(client, method)(url)
    assert withdrawn.status_code == 410
    assert "Cette fiche n'est plus en ligne" in withdrawn.content.decode()
    service.refresh_from_db()
    assert service.last_verified_at is None


# --- Stale services --------------------------------------------------------------------------------------------


def test_the_public_page_warns_after_m_months_and_not_before(client, clock, organisations):
    service = service_at(clock, dt.datetime(2025, 7, 16, 10, tzinfo=UTC), organisation=organisations[0])
    html = client.get(service.get_absolute_url()).content.decode()
    assert "Informations à vérifier" not in html

    clock.move_to(dt.datetime(2026, 7, 17, tzinfo=UTC))
    html = client.get(service.get_absolute_url()).content.decode()
    page = soup(html)
    notice = page.select_one('section.notice.service__stale[aria-labelledby="titre-a-verifier"]')
    assert notice, "the notice is missing"
    assert visible_text(notice, "h2#titre-a-verifier") == "Informations à vérifier"
    assertInHTML('<time datetime="2025-07-16">16 juillet 2025</time>', str(notice))
    assert notice.select_one(f'a[href="/annuaire/{service.slug}/signaler/"]')
    # Heading order: the notice's h2 comes right after the page's h1.
    assert [h.name for h in page.main.find_all(re.compile(r"^h[1-6]$"))][:2] == ["h1", "h2"]

    # Confirmed: the notice goes, and "Mis à jour le" shows the verification date.
    freshness.confirm(service)
    html = client.get(service.get_absolute_url()).content.decode()
    assert "Informations à vérifier" not in html
    assert "Mis à jour le 17 juillet 2026" in html

    # An explicit verification date counts, not the creation date.
    service.mark_verified(dt.datetime(2025, 6, 1, tzinfo=UTC))
    html = client.get(service.get_absolute_url()).content.decode()
    assertInHTML('<time datetime="2025-06-01">1 juin 2025</time>', html)
    assert "Mis à jour le 1 juin 2025" in html


@pytest.fixture
def stale_setup(clock, organisations):
    a, b, _c = organisations
    long_ago = dt.datetime(2025, 1, 10, tzinfo=UTC)
    return {
        "stale_a": service_at(clock, long_ago, organisation=a, title="Colis alimentaires"),
        "stale_b": service_at(clock, long_ago, organisation=b, title="Aide aux factures"),
        "confirmed": service_at(
            clock, long_ago, organisation=a, title="Douches solidaires", last_verified_at=T0
        ),
        "fresh": service_at(
            clock, dt.datetime(2026, 3, 1, tzinfo=UTC), organisation=a, title="Jardin partagé"
        ),
        "draft": service_at(clock, long_ago, organisation=a, title="Projet en brouillon", live=False),
    }


def test_stale_report_lists_only_stale_published_services(
    client, django_user_model, stale_setup, organisations
):
    staff = django_user_model.objects.create_superuser("staff", "staff@gers.example", "motdepasse")
    client.force_login(staff)
    response = client.get(STALE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "À vérifier" in html
    for key in ("stale_a", "stale_b"):
        service = stale_setup[key]
        assert f'href="/admin/snippets/directory/service/edit/{service.pk}/"' in html
        assert service.title in html
    for key in ("confirmed", "fresh", "draft"):
        assert stale_setup[key].title not in html
    assert "Banque alimentaire" in html and "CCAS de Condom" in html
    assert "10 janvier 2025" in html

    filtered = client.get(STALE_URL, {"organisation": organisations[1].pk}).content.decode()
    assert "Aide aux factures" in filtered and "Colis alimentaires" not in filtered
    # The edit link works.
    assert (
        client.get(f"/admin/snippets/directory/service/edit/{stale_setup['stale_a'].pk}/").status_code == 200
    )
    # The reports menu offers it to staff.
    assert "directory-stale-services" in client.get("/admin/").content.decode()


def test_stale_report_is_for_staff_only(client, django_user_model, stale_setup):
    assert client.get(STALE_URL)["Location"].startswith("/admin/login/")

    partner = django_user_model.objects.create_user("partenaire", "p@banque.org", "motdepasse")
    partner.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(partner)
    response = client.get(STALE_URL)
    # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert "directory-stale-services" not in client.get("/admin/").content.decode()

    partner.is_staff = True
    partner.save()
    assert client.get(STALE_URL).status_code == 200


@pytest.fixture
def directory_page(home):
    from directory.models import DirectoryPage

    page = home.add_child(instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire"))
    page.save_revision().publish()
    return page


def test_stale_listings_are_flagged_on_cards_map_and_api(client, clock, organisations, directory_page):
    long_ago = dt.datetime(2025, 1, 10, tzinfo=UTC)
    stale = service_at(clock, long_ago, organisation=organisations[0], title="Colis alimentaires")
    fresh = service_at(
        clock, dt.datetime(2026, 3, 1, tzinfo=UTC), organisation=organisations[0], title="Jardin"
    )

    page = soup(client.get("/annuaire/"))
    cards = {li["id"].removeprefix("service-"): text_of(li) for li in page.select("li.result.js-result")}
    assert "Informations à vérifier" in cards[str(stale.pk)]
    assert "Informations à vérifier" not in cards[str(fresh.pk)]

    data = json.loads(page.select_one('script#directory-map-data[type="application/json"]').string)
    flags = {s["id"]: s["stale"] for s in data["services"]}
    assert flags == {stale.pk: True, fresh.pk: False}
    assert data["stale_label"] == "Informations à vérifier"

    listing = client.get("/api/v1/services").json()["results"]
    assert {s["slug"]: s["stale"] for s in listing} == {stale.slug: True, fresh.slug: False}
    assert client.get(f"/api/v1/services/{stale.slug}").json()["stale"] is True
    features = client.get("/api/v1/services.geojson").json()["features"]
    assert {f["id"]: f["properties"]["stale"] for f in features} == {stale.slug: True, fresh.slug: False}
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["ServiceOut"]["properties"]["stale"]["type"] == "boolean"
    assert "stale" in schema["ServiceOut"]["required"]
    assert "stale" in schema["ServiceDetailOut"]["properties"]


@pytest.mark.parametrize(
    ("contact", "advice"),
    [
        ({"phone": "05 62 00 00 00"}, "appelez avant de vous déplacer"),
        ({"email": "accueil@exemple.org"}, "écrivez à la structure avant de vous déplacer"),
        ({"website": "https://exemple.org"}, "vérifiez sur le site de la structure"),
        ({}, "renseignez-vous auprès du Numéro Vert Social"),
    ],
)
def test_stale_advice_names_only_contact_means_the_listing_has(client, clock, gers, home, contact, advice):
    organisation = OrganisationFactory(name="Sans contact", phone="", email="", website="")
    fields = {"phone": "", "email": "", "website": "", **contact}
    service = service_at(clock, dt.datetime(2025, 1, 10, tzinfo=UTC), organisation=organisation, **fields)
    notice = visible_text(client.get(service.get_absolute_url()), "section.notice.service__stale")
    assert advice in notice
    if not contact.get("phone"):
        assert "appelez" not in notice
