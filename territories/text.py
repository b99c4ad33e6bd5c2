"""Text normalisation for models and gazetteer (a module apart: models cannot import the gazetteer)."""

import re
import unicodedata

# Whitespace, hyphens/dashes, apostrophes (straight and typographic) and punctuation typed between name parts.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—'’‘`´.,;:/()]+")


def normalise(text) -> str:
    """Lower-case, accent-free, separators as single spaces: ``"L’Isle-Jourdain"`` → ``"l isle jourdain"``."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", str(text))
    # Drop accents; turn control and format characters (NUL included, which PostgreSQL rejects) into spaces.
    text = "".join(
        " " if unicodedata.category(c).startswith("C") else c for c in text if not unicodedata.combining(c)
    )
    # NFKD leaves ligatures alone (Escornebœuf): spell them out as people type them.
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return _SEPARATORS.sub(" ", text).strip()
