"""Signed links: the confirmation link expires, the unsubscribe link works as long as the address exists."""

import uuid

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class InvalidLink(Exception):
    pass


class ExpiredLink(InvalidLink):
    pass


def confirmation_token(subscriber):
    return signing.dumps(subscriber.key.hex, salt=CONFIRM_SALT)


def read_confirmation_token(token):
    """The subscriber key in a confirmation token; ExpiredLink or InvalidLink otherwise."""
    try:
        value = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ExpiredLink from exc
    except signing.BadSignature as exc:
        raise InvalidLink from exc
    return _as_uuid(value)


_unsubscribe_signer = None


def _signer():
    # One signer per process: its key derivation is the costly part, and the send loop signs thousands of links.
    global _unsubscribe_signer
    if _unsubscribe_signer is None or _unsubscribe_signer.key != settings.SECRET_KEY:
        _unsubscribe_signer = signing.Signer(salt=UNSUBSCRIBE_SALT)
    return _unsubscribe_signer


def unsubscribe_token(key):
    return _signer().sign(uuid.UUID(str(key)).hex)


def read_unsubscribe_token(token):
    try:
        value = _signer().unsign(token)
    except signing.BadSignature as exc:
        raise InvalidLink from exc
    return _as_uuid(value)


def _as_uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidLink from exc
