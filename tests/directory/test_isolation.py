"""Partner isolation, proven by enumeration.

Every URL pattern of the admin and of the API is read from Django's resolver (a pattern added later is walked
without editing this file). Logged in as a partner of organisation A, each pattern is requested (GET, then an empty
POST) with the ids of organisation B's objects and of objects of no organisation in every part of the address that
names an object, and with those ids in `?id=` (bulk actions take them there). An empty POST proves little (a view
saving B's object refuses an empty form anyway), so every POST form of the answer is also submitted as a browser
would, its text fields edited; and where the partner is refused, the form a superuser gets at the same address is
replayed by the partner (the real attack: a partner posting staff's form for B's object). Checked after every
request: nothing of B's or of the unowned data changed in the database, and no response names B's non-public data
(every such text carries the marker below). Figures are printed (`pytest -s`) for the notes.
"""

import datetime as dt
import io
import re
import uuid
import zipfile
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils.http import urlencode
from wagtail.models import Revision, TaskState, Workflow, WorkflowState

from directory.models import Audience, Category, Closure, ErrorReport, Stop, StopPattern, Tour
from directory.partners.access import scope_filter
from directory.partners.models import Invitation, Membership, Role
from directory.partners.moderation import PARTNERS_GROUP, STAFF_GROUP, WORKFLOW_NAME
from directory.partners.scopes import SCOPES, WRITE_SCOPES
from territories.models import Commune
from tests.directory.factories import OrganisationFactory, PlaceFactory, ServiceFactory
from tests.factories import StandardPageFactory, make_site

# Every non-public text of B contains the first, every non-public unowned text the second: a response naming
# either leaks.
MARKER = MARKER_B = "zqbsecret"
MARKER_UNOWNED = "zqnsecret"

# Address prefixes walked: the admin and the API.
WALKED = ("admin/", "api/")

# Appended to the text fields of a submitted form, so that a save of the form shows in the database.
WRITE_MARK = "-zqwrite"

# Statuses that refuse the partner (or send them elsewhere).
DENIED = (301, 302, 400, 403, 404, 405)

# Patterns (by URL name or route) not requested at all, with the reason. Everything else is requested.
SKIPPED = {
    "wagtailadmin_logout": "ends the partner's session: the requests after it would prove nothing",
    "admin/failwhale/": "Wagtail's deliberate error page, there to test the 500 handler",
}

# Open findings, Wagtail's own page views, about the staff's draft page (no organisation's data): tolerated here
# and printed, so the figures show them until they are fixed. Keyed by URL name; the reason says what is wrong.
OPEN = {}

# Patterns whose answer is public by design: their responses are requested but B's marker may not appear
# in them anyway (they serve published data only), so they stay under the same checks. Listed for the record.
PUBLIC = {
    "api-1.0.0": "the public API serves published services, tours and stops only",
}


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern


def walked_patterns():
    found = []
    for route, namespace, pattern in walk(get_resolver().url_patterns):
        bare = route.lstrip("^")
        if bare.startswith(WALKED):
            found.append((bare, namespace, pattern))
    return found


def view_model(pattern):
    """The model a view works on, when the view says it (class-based views and viewsets do)."""
    callback = pattern.callback
    initkwargs = getattr(callback, "view_initkwargs", None) or {}
    model = initkwargs.get("model") or getattr(getattr(callback, "view_class", None), "model", None)
    return model if isinstance(model, type) else None


PART = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<rname>\w+)>(?P<body>[^)]*)\)")


def parts(route):
    return [(m.group("name") or m.group("rname")) for m in PART.finditer(route)]


def fill(route, values):
    """The address of `route` with `values` in its parts (path converters and regular expression groups)."""

    def replace(match):
        return str(values[match.group("name") or match.group("rname")])

    address = PART.sub(replace, route)
    return "/" + address.replace("^", "").replace("$", "").replace("\\.", ".")


