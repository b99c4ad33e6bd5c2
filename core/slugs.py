"""URL slugs from French text; they import no app of ours."""

from django.utils.text import slugify as django_slugify

# Letters that Unicode does not decompose: Django's slugify would drop them ("Cœur" → "cur").
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def slugify(text):
    """A URL slug from French text: "Restos du Cœur" → "restos-du-coeur" (ligatures spelt out, accents dropped)."""
    return django_slugify(str(text or "").translate(_LIGATURES))


def legacy_slugify(text):
    """The slug made before ligatures were spelt out, to find identifiers stored back then."""
    return django_slugify(text or "")
