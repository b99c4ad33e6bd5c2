"""The public JSON API (django-ninja) and the plain dicts it answers with."""