def marker_context(response):
    """The text around the marker in a response (spreadsheets read inside their archive), or None."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = b"".join(archive.read(name) for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    text = content.decode("utf-8", "replace")
    for marker in (MARKER_B, MARKER_UNOWNED):
        at = text.lower().find(marker)
        if at >= 0:
            return text[max(0, at - 120) : at + 40]
    return None


def requests_for(url, pattern):
    """GET and empty POST; for a view that exports or searches, its exports and a search too."""
    view_class = getattr(pattern.callback, "view_class", None)
    joiner = "&" if "?" in url else "?"
    found = [("get", ""), ("post", "")]
    for export_format in getattr(view_class, "export_formats", None) or ():
        found.append(("get", f"{joiner}export={export_format}"))
    if view_class is not None and (
        getattr(view_class, "search_fields", None) or getattr(view_class, "filter_form_class", None)
    ):
        found.append(("get", f"{joiner}q=B"))
    return found


def skipped(name, route):
    return name in SKIPPED or route in SKIPPED


def field_values(form):
    """The (name, value) pairs a browser submits for `form`, without any submit button."""
    pairs = []
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            pairs.append((name, field.get_text(), True))
        elif field.name == "select":
            options = field.find_all("option")
            chosen = [option for option in options if option.has_attr("selected")]
            if not chosen and options and not field.has_attr("multiple"):
                chosen = options[:1]
            pairs.extend((name, option.get("value", option.get_text()), False) for option in chosen)
        else:
            kind = (field.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio"):
                if field.has_attr("checked"):
                    pairs.append((name, field.get("value", "on"), False))
                continue
            pairs.append((name, field.get("value", ""), kind in ("text", "search")))
    return pairs


# An empty text field, or one with a digit (a date, a time, opening hours, a phone number, a rule), is left as it
# is: edited, it would only make the form invalid.
FORMATTED = re.compile(r"\d")


HAS_FORM = re.compile(rb"<form", re.IGNORECASE)


def form_bodies(response, url):
    """Each POST form of an HTML answer to `url`: its action (an admin or API address) and its bodies.

    The first body has its text fields edited (the save would show); the second, posted only when the first is
    answered with the form again (an edited value may be invalid), has the values as they came.
    """
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    # Most answers hold no form at all: not parsed (the parser finds a form only where "<form" is written).
    if not HAS_FORM.search(response.content):
        return []
    found = []
    for form in BeautifulSoup(response.content, "html.parser").find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        target = urlsplit(urljoin(url, form.get("action") or ""))
        if not target.path.lstrip("/").startswith(WALKED):
            continue
        try:
            match = resolve(target.path)
        except Resolver404:
            continue
        if skipped(match.view_name, match.route) or skipped(match.url_name, match.route):
            continue
        action = target.path + (f"?{target.query}" if target.query else "")
        # The partner would not know B's texts: posted back, the answer would echo them and look like a leak.
        pairs = [
            (name, value.replace(MARKER_B, "zqcopie").replace(MARKER_UNOWNED, "zqcopie"), text)
            for name, value, text in field_values(form)
        ]
        edited = [
            (name, value + WRITE_MARK if text and value and not FORMATTED.search(value) else value)
            for name, value, text in pairs
        ]
        found.append((action, edited, [(name, value) for name, value, _text in pairs]))
    return found


def post_body(pairs):
    body = {}
    for name, value in pairs:
        body.setdefault(name, []).append(value)
    return body


class Data:
    """Organisation A with its partner; organisation B with public and non-public objects; unowned data."""

    def __init__(self, django_user_model):
        make_site()
        staff = django_user_model.objects.create_user("equipe", "equipe@exemple.org", "x")
        staff.groups.add(Group.objects.get(name=STAFF_GROUP))
        # Whose forms the partner replays: the superuser is offered every form there is.
        self.superuser = django_user_model.objects.create_superuser("racine", "racine@exemple.org", "x")
        self.a = OrganisationFactory(name="Épicerie solidaire A")
        self.b = OrganisationFactory(name="Banque alimentaire B")
        self.partner = self.member(django_user_model, self.a, "partenaire-a", "Alice", "Alpha")
        member_b = self.member(
            django_user_model, self.b, f"{MARKER}-membre", f"{MARKER}prenom", f"{MARKER}nom"
        )
        self.service_a = ServiceFactory(organisation=self.a, title="Épicerie A")
        ServiceFactory(organisation=self.a, title="Épicerie A bis", place=self.service_a.place)
        # A tiers-lieu of B hosting a permanence of A: A reads the place's closure, only B changes it.
        shared_place = PlaceFactory(organisation=self.b, name="Tiers-lieu B")
        ServiceFactory(organisation=self.a, title="Permanence A", place=shared_place)
        Closure.objects.create(
            place=shared_place, starts_on=dt.date(2027, 2, 1), ends_on=dt.date(2027, 2, 7), reason="Travaux"
        )
        # B: a published service with a pending draft in moderation, an unpublished service and place,
        # an unpublished tour with its stops, a report, an invitation.
        public_b = ServiceFactory(organisation=self.b, title="Colis B")
        public_b.save_revision(user=member_b).publish(user=staff)
        public_b.summary = f"Résumé {MARKER} en brouillon"
        self.revision = public_b.save_revision(user=member_b)
        workflow_state = Workflow.objects.get(name=WORKFLOW_NAME).start(public_b, member_b)
        hidden_place = PlaceFactory(organisation=self.b, name=f"Lieu {MARKER}", live=False)
        hidden = ServiceFactory(
            organisation=self.b, title=f"Service {MARKER}", place=hidden_place, live=False
        )
        hidden.save_revision(user=member_b)
        Closure.objects.create(
            service=hidden,
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2027, 3, 7),
            reason=f"Congés {MARKER}",
        )
        tour = Tour.objects.create(organisation=self.b, name=f"Tournée {MARKER}", service=hidden, live=False)
        tour.save_revision(user=member_b)
        mirande = Commune.objects.get(insee_code="32256")
        StopPattern.objects.create(
            tour=tour,
            commune=mirande,
            place_name=f"Place {MARKER}",
            rule="Tu[2] 09:00-12:00",
            starts_on=dt.date(2027, 1, 1),
            ends_on=dt.date(2027, 6, 30),
        )
        Stop.objects.create(
            tour=tour,
            commune=mirande,
            place_name=f"Place {MARKER}",
            date=dt.date(2027, 1, 12),
            start_time=dt.time(9),
            end_time=dt.time(12),
        )
        ErrorReport.objects.create(service=public_b, message=f"Signalement {MARKER}")
        Invitation.objects.create(organisation=self.b, email=f"{MARKER}@exemple.org", invited_by=member_b)
        # Unowned: a draft page.
        self.page = StandardPageFactory(parent=self.home(), title=f"Page {MARKER_UNOWNED}", live=False)
        self.page.save_revision(user=staff)
        self.workflow_state = workflow_state
        self.task_state = workflow_state.current_task_state
        self.member_b = member_b
        self._others = {}
        self._unowned_and_others = None
        self._snapshot_queries = None

    @staticmethod
    def home():
        from wagtail.models import Site

        return Site.objects.get(is_default_site=True).root_page

    @staticmethod
    def member(django_user_model, organisation, username, first_name, last_name):
        user = django_user_model.objects.create_user(
            username,
            f"{username}@exemple.org",
            "motdepasse-solide-42",
            first_name=first_name,
            last_name=last_name,
        )
        user.groups.add(Group.objects.get(name=PARTNERS_GROUP))
        Membership.objects.create(user=user, organisation=organisation, role=Role.MANAGER)
        return user

    def others(self, model):
        """Primary keys of B's objects of a scoped model (None for a model without organisation), those A may
        only read included.

        Read once per model: they change only with a write to B's or the unowned data, which the snapshots
        catch (and `forget` then drops what was read).
        """
        if model not in self._others:
            paths = WRITE_SCOPES.get(model)
            if paths is None:
                return None
            mine = scope_filter(paths, [self.a.pk])
            self._others[model] = list(
                model._default_manager.filter(~mine).values_list("pk", flat=True).distinct()
            )
        return list(self._others[model])

    def unowned_and_others(self):
        """Every id a pattern of unknown model may take: B's objects of every scoped model, and the page."""
        if self._unowned_and_others is None:
            found = {self.page.pk}
            for model in SCOPES:
                found.update(self.others(model))
            self._unowned_and_others = sorted(found)
        return list(self._unowned_and_others)

    def forget(self):
        """Drop the ids read so far: a write was seen, the next patterns read them again."""
        self._others = {}
        self._unowned_and_others = None

    def snapshot_queries(self):
        """The snapshot's queries, by the key of their rows: querysets, built and compiled to SQL once.

        A snapshot follows every POST (some 1,500 of them): building and compiling its querysets each time cost
        more than the requests themselves. The SQL is run again as it is, so each snapshot reads the rows as they
        are then (the same rows `values()` would, the same columns, the database's values unconverted).
        """
        queries = {}
        # What A may only read (a closure of B's place hosting an A service) is B's here: A must not change it.
        for model in (*SCOPES, Membership, Invitation):
            paths = WRITE_SCOPES.get(model, ("organisation",))
            queries[model.__name__] = (
                model._default_manager.filter(~scope_filter(paths, [self.a.pk])).order_by("pk").values()
            )
        # The partner's own objects may change (an empty form may be enough to create a tour of A).
        queries["own"] = {
            ContentType.objects.get_for_model(model).pk: model._default_manager.filter(
                scope_filter(paths, [self.a.pk])
            ).values_list("pk", flat=True)
            for model, paths in WRITE_SCOPES.items()
        }
        queries["revisions"] = Revision.objects.order_by("pk").values()
        queries["workflow"] = [
            WorkflowState.objects.order_by("pk").values(),
            TaskState.objects.order_by("pk").values(),
        ]
        queries["pages"] = type(self.page).objects.order_by("pk").values()
        # Many-to-many links of B's objects (`values()` above leaves them out): B's service's categories.
        for model, paths in WRITE_SCOPES.items():
            theirs = model._default_manager.filter(~scope_filter(paths, [self.a.pk])).values("pk")
            for field in model._meta.many_to_many:
                through = field.remote_field.through
                queries[through.__name__] = (
                    through.objects.filter(**{f"{field.m2m_field_name()}__in": theirs})
                    .order_by("pk")
                    .values()
                )
        # Data of no organisation that only staff may change: reference lists, accounts and their rights.
        queries["categories"] = Category.objects.order_by("pk").values()
        queries["audiences"] = Audience.objects.order_by("pk").values()
        users = type(self.member_b).objects.exclude(pk=self.partner.pk).order_by("pk")
        queries["users"] = users.values(
            *(field.attname for field in users.model._meta.concrete_fields if field.name != "last_login")
        )
        queries["user_groups"] = users.model.groups.through.objects.order_by("pk").values()
        queries["user_permissions"] = users.model.user_permissions.through.objects.order_by("pk").values()
        queries["groups"] = Group.objects.order_by("pk").values()
        queries["group_permissions"] = Group.permissions.through.objects.order_by("pk").values()
        queries["permissions"] = Permission.objects.order_by().values("pk")

        def compiled(value):
            if isinstance(value, dict):
                return {key: compiled(item) for key, item in value.items()}
            if isinstance(value, list):
                return [compiled(item) for item in value]
            return value.query.sql_with_params()

        return {key: compiled(value) for key, value in queries.items()}

    def snapshot(self):
        """Everything of B's and the unowned data that a request must not change."""
        if self._snapshot_queries is None:
            self._snapshot_queries = self.snapshot_queries()
        queries = self._snapshot_queries
        rows = {}
        with connection.cursor() as cursor:

            def read(sql_and_params):
                cursor.execute(*sql_and_params)
                return cursor.fetchall()

            for key, query in queries.items():
                if key == "own":
                    own = {
                        (content_type, str(pk)) for content_type, sql in query.items() for (pk,) in read(sql)
                    }
                elif key == "revisions":
                    found = read(query)
                    names = [column[0] for column in cursor.description]
                    base, content_type, object_id = (
                        names.index(name) for name in ("base_content_type_id", "content_type_id", "object_id")
                    )
                    rows[key] = [
                        row
                        for row in found
                        if (row[base], row[object_id]) not in own
                        and (row[content_type], row[object_id]) not in own
                    ]
                elif key == "workflow":
                    rows[key] = [row for part in query for row in read(part)]
                elif key == "permissions":
                    rows[key] = len(read(query))
                else:
                    rows[key] = read(query)
        return rows


