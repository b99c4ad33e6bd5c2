"""Partners reach only their own organisations' objects: every admin URL, chooser and bulk action is tried on
another organisation's objects, and creation cannot be forged."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Workflow

from directory.models import (
    Category,
    Closure,
    ErrorReport,
    Organisation,
    Place,
    Service,
    Stop,
    StopPattern,
    Tour,
)
from directory.partners.models import Membership, Role
from directory.partners.moderation import PARTNERS_GROUP, STAFF_GROUP, WORKFLOW_NAME
from territories.models import Commune

from .factories import OrganisationFactory, ServiceFactory
from .test_admin import service_form


def make_partner(django_user_model, *organisations, username="partenaire-a", role=Role.EDITOR):
    user = django_user_model.objects.create_user(username, f"{username}@exemple.org", "motdepasse-solide-42")
    user.groups.add(Group.objects.get(name=PARTNERS_GROUP))
    for organisation in organisations:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def make_staff(django_user_model, username="equipe"):
    user = django_user_model.objects.create_user(username, f"{username}@exemple.org", "motdepasse-solide-42")
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return user


@pytest.fixture
def two_organisations(gers, django_user_model):
    organisation_a = OrganisationFactory(name="Épicerie solidaire A")
    organisation_b = OrganisationFactory(name="Banque alimentaire B")
    service_a = ServiceFactory(organisation=organisation_a, title="Épicerie A")
    service_b = ServiceFactory(organisation=organisation_b, title="Colis B")
    staff = make_staff(django_user_model)
    # B's service has a published revision, a later draft and a workflow in progress: every view has data.
    service_b.save_revision(user=staff).publish(user=staff)
    service_b.summary = "Brouillon de B"
    draft = service_b.save_revision(user=staff)
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    workflow_state = workflow.start(service_b, staff)
    tour_b = Tour.objects.create(organisation=organisation_b, name="Tournée B", service=service_b)
    tour_b.save_revision(user=staff).publish(user=staff)
    mirande = Commune.objects.get(insee_code="32256")
    pattern_b = StopPattern.objects.create(
        tour=tour_b,
        commune=mirande,
        place_name="Place du Foirail",
        rule="Tu[2] 09:00-12:00",
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 6, 30),
    )
    stop_b = Stop.objects.create(
        tour=tour_b,
        commune=mirande,
        place_name="Place du Foirail",
        date=dt.date(2027, 1, 12),
        start_time=dt.time(9),
        end_time=dt.time(12),
    )
    closure_b = Closure.objects.create(
        place=service_b.place, starts_on=dt.date(2027, 8, 1), ends_on=dt.date(2027, 8, 31), reason="Congés"
    )
    report_b = ErrorReport.objects.create(service=service_b, message="Le numéro a changé.")
    return {
        "tour_b": tour_b,
        "pattern_b": pattern_b,
        "stop_b": stop_b,
        "closure_b": closure_b,
        "report_b": report_b,
        "a": organisation_a,
        "b": organisation_b,
        "service_a": service_a,
        "service_b": service_b,
        "place_b": service_b.place,
        "revision": draft,
        "workflow_state": workflow_state,
        "task_state": workflow_state.current_task_state,
        "staff": staff,
        "partner": make_partner(django_user_model, organisation_a),
    }


def object_urls(model, obj, data):
    """Every URL of the model's snippet viewset that names `obj`, with plausible values for the other parts."""
    viewset = model.snippet_viewset
    values = {
        "pk": obj.pk,
        "revision_id": data["revision"].pk if model is Service else 1,
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "action_name": "approve",
        "task_state_id": data["task_state"].pk,
        "workflow_state_id": data["workflow_state"].pk,
        "task_id": data["task_state"].task_id,
    }
    urls = []
    for pattern in viewset.get_urlpatterns():
        groups = pattern.pattern.regex.groupindex
        if "pk" not in groups:
            continue
        urls.append(reverse(viewset.get_url_name(pattern.name), kwargs={k: values[k] for k in groups}))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_name",
    ["service", "place", "organisation", "tour", "stoppattern", "stop", "closure", "errorreport"],
)
def test_partner_gets_403_or_404_on_every_url_of_another_organisations_object(
    client, two_organisations, model_name
):
    data = two_organisations
    model, obj = {
        "service": (Service, data["service_b"]),
        "place": (Place, data["place_b"]),
        "organisation": (Organisation, data["b"]),
        "tour": (Tour, data["tour_b"]),
        "stoppattern": (StopPattern, data["pattern_b"]),
        "stop": (Stop, data["stop_b"]),
        "closure": (Closure, data["closure_b"]),
        "errorreport": (ErrorReport, data["report_b"]),
    }[model_name]
    client.force_login(data["partner"])
    urls = object_urls(model, obj, data)
    # The walk covers the views the known trap lists (edit, delete, history, usage, revisions, workflow…).
    names = " ".join(urls)
    for expected in ("/edit/", "/delete/", "/usage/", "/history/", "/inspect/"):
        assert expected in names
    if model in (Service, Tour):
        for expected in ("/unpublish/", "/lock/", "/unlock/", "/revisions/", "compare", "workflow"):
            assert expected in names, expected
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
        response = client.post(url, {"title": "Piraté", "name": "Piraté", "comment": "piraté"})
        assert response.status_code in (403, 404), url
    obj.refresh_from_db()
    assert "Piraté" not in str(obj)
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.django_db
def test_staff_reach_the_same_urls(client, two_organisations):
    data = two_organisations
    client.force_login(data["staff"])
    service = data["service_b"]
    assert (
        client.get(reverse(service.snippet_viewset.get_url_name("edit"), args=[service.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse(service.snippet_viewset.get_url_name("history"), args=[service.pk])).status_code
        == 200
    )


@pytest.mark.django_db
def test_partner_listings_show_only_their_organisation(client, two_organisations):
    data = two_organisations
    client.force_login(data["partner"])
    listing = client.get(reverse("wagtailsnippets_directory_service:list")).content.decode()
    assert "Épicerie A" in listing
    assert "Colis B" not in listing
    places = client.get(reverse("wagtailsnippets_directory_place:list")).content.decode()
    assert data["service_a"].place.name in places
    assert data["place_b"].name not in places


@pytest.mark.django_db
def test_partner_choosers_are_scoped(client, two_organisations):
    data = two_organisations
    client.force_login(data["partner"])
    choose = client.get(reverse("wagtailsnippetchoosers_directory_place:choose")).content.decode()
    assert data["service_a"].place.name in choose
    assert data["place_b"].name not in choose
    results = client.get(
        reverse("wagtailsnippetchoosers_directory_place:choose_results"), {"q": data["place_b"].name}
    ).content.decode()
    assert data["place_b"].name not in results
    chosen = client.get(reverse("wagtailsnippetchoosers_directory_place:chosen", args=[data["place_b"].pk]))
    assert chosen.status_code == 404
    multiple = client.get(
        reverse("wagtailsnippetchoosers_directory_service:chosen_multiple"), {"id": [data["service_b"].pk]}
    ).content.decode()
    assert "Colis B" not in multiple


@pytest.mark.django_db
def test_partner_bulk_delete_cannot_reach_another_organisation(client, two_organisations):
    data = two_organisations
    client.force_login(data["partner"])
    # Partners may delete their own stops and closures, never another organisation's.
    for model, obj in ((Stop, data["stop_b"]), (Closure, data["closure_b"])):
        url = (
            reverse("wagtail_bulk_action", args=["directory", model._meta.model_name, "delete"])
            + f"?id={obj.pk}"
        )
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert model.objects.filter(pk=obj.pk).exists()
    # Places are not theirs to delete at all (it would bypass moderation).
    url = reverse("wagtail_bulk_action", args=["directory", "place", "delete"]) + f"?id={data['place_b'].pk}"
    client.post(url)
    assert Place.objects.filter(pk=data["place_b"].pk).exists()


@pytest.mark.django_db
def test_creating_sets_the_organisation_from_the_user_even_if_the_post_says_otherwise(
    client, two_organisations
):
    data = two_organisations
    client.force_login(data["partner"])
    place_a = data["service_a"].place
    form = service_form(data["b"], place_a, title="Aide aux devoirs A")
    response = client.post(reverse("wagtailsnippets_directory_service:add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Service.objects.get(title="Aide aux devoirs A")
    assert created.organisation == data["a"]
    assert not created.live


@pytest.mark.django_db
def test_another_organisations_place_cannot_be_forged(client, two_organisations):
    data = two_organisations
    client.force_login(data["partner"])
    form = service_form(data["a"], data["place_b"], title="Service forgé")
    response = client.post(reverse("wagtailsnippets_directory_service:add"), form)
    assert response.status_code == 200
    assert not Service.objects.filter(title="Service forgé").exists()


@pytest.mark.django_db
def test_member_of_two_organisations_chooses_among_them_only(client, two_organisations, django_user_model):
    data = two_organisations
    organisation_c = OrganisationFactory(name="Centre social C")
    partner = make_partner(django_user_model, data["a"], organisation_c, username="double")
    client.force_login(partner)
    page = client.get(reverse("wagtailsnippets_directory_service:add")).content.decode()
    assert "Centre social C" in page
    form = service_form(data["b"], data["service_a"].place, title="Pour B")
    response = client.post(reverse("wagtailsnippets_directory_service:add"), form)
    assert response.status_code == 200
    assert not Service.objects.filter(title="Pour B").exists()


@pytest.mark.django_db
def test_partner_cannot_mark_their_organisation_trusted(client, two_organisations):
    data = two_organisations
    client.force_login(data["partner"])
    organisation = data["a"]
    url = reverse("wagtailsnippets_directory_organisation:edit", args=[organisation.pk])
    # Partners read their organisation's details; only staff change them (and its trust).
    assert client.get(url).status_code in (200, 403)
    client.post(url, {"name": organisation.name, "kind": organisation.kind, "trusted": "on"})
    organisation.refresh_from_db()
    assert not organisation.trusted


@pytest.mark.django_db
def test_a_user_without_membership_sees_nothing(client, two_organisations, django_user_model):
    loner = make_partner(django_user_model, username="sans-structure")
    client.force_login(loner)
    listing = client.get(reverse("wagtailsnippets_directory_service:list")).content.decode()
    assert "Épicerie A" not in listing and "Colis B" not in listing


@pytest.mark.django_db
def test_public_api_never_shows_drafts(client, two_organisations):
    data = two_organisations
    draft = ServiceFactory(organisation=data["b"], title="Brouillon invisible", live=False)
    assert client.get(f"/api/v1/services/{draft.slug}").status_code == 404
    listing = client.get("/api/v1/services", {"limit": 100}).json()
    assert "Brouillon invisible" not in str(listing)
    assert "Brouillon de B" not in str(listing)


@pytest.mark.django_db
def test_partner_admin_home_shows_my_listings_only(client, two_organisations):
    data = two_organisations
    client.force_login(data["partner"])
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Mes fiches" in home
    assert "Épicerie A" in home
    assert "Colis B" not in home


@pytest.mark.django_db
def test_categories_stay_staff_managed(client, two_organisations):
    data = two_organisations
    client.force_login(data["partner"])
    category = Category.objects.first()
    url = reverse("wagtailsnippets_directory_category:edit", args=[category.pk])
    assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db
def test_partner_schedule_listings_and_tour_choices_are_scoped(client, two_organisations):
    data = two_organisations
    tour_a = Tour.objects.create(organisation=data["a"], name="Tournée A")
    client.force_login(data["partner"])
    tours = client.get(reverse("wagtailsnippets_directory_tour:list")).content.decode()
    assert "Tournée A" in tours and "Tournée B" not in tours
    stops = client.get(reverse("wagtailsnippets_directory_stop:list")).content.decode()
    assert "Place du Foirail" not in stops
    add_stop = client.get(reverse("wagtailsnippets_directory_stop:add")).content.decode()
    assert "Tournée A" in add_stop and "Tournée B" not in add_stop
    reports = client.get(reverse("wagtailsnippets_directory_errorreport:list")).content.decode()
    assert "Le numéro a changé." not in reports
    # A stop cannot be attached to another organisation's tour.
    response = client.post(
        reverse("wagtailsnippets_directory_stop:add"),
        {
            "tour": data["tour_b"].pk,
            "commune": Commune.objects.get(insee_code="32256").pk,
            "place_name": "Place forcée",
            "date": "2027-02-09",
            "start_time": "09:00",
            "end_time": "12:00",
            "status": "scheduled",
        },
    )
    assert response.status_code == 200
    assert not Stop.objects.filter(place_name="Place forcée").exists()
    assert tour_a.pk


@pytest.mark.django_db
def test_partner_listing_filters_offer_only_their_own_organisations_things(client, two_organisations):
    from bs4 import BeautifulSoup

    data = two_organisations
    client.force_login(data["partner"])
    for model in (
        "service",
        "place",
        "tour",
        "stoppattern",
        "stop",
        "closure",
        "errorreport",
        "organisation",
    ):
        response = client.get(reverse(f"wagtailsnippets_directory_{model}:list"))
        assert response.status_code == 200, model
        choices = [
            option.get_text(strip=True) for option in BeautifulSoup(response.content, "html.parser")("option")
        ]
        choices += [
            label.get_text(strip=True) for label in BeautifulSoup(response.content, "html.parser")("label")
        ]
        assert not [text for text in choices if text.endswith(" B") or "Foirail" in text], (model, choices)
    # The stops' commune filter names only where the partner's own tours stop.
    stops = BeautifulSoup(client.get(reverse("wagtailsnippets_directory_stop:list")).content, "html.parser")
    assert "Mirande" not in [option.get_text(strip=True) for option in stops("option")]
    # Staff still choose among every organisation.
    client.force_login(data["staff"])
    services = client.get(reverse("wagtailsnippets_directory_service:list")).content.decode()
    assert "Banque alimentaire B" in services and "Épicerie solidaire A" in services


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [
        "site_history",
        "site_history_results",
        "workflow",
        "workflow_results",
        "workflow_tasks",
        "workflow_tasks_results",
        "locked_pages",
        "aging_pages",
    ],
)
def test_partner_admin_reports_show_nothing_of_other_organisations(client, two_organisations, url_name):
    data = two_organisations
    client.force_login(data["partner"])
    response = client.get(reverse(f"wagtailadmin_reports:{url_name}"))
    assert response.status_code in (200, 302, 403)
    assert "Colis B" not in response.content.decode()


@pytest.mark.django_db
def test_site_history_keeps_a_partners_own_entries_and_everything_for_staff(client, two_organisations):
    from wagtail.log_actions import log

    data = two_organisations
    log(instance=data["service_a"], action="wagtail.edit", user=data["partner"])
    client.force_login(data["partner"])
    own = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Épicerie A" in own and "Colis B" not in own
    client.force_login(data["staff"])
    everything = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Épicerie A" in everything and "Colis B" in everything


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ["service", "place", "tour", "organisation", "errorreport"])
def test_bulk_confirmation_names_nothing_of_another_organisation(client, two_organisations, model_name):
    # Partners may not delete these at all: Wagtail listed the selection as "items with no access", titles shown.
    data = two_organisations
    obj = {
        "service": data["service_b"],
        "place": data["place_b"],
        "tour": data["tour_b"],
        "organisation": data["b"],
        "errorreport": data["report_b"],
    }[model_name]
    client.force_login(data["partner"])
    url = reverse("wagtail_bulk_action", args=["directory", model_name, "delete"]) + f"?id={obj.pk}"
    response = client.get(url)
    assert response.status_code == 404
    assert str(obj) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_name", ["service", "place", "tour", "stop", "closure", "category", "audience"]
)
def test_snippet_chooser_create_without_a_form_is_a_404_not_a_500(client, two_organisations, model_name):
    data = two_organisations
    client.raise_request_exception = False
    url = reverse(f"wagtailsnippetchoosers_directory_{model_name}:create")
    for user in (data["partner"], data["staff"]):
        client.force_login(user)
        assert client.post(url, {}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ["service", "organisation", "place", "tour"])
def test_partner_chooser_search_answers_their_own_objects_only(client, two_organisations, model_name):
    # The search backend refused the scope's filter on "id" (FilterFieldError): the service chooser answered 500.
    data = two_organisations
    client.raise_request_exception = False
    client.force_login(data["partner"])
    url = reverse(f"wagtailsnippetchoosers_directory_{model_name}:choose_results")
    response = client.get(url, {"q": "B"})
    assert response.status_code == 200
    assert (
        "Colis B" not in response.content.decode() and "Banque alimentaire B" not in response.content.decode()
    )
    own = {"service": "Épicerie A", "organisation": "Épicerie solidaire A"}.get(model_name)
    if own:
        assert own in client.get(url, {"q": "Épicerie"}).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "query"),
    [("site_history_results", {}), ("site_history", {"export": "csv"}), ("site_history", {"export": "xlsx"})],
)
def test_site_history_results_and_exports_are_scoped_for_partners(client, two_organisations, url_name, query):
    import io
    import zipfile

    from wagtail.log_actions import log

    data = two_organisations
    log(instance=data["service_a"], action="wagtail.edit", user=data["partner"])
    client.force_login(data["partner"])
    response = client.get(reverse(f"wagtailadmin_reports:{url_name}"), query)
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if query.get("export") == "xlsx":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
    text = content.decode()
    assert "Épicerie A" in text
    assert "Colis B" not in text and "equipe" not in text
