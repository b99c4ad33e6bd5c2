"""Elasticsearch configured but not answering (a closed port, or a host that accepts and never answers): every
search, admin included, falls back to the database backend with its quality, and a request waits for the
configured timeout at most once."""

import socket
import time

import pytest

from config.settings.base import elasticsearch_backends
from core import search_backend
from tests.factories import StandardPageFactory

pytestmark = pytest.mark.django_db

TIMEOUT = 0.25  # the wait a silent cluster costs each test: the same checks whatever its length
ADMIN_SEARCHES = [
    "/admin/pages/search/",
    "/admin/images/",
    "/admin/images/chooser/results/",
    "/admin/documents/",
    "/admin/documents/chooser/results/",
    "/admin/choose-page/search/",
    "/admin/forms/",
    "/admin/users/",
    "/admin/snippets/directory/service/",
]


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Cluster:
    """Where ELASTICSEARCH_URL points. A silent cluster counts the connections made to it: each one is a wait for
    the timeout (max_retries is 0), which says how often a request waited without timing it on a busy machine."""

    def __init__(self, kind):
        self.kind = kind
        self.socket = None
        if kind == "closed":
            self.port = closed_port()
        else:
            self.socket = socket.socket()
            self.socket.bind(("127.0.0.1", 0))
            self.socket.listen(64)  # never read: the kernel completes the handshake, nobody ever answers
            self.socket.setblocking(False)
            self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def connections(self):
        """Connections made since the last call."""
        count = 0
        while True:
            try:
                accepted, _address = self.socket.accept()
            except BlockingIOError:
                return count
            accepted.close()
            count += 1

    def close(self):
        if self.socket is not None:
            self.socket.close()


@pytest.fixture(params=["closed", "silent"])
def unreachable(request, settings):
    """ELASTICSEARCH_URL at a closed port, or at a socket that accepts connections and never answers."""
    cluster = Cluster(request.param)
    settings.ELASTICSEARCH_URL = cluster.url
    settings.ELASTICSEARCH_TIMEOUT = TIMEOUT
    settings.WAGTAILSEARCH_BACKENDS = elasticsearch_backends(cluster.url, timeout=TIMEOUT)
    search_backend.reset()
    yield cluster
    search_backend.reset()
    cluster.close()


@pytest.fixture
def pages(home, settings):
    # Written while the cluster is away: the database index is kept beside it.
    settings.ELASTICSEARCH_RETRY_AFTER = 30
    return [
        StandardPageFactory(parent=home, title="Ateliers", slug="ateliers", intro="Des ateliers numériques."),
        StandardPageFactory(
            parent=home, title="Accès aux droits", slug="droits", intro="Démarches numériques."
        ),
        StandardPageFactory(parent=home, title="Nos missions", slug="missions", intro="Le groupement."),
    ]


def test_public_search_keeps_accents_and_page_text(client, unreachable, pages):
    search_backend.reset()
    response = client.get("/recherche/", {"q": "numerique", "type": "pages"})
    assert response.status_code == 200
    found = {result.title for result in response.context["search"].results}
    assert len(found) == 2, found
    assert response.context["search"].counts["pages"] == 2


@pytest.mark.parametrize("address", ADMIN_SEARCHES)
def test_admin_searches_answer(admin_client, unreachable, pages, address):
    search_backend.reset()
    response = admin_client.get(address, {"q": "numerique"})
    assert response.status_code == 200, address


def test_admin_page_search_finds_what_the_database_backend_finds(admin_client, unreachable, pages, settings):
    search_backend.reset()
    fallen_back = admin_client.get("/admin/pages/search/", {"q": "atelier"})
    settings.WAGTAILSEARCH_BACKENDS = {"default": settings.WAGTAILSEARCH_BACKENDS["database"]}
    database = admin_client.get("/admin/pages/search/", {"q": "atelier"})
    assert [p.pk for p in fallen_back.context["pages"]] == [p.pk for p in database.context["pages"]]
    assert [p.title for p in fallen_back.context["pages"]] == ["Ateliers"]


SILENT = pytest.mark.parametrize("unreachable", ["silent"], indirect=True)


@SILENT
def test_page_saves_do_not_wait_while_the_cluster_is_down(unreachable, pages):
    search_backend.reset()
    unreachable.connections()
    pages[0].save_revision().publish()  # finds the cluster down
    assert unreachable.connections() == 1
    for page in pages:
        page.save_revision().publish()
    assert unreachable.connections() == 0


@SILENT
def test_a_request_waits_for_the_timeout_once(client, admin_client, unreachable, pages):
    for address in ("/recherche/", "/admin/pages/search/"):
        search_backend.reset()
        unreachable.connections()
        response = (admin_client if "admin" in address else client).get(address, {"q": "numerique"})
        assert response.status_code == 200
        # One wait for the cluster, then the database; before, each query of the page waited again.
        assert unreachable.connections() == 1, address


@SILENT
def test_the_cluster_is_tried_again_after_the_pause(client, unreachable, pages, settings):
    settings.ELASTICSEARCH_RETRY_AFTER = 3600
    search_backend.reset()
    unreachable.connections()
    client.get("/recherche/", {"q": "numerique"})
    assert unreachable.connections() == 1
    assert search_backend.is_down()
    client.get("/recherche/", {"q": "numerique"})
    assert unreachable.connections() == 0  # within the pause: straight to the database
    # A short pause, slept past in full whatever the load: the next request tries the cluster again.
    settings.ELASTICSEARCH_RETRY_AFTER = 0.2
    search_backend.reset()
    client.get("/recherche/", {"q": "numerique"})
    time.sleep(0.3)
    assert not search_backend.is_down()
    unreachable.connections()
    client.get("/recherche/", {"q": "numerique"})
    # Tried again (more than once if this request outlasts the short pause itself).
    assert unreachable.connections() >= 1