def values_for(route, model, data):
    """Each set of values to put in the route's parts: one per object of B (or unowned) the route may name."""
    names = parts(route)
    if not names:
        return [({}, None)]
    others = data.others(model) if model is not None else None
    candidates = others if others else data.unowned_and_others()
    fixed = {
        "revision_id": data.revision.pk,
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "task_state_id": data.task_state.pk,
        "workflow_state_id": data.workflow_state.pk,
        "task_id": data.task_state.task_id,
        "workflow_pk": data.workflow_state.workflow_id,
        "action_name": "approve",
        "filter_spec": "original",
        "path": "x",
        "token": "x-x",
        "uidb64": "MQ",
    }
    uuid_parts = {m.group("name") for m in PART.finditer(route) if m.group("converter") == "uuid"}
    per_model = {"app_label", "app_name", "content_type_app_name"} & set(names)
    combinations = []
    if per_model:
        # Generic model addresses (bulk actions, usage, chooser by content type): every scoped model.
        from wagtail.admin.views.bulk_action.registry import bulk_action_registry

        for scoped in SCOPES:
            actions = [
                action.action_type
                for action in bulk_action_registry.get_bulk_actions_for_model(
                    scoped._meta.app_label, scoped._meta.model_name
                )
            ] or ["delete"]
            for action in actions:
                for pk in data.others(scoped) or data.unowned_and_others():
                    values = dict.fromkeys(per_model, scoped._meta.app_label) | {
                        "model_name": scoped._meta.model_name,
                        "content_type_model_name": scoped._meta.model_name,
                        "action": action,
                    }
                    combinations.append((values, pk))
    else:
        combinations = [({}, pk) for pk in candidates]
    result = []
    for values, pk in combinations:
        filled = {}
        for name in names:
            if name in values:
                filled[name] = values[name]
            elif name in uuid_parts:
                filled[name] = uuid.uuid4()
            elif name in fixed:
                filled[name] = fixed[name]
            else:
                filled[name] = pk
        result.append((filled, pk))
    return result


