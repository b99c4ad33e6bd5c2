"""A user without page permissions (a partner) reads no draft page's title in the page admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.factories import StandardPageFactory


@pytest.fixture
def reader(django_user_model):
    user = django_user_model.objects.create_user("lecteur", "lecteur@exemple.org", "motdepasse-solide-42")
    group = Group.objects.create(name="Lecteurs")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    return user


@pytest.mark.django_db
def test_move_confirmation_and_chooser_name_no_draft_page(client, home, reader):
    draft = StandardPageFactory(parent=home, title="Brouillon secret", live=False)
    StandardPageFactory(parent=home, title="Page publique")
    client.force_login(reader)
    move = client.get(reverse("wagtailadmin_pages:move_confirm", args=[draft.pk, home.pk]))
    assert move.status_code in (302, 403)
    assert "Brouillon secret" not in move.content.decode()
    chooser = client.get(reverse("wagtailadmin_choose_page_child", args=[home.pk])).content.decode()
    assert "Page publique" in chooser
    assert "Brouillon secret" not in chooser


@pytest.fixture
def partner(django_user_model):
    from directory.partners.moderation import PARTNERS_GROUP

    user = django_user_model.objects.create_user(
        "partenaire", "partenaire@exemple.org", "motdepasse-solide-42"
    )
    user.groups.add(Group.objects.get(name=PARTNERS_GROUP))
    return user


@pytest.mark.django_db
def test_chooser_opened_on_a_draft_page_does_not_name_it(client, home, partner):
    draft = StandardPageFactory(parent=home, title="Brouillon secret", live=False)
    published = StandardPageFactory(parent=home, title="Page publique")
    client.force_login(partner)
    response = client.get(reverse("wagtailadmin_choose_page_child", args=[draft.pk]))
    assert response.status_code == 404
    assert "Brouillon secret" not in response.content.decode()
    # A published page still opens, with its own title in the parent row.
    response = client.get(reverse("wagtailadmin_choose_page_child", args=[published.pk]))
    assert response.status_code == 200
    assert "Page publique" in response.content.decode()


@pytest.mark.django_db
def test_chooser_opened_on_a_draft_page_still_opens_for_editors(client, home, django_user_model):
    from directory.partners.moderation import STAFF_GROUP

    draft = StandardPageFactory(parent=home, title="Brouillon interne", live=False)
    staff = django_user_model.objects.create_user("equipe", "equipe@exemple.org", "motdepasse-solide-42")
    # Staff publish pages as Wagtail's moderators (directory.demo.accounts does the same).
    staff.groups.add(Group.objects.get(name=STAFF_GROUP), Group.objects.get(name="Moderators"))
    client.force_login(staff)
    response = client.get(reverse("wagtailadmin_choose_page_child", args=[draft.pk]))
    assert response.status_code == 200
    assert "Brouillon interne" in response.content.decode()


@pytest.mark.django_db
def test_root_page_position_is_refused_not_an_error(home, partner):
    from django.test import Client
    from wagtail.models import Page

    client = Client(raise_request_exception=False)
    client.force_login(partner)
    root = Page.get_first_root_node()
    for method in ("get", "post"):
        response = getattr(client, method)(reverse("wagtailadmin_pages:set_page_position", args=[root.pk]))
        assert response.status_code == 404, method


@pytest.mark.django_db
def test_empty_external_link_answers_the_form_error(client, home, partner):
    client.force_login(partner)
    response = client.post(reverse("wagtailadmin_choose_page_external_link"))
    assert response.status_code == 200
    answer = response.json()
    assert answer["step"] == "external_link"
    assert "Champ requis." in answer["html"]
    # A filled form is still chosen.
    response = client.post(
        reverse("wagtailadmin_choose_page_external_link"),
        {"external-link-chooser-url": "https://exemple.org/aide", "external-link-chooser-link_text": "Aide"},
    )
    assert response.json()["step"] == "external_link_chosen"


@pytest.mark.django_db
def test_own_site_address_in_a_link_names_no_draft_title(client, home, partner, django_user_model):
    from directory.partners.moderation import STAFF_GROUP

    page = StandardPageFactory(parent=home, title="Titre publié")
    page.title = "Titre du brouillon"
    page.save_revision()
    url = reverse("wagtailadmin_choose_page_external_link")
    data = {"external-link-chooser-url": page.url, "external-link-chooser-link_text": ""}
    client.force_login(partner)
    answer = client.post(url, data).json()
    assert "Titre du brouillon" not in str(answer)
    assert answer["step"] == "external_link_chosen"
    assert answer["result"]["url"] == page.url
    # Editors still get the address turned into a page link.
    staff = django_user_model.objects.create_user("equipe", "equipe@exemple.org", "motdepasse-solide-42")
    staff.groups.add(Group.objects.get(name=STAFF_GROUP), Group.objects.get(name="Moderators"))
    client.force_login(staff)
    answer = client.post(url, data).json()
    assert answer["result"]["id"] == page.pk


@pytest.mark.django_db
def test_page_workflow_urls_refuse_before_naming_the_page(client, home, partner):
    from wagtail.models import Workflow

    from directory.partners.moderation import WORKFLOW_NAME

    draft = StandardPageFactory(parent=home, title="Brouillon secret", live=False)
    # A task in progress elsewhere: Wagtail's views reach their message only with a real task state.
    other = StandardPageFactory(parent=home, title="Page en relecture")
    other.save_revision()
    task_state = Workflow.objects.get(name=WORKFLOW_NAME).start(other, partner).current_task_state
    client.force_login(partner)
    addresses = [
        reverse("wagtailadmin_pages:workflow_action", args=[draft.pk, "approve", task_state.pk]),
        reverse("wagtailadmin_pages:collect_workflow_action_data", args=[draft.pk, "approve", task_state.pk]),
        reverse("wagtailadmin_pages:workflow_preview", args=[draft.pk, task_state.task_id]),
    ]
    for address in addresses:
        response = client.get(address)
        # Refused as Wagtail refuses: back to the dashboard, with its message saying so.
        assert response.status_code == 302, address
        assert response["Location"] == reverse("wagtailadmin_home"), address
        following = client.get(reverse("wagtailadmin_home"))
        assert "Brouillon secret" not in following.content.decode(), address


@pytest.mark.django_db
def test_page_workflow_urls_still_serve_the_moderators(client, home, django_user_model):
    from wagtail.models import Workflow

    from directory.partners.moderation import STAFF_GROUP, WORKFLOW_NAME

    # The team moderates (the task's group) and publishes pages as Wagtail's moderators.
    moderator = django_user_model.objects.create_user("moderatrice", "moderatrice@exemple.org", "x")
    moderator.groups.add(Group.objects.get(name=STAFF_GROUP), Group.objects.get(name="Moderators"))
    page = StandardPageFactory(parent=home, title="Page en relecture", live=False)
    page.save_revision(user=moderator)
    task_state = Workflow.objects.get(name=WORKFLOW_NAME).start(page, moderator).current_task_state
    client.force_login(moderator)
    collect = client.get(
        reverse("wagtailadmin_pages:collect_workflow_action_data", args=[page.pk, "approve", task_state.pk])
    )
    assert collect.status_code == 200
    assert collect.json()["step"] == "action"
    preview = client.get(reverse("wagtailadmin_pages:workflow_preview", args=[page.pk, task_state.task_id]))
    assert preview.status_code == 200
    approve = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    )
    assert approve.status_code == 302
    page.refresh_from_db()
    assert page.live
