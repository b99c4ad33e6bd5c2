"""Organisations, places and the services they offer: models, vocabularies, opening hours, closures, admin."""