@pytest.mark.django_db
def test_every_admin_and_api_url_keeps_partners_inside_their_organisation(gers, django_user_model):
    data = Data(django_user_model)
    client = Client(raise_request_exception=False)
    client.force_login(data.partner)
    # Django's test client does not check CSRF tokens: the staff's form posts as the partner's would.
    staff = Client(raise_request_exception=False)
    staff.force_login(data.superuser)
    before = data.snapshot()
    figures = Counter()
    leaks, writes, errors, opened = [], [], [], []
    posted = set()

    def record(method, target, response, tolerated):
        nonlocal before
        figures["requests"] += 1
        figures["requests to open findings"] += tolerated
        status = response.status_code
        if status >= 500:
            (opened if tolerated else errors).append((method, target, status))
        elif status in DENIED:
            figures["denied"] += 1
        else:
            figures["answered"] += 1
        found = marker_context(response)
        if found and MARKER_B in found.lower():
            leaks.append((method, target, status, found))
        elif found:
            (opened if tolerated else leaks).append((method, target, status, found))
        if method.startswith("post"):
            after = data.snapshot()
            if after != before:
                changed = [key for key in after if after[key] != before.get(key)]
                writes.append((method, target, status, changed))
                before = after
                data.forget()

    def post_forms(forms, source, tolerated):
        for action, edited, plain in forms:
            for body in (edited, plain):
                key = (action, tuple(body))
                if key in posted:
                    break
                posted.add(key)
                response = client.post(action, post_body(body))
                figures[f"form POSTs ({source})"] += 1
                record(f"post {source} form", action, response, tolerated)
                # Answered with anything but the form again, the plain values would be answered the same.
                if response.status_code != 200 or body == plain:
                    break

    for route, namespace, pattern in walked_patterns():
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        if skipped(pattern.name, route) or skipped(name, route):
            figures["skipped"] += 1
            continue
        figures["patterns"] += 1
        model = view_model(pattern)
        tolerated = name in OPEN
        for values, pk in values_for(route, model, data):
            address = fill(route, values)
            ids = (data.others(model) if model in SCOPES else None) or [pk]
            url = address + "?" + urlencode({"id": ids}, doseq=True) if pk is not None else address
            for method, query in requests_for(url, pattern):
                response = getattr(client, method)(url + query)
                record(method, url + query, response, tolerated)
                if method != "get" or query:
                    continue
                post_forms(form_bodies(response, url), "partner's", tolerated)
                if response.status_code in DENIED:
                    figures["staff GETs"] += 1
                    post_forms(form_bodies(staff.get(url), url), "staff's", tolerated)
    figures["leaking"] = len(leaks)
    figures["writing"] = len(writes)
    figures["errors"] = len(errors)
    print("\nisolation figures:", dict(figures))
    for row in leaks + writes + errors:
        print("  ", row)
    for row in opened:
        print("   open:", row)
    assert not leaks, leaks
    assert not writes, writes
    assert not errors, errors


@pytest.mark.django_db
def test_a_form_body_built_from_the_superusers_edit_form_saves_bs_service(gers, django_user_model):
    """The replayed forms are real: posted by the superuser, the body of B's service's form saves it.

    Without this, a body the form rejects would make every refusal above look like isolation.
    """
    data = Data(django_user_model)
    service = data.b.services.get(title=f"Service {MARKER}")
    # The form requires a category, which the factory leaves out.
    service.categories.set([Category.objects.order_by("pk").first()])
    service.save_revision(user=data.member_b)
    staff = Client()
    staff.force_login(data.superuser)
    url = f"/admin/snippets/directory/service/edit/{service.pk}/"
    forms = [edited for action, edited, _plain in form_bodies(staff.get(url), url) if "title" in dict(edited)]
    assert len(forms) == 1
    edited = forms[0]

    response = staff.post(url, post_body(edited))

    errors = BeautifulSoup(response.content, "html.parser").select(".error-message")
    assert response.status_code == 302, [
        (error.find_parent(attrs={"data-field": True}) or error.parent).get_text(" ", strip=True)[:200]
        for error in errors
    ]
    service.refresh_from_db()
    assert service.get_latest_revision_as_object().title == f"Service zqcopie{WRITE_MARK}"
