import pytest

from territories.gazetteer import find_commune, normalise, suggest_communes


def names(communes):
    return [c.name for c in communes]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L'Isle-Jourdain", "l isle jourdain"),
        ("L’Isle–Jourdain", "l isle jourdain"),
        ("  Saint-Élix-d'Astarac ", "saint elix d astarac"),
        ("ESCORNEBŒUF", "escorneboeuf"),
        ("Castelnau d'Auzan   Labarrère", "castelnau d auzan labarrere"),
        ("", ""),
        (None, ""),
        ("'-'", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.django_db
class TestSuggest:
    @pytest.mark.parametrize("query", ["auch", "Auch", " AUCH ", "au"])
    def test_auch_first(self, gers, query):
        assert names(suggest_communes(query))[0] == "Auch"

    @pytest.mark.parametrize(
        "query", ["lisle", "l isle", "L'Isle", "L’Isle", "l'isle-jourdain", "LISLE JOURDAIN", "isle jourdain"]
    )
    def test_isle_jourdain(self, gers, query):
        assert names(suggest_communes(query))[0] == "L'Isle-Jourdain"

    @pytest.mark.parametrize("query", ["Eauze", "eauze", "Éauze", "EAUZE"])
    def test_eauze(self, gers, query):
        # The official name has no accent; people often type one.
        assert names(suggest_communes(query))[0] == "Eauze"

    def test_accents_are_optional(self, gers):
        assert names(suggest_communes("saint elix")) == ["Saint-Élix-d'Astarac", "Saint-Élix-Theux"]
        assert names(suggest_communes("st elix d")) == ["Saint-Élix-d'Astarac"]
        assert names(suggest_communes("escorneboeuf")) == ["Escornebœuf"]

    def test_postal_code(self, gers):
        assert names(suggest_communes("32000")) == ["Auch"]
        results = suggest_communes("326")
        assert results and all(any(p.startswith("326") for p in c.postal_code_list) for c in results)
        assert results[0].name == "L'Isle-Jourdain"

    def test_second_postal_code_matches(self, gers):
        # Castelnau d'Auzan Labarrère has 32250 and 32440: the second one must match too.
        assert "Castelnau d'Auzan Labarrère" in names(suggest_communes("32440"))

    def test_insee_code(self, gers):
        assert names(suggest_communes("32013")) == ["Auch"]

    def test_postal_codes_before_insee_code(self, gers):
        # 32160 is L'Isle-Jourdain's INSEE code and the postal code of other communes.
        results = suggest_communes("32160", limit=100)
        assert results[-1].name == "L'Isle-Jourdain"
        assert all("32160" in c.postal_code_list for c in results[:-1])

    def test_prefix_before_contains_then_population(self, gers):
        results = suggest_communes("mont", limit=100)
        starts = [c.search_name.startswith("mont") for c in results]
        assert starts == sorted(starts, reverse=True)  # every prefix match before any inner match
        assert any(starts) and not all(starts)
        prefix = [c.population for c in results if c.search_name.startswith("mont")]
        assert prefix == sorted(prefix, reverse=True)

    def test_limit(self, gers):
        assert len(suggest_communes("32")) == 10
        assert names(suggest_communes("32", limit=3))[0] == "Auch"
        assert len(suggest_communes("32", limit=3)) == 3
        assert suggest_communes("auch", limit=0) == []
        assert suggest_communes("auch", limit=-4) == []
        assert names(suggest_communes("auch", limit="abc"))[0] == "Auch"
        assert len(suggest_communes("a", limit=10_000)) == 100

    @pytest.mark.parametrize("query", ["%", "_", "%%", "a%", "au%", "a_ch", "_uch", "%auch", "\\", "[a]"])
    def test_sql_wildcards_are_literal(self, gers, query):
        assert suggest_communes(query) == []

    @pytest.mark.parametrize(
        "query",
        [None, "", "   ", "'", "-", "x" * 10_000, "a" * 200, "\x00", "🙂", "Ω≈ç√", 12345, 3.5, "0", "123456"],
    )
    def test_weird_input_never_raises(self, gers, query):
        assert isinstance(suggest_communes(query), list)

    def test_unknown(self, gers):
        assert suggest_communes("zzzz") == []
        assert suggest_communes("99") == []


@pytest.mark.django_db
class TestFindCommune:
    @pytest.mark.parametrize(
        ("text", "insee"),
        [
            ("Auch", "32013"),
            ("auch", "32013"),
            ("32000", "32013"),
            ("32013", "32013"),
            ("Mirande 32300", "32256"),
            ("32300 Mirande", "32256"),
            ("Mirande (32300)", "32256"),
            ("mirande, 32300", "32256"),
            ("Mirande", "32256"),
            ("L'Isle-Jourdain", "32160"),
            ("lisle jourdain", "32160"),
            ("isle jourdain", "32160"),
            ("Eauze", "32119"),
            ("Éauze 32800", "32119"),
            ("St-Clar", "32370"),
            # 32160 is L'Isle-Jourdain's INSEE code and the postal code of other communes: the name decides.
            ("L'Isle-Jourdain 32160", "32160"),
            ("12 rue Gambetta, 32000 Auch", "32013"),
            ("4 rue Gambetta Auch", "32013"),
            ("12 route de Mirande 32000", "32013"),
            ("3 chemin des Lilas 32000", "32013"),
        ],
    )
    def test_resolves(self, gers, text, insee):
        found = find_commune(text)
        assert found is not None, text
        assert found.insee_code == insee

    def test_bare_shared_postal_code_gives_the_largest_commune(self, gers):
        assert find_commune("32300").name == "Mirande"

    def test_insee_code_that_is_also_a_postal_code_with_its_name(self, gers):
        orbessan = find_commune("Orbessan 32300")
        assert orbessan.insee_code == "32300"

    @pytest.mark.parametrize(
        "text", [None, "", "   ", "Paris", "75001", "99999", "mont", "%", "_", "x" * 10_000, "\x00"]
    )
    def test_nothing_or_ambiguous(self, gers, text):
        assert find_commune(text) is None

    def test_int_input(self, gers):
        assert find_commune(32013).name == "Auch"
