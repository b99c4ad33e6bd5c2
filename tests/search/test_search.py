import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def results(response):
    return [
        " ".join(a.get_text().split())
        for a in BeautifulSoup(response.content, "html.parser").select(".search-results a")
    ]


def test_search_finds_pages(client, demo_site):
    response = client.get("/recherche/", {"q": "tiers-lieux"})
    assert response.status_code == 200
    assert "Quatre nouveaux tiers-lieux solidaires à l'étude" in results(response)


def test_search_without_query_shows_the_form(client, demo_site):
    response = client.get("/recherche/")
    assert response.status_code == 200
    assert "Rechercher sur le site" in response.content.decode()


def test_no_result_suggests_the_helpline(client, demo_site):
    response = client.get("/recherche/", {"q": "zzzzqqq"})
    assert "Aucun résultat" in response.content.decode()
    assert "tel:+33800323130" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "aide", "page": "abc"},
        {"q": "aide", "page": "99999"},
        {"q": "x" * 5000},
        {"q": "%_'\";--"},
        {"q": "aide", "page": "-1"},
    ],
)
def test_bad_input_never_fails(client, demo_site, params):
    assert client.get("/recherche/", params).status_code == 200


@pytest.mark.parametrize(
    "query",
    ['"', "aide;", "l'aide", "(aide OR", "aide*", "NEAR(a b)", "^a", "col:aide", "a AND", "-aide", "’"],
)
def test_full_text_syntax_is_neutralised(client, demo_site, query):
    assert client.get("/recherche/", {"q": query}).status_code == 200
