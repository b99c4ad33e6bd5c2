"""Wagtail loads this module: it registers the admin hooks defined beside it."""

from . import lockouts, page_guards  # noqa: F401 — importing them registers their hooks
