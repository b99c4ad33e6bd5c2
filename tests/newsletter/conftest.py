"""A real SMTP server on loopback (aiosmtpd) and the newsletter pages."""

import asyncio
import email
import logging
import socket
import threading
from collections import Counter
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from tests.factories import make_site

# aiosmtpd logs every connection at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Accepts every message and keeps it; can answer given codes first, or hold a message before answering."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # (recipients, parsed message)
        self.rcpt_replies = {}  # address → replies to give before accepting
        self.data_replies = {}
        self.drop_after_data = (
            set()
        )  # addresses whose message is kept but whose connection drops before the answer
        self.hold_after = None  # hold the answer to the message after this many have been received
        self.held = threading.Event()
        self.release = None  # asyncio.Event, created in the server's loop

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            replies = self.rcpt_replies.get(address)
            if replies:
                return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for address in envelope.rcpt_tos:
                replies = self.data_replies.get(address)
                if replies:
                    return replies.pop(0)
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            message.raw = envelope.content
            self.messages.append((list(envelope.rcpt_tos), message))
            hold = self.hold_after is not None and len(self.messages) > self.hold_after
            drop = bool(self.drop_after_data & set(envelope.rcpt_tos))
            self.drop_after_data -= set(envelope.rcpt_tos)
        if drop:
            server.transport.close()
            return "250 Never seen by the client"
        if hold:
            # The whole message is here (a real server would have queued it), but the client gets no answer yet.
            self.release = self.release or asyncio.Event()
            self.held.set()
            await self.release.wait()
        return "250 Message accepted for delivery"

    def recipients(self):
        with self.lock:
            return Counter(address for recipients, _message in self.messages for address in recipients)

    def messages_to(self, address):
        with self.lock:
            return [message for recipients, message in self.messages if address in recipients]

    def count(self):
        with self.lock:
            return len(self.messages)


class SMTPServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        if self.handler.release is not None:
            self.controller.loop.call_soon_threadsafe(self.handler.release.set)
        self.controller.stop()

    def release_held(self):
        loop = self.controller.loop
        loop.call_soon_threadsafe(lambda: (self.handler.release or asyncio.Event()).set())


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Django's SMTP backend pointed at the loopback server; no pacing, tiny retry delays."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.SITE_URL = "https://gers.example"
    settings.NEWSLETTER_RATE_PER_MINUTE = 0
    settings.NEWSLETTER_RETRY_BACKOFF = 0.01
    settings.NEWSLETTER_UNSUBSCRIBE_MAILTO = "desinscription@gers.example"
    return smtp_server


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


@pytest.fixture
def newsletter_index(db):
    from newsletter.models import NewsletterIndexPage

    _site, home = make_site()
    index = NewsletterIndexPage(title="Lettre d'information", slug="lettre-information")
    home.add_child(instance=index)
    return index


@pytest.fixture
def issue(newsletter_index):
    from newsletter.models import NewsletterIssuePage

    page = NewsletterIssuePage(
        title="Lettre de mars",
        slug="lettre-de-mars",
        preheader="Les nouvelles du mois",
        editorial='<p>Bonjour à toutes et à tous, voici <a href="/annuaire/">l\'annuaire</a>.</p><ul><li>Un</li></ul>',
        cta_title="Le Numéro Vert",
        cta_text="Appelez-nous.",
        cta_label="En savoir plus",
        cta_url="https://gers.example/numero-vert/",
    )
    newsletter_index.add_child(instance=page)
    page.save_revision().publish()
    return page


def make_subscribers(count, status="confirmed", prefix="abonne"):
    from newsletter.models import Subscriber

    Subscriber.objects.bulk_create(
        Subscriber(email=f"{prefix}{number}@exemple.fr", status=status) for number in range(count)
    )
    return list(Subscriber.objects.filter(email__startswith=prefix).order_by("pk"))
