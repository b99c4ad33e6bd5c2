"""What the newsletter sends: the issue (HTML with inlined CSS + plain text) and the confirmation e-mail."""

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate, parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.models import Site
from wagtail.rich_text import expand_db_html

from .htmlmail import html_to_text, inline_css
from .tokens import confirmation_token, unsubscribe_token

# Stands for each recipient's own unsubscribe link in the rendered issue; replaced per message.
UNSUBSCRIBE_PLACEHOLDER = "https://desinscription.invalid/lien-personnel"


def site_url():
    return settings.SITE_URL.rstrip("/")


def from_email():
    return settings.NEWSLETTER_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL


def sender_domain():
    address = parseaddr(from_email())[1]
    return address.rpartition("@")[2] or "localhost"


def absolute(url):
    if url and url.startswith("/") and not url.startswith("//"):
        return site_url() + url
    return url


def contact_settings():
    from home.models import ContactSettings

    site = Site.objects.filter(is_default_site=True).first()
    return ContactSettings.for_site(site)


def _page_summary(page):
    for attribute in ("summary", "intro", "search_description"):
        value = getattr(page, attribute, "")
        if value and isinstance(value, str):
            return html_to_text(value) if "<" in value else value
    return ""


def issue_content(page):
    """The parts of an issue, with absolute links, for the web page and both e-mail parts."""
    news = []
    for item in page.news_items.select_related("news_page"):
        target = item.news_page.specific
        url = target.get_url() if target.live else None
        if url:
            news.append(
                {
                    "title": target.title,
                    "url": absolute(url),
                    "summary": item.summary or _page_summary(target),
                }
            )
    services = []
    for item in page.service_items.select_related("service__place__commune", "service__organisation"):
        service = item.service
        if not service.live:
            continue
        place = service.place
        services.append(
            {
                "title": service.title,
                "url": absolute(service.get_absolute_url()),
                "summary": item.note or service.summary,
                "organisation": service.organisation.name if service.organisation_id else "",
                "commune": place.commune.name if place and place.commune_id else "",
                "phone": service.contact_phone,
            }
        )
    editorial = expand_db_html(page.editorial or "")
    cta = None
    if page.cta_label and page.cta_href:
        cta = {
            "title": page.cta_title,
            "text": page.cta_text,
            "label": page.cta_label,
            "url": absolute(page.cta_href),
        }
    return {"editorial": editorial, "news": news, "services": services, "cta": cta}


@dataclass
class RenderedIssue:
    subject: str
    html: str
    text: str

    def preview_html(self):
        return self.html.replace(UNSUBSCRIBE_PLACEHOLDER, "#")


def render_issue(page):
    content = issue_content(page)
    context = {
        "page": page,
        "subject": page.subject,
        "preheader": page.preheader,
        "archive_url": absolute(page.get_url() or ""),
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "contact": contact_settings(),
        "site_url": site_url(),
        **content,
    }
    html = inline_css(render_to_string("newsletter/email/issue.html", context), base_url=site_url())
    context["editorial_text"] = html_to_text(content["editorial"], base_url=site_url())
    text = render_to_string("newsletter/email/issue.txt", context)
    return RenderedIssue(subject=page.subject, html=html, text=text.strip() + "\n")


@dataclass
class Outgoing:
    """One recipient's message: Django's EmailMessage, built only if the backend needs it, and, when the issue's
    template allows, the same message as ready-made MIME bytes for an SMTP connection."""

    to: str
    build: Callable[[], EmailMultiAlternatives]
    data: bytes | None = None


# Template markers: plain ASCII that no encoding or folding step changes, and that no real value can contain.
TO_MARKER = "destinataire.7f3c1a@marqueur.invalid"
MESSAGE_ID_MARKER = "<identifiant.7f3c1a@marqueur.invalid>"
MAILTO_MARKER = "sujet.7f3c1a"
DATE_MARKER = "date.7f3c1a"


class IssueMailer:
    """Builds each recipient's message from the issue rendered once: only the links and headers differ."""

    def __init__(self, subject, html, text):
        self.subject = subject
        self.html = html
        self.text = text
        self.from_email = from_email()
        self.domain = sender_domain()
        self.site_url = site_url()
        self.unsubscribe_path = reverse("newsletter:unsubscribe", args=["TOKEN"])
        self.mailto = settings.NEWSLETTER_UNSUBSCRIBE_MAILTO
        self.template = self._serialized_template()

    def unsubscribe_url(self, token):
        return self.site_url + self.unsubscribe_path.replace("TOKEN", token)

    def headers(self, url, mailto_subject):
        links = [f"<{url}>"]
        if self.mailto:
            links.append(f"<mailto:{self.mailto}?subject={mailto_subject}>")
        return {
            "List-Unsubscribe": ", ".join(links),
            # RFC 8058: mailbox providers may unsubscribe with one POST to the https link, no page in between.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Lettre d'information <lettre.{self.domain}>",
        }

    def _build(self, email, url, mailto_subject, message_id=None, subject_prefix="", extra=None):
        headers = self.headers(url, mailto_subject) if mailto_subject is not None else {}
        if message_id:
            headers["Message-ID"] = message_id
        headers.update(extra or {})
        message = EmailMultiAlternatives(
            subject_prefix + self.subject,
            self.text.replace(UNSUBSCRIBE_PLACEHOLDER, url),
            self.from_email,
            [email],
            headers=headers,
        )
        message.attach_alternative(self.html.replace(UNSUBSCRIBE_PLACEHOLDER, escape(url)), "text/html")
        return message

    def _serialized_template(self):
        marker_url = UNSUBSCRIBE_PLACEHOLDER
        message = self._build(
            TO_MARKER, marker_url, MAILTO_MARKER, message_id=MESSAGE_ID_MARKER, extra={"Date": DATE_MARKER}
        )
        data = message.message().as_bytes(linesep="\r\n")
        expected_urls = (
            1 + self.text.count(UNSUBSCRIBE_PLACEHOLDER) + self.html.count(UNSUBSCRIBE_PLACEHOLDER)
        )
        intact = (
            data.count(TO_MARKER.encode()) == 1
            and data.count(MESSAGE_ID_MARKER.encode()) == 1
            and data.count(DATE_MARKER.encode()) == 1
            and data.count(MAILTO_MARKER.encode()) == (1 if self.mailto else 0)
            and data.count(marker_url.encode()) == expected_urls
        )
        # A body Django had to encode (quoted-printable, base64) may have split a marker: build each message then.
        return data if intact else None

    def message(self, email, key, message_id=None, subject_prefix=""):
        """Django's EmailMessage for this recipient (`key` None: a test send, with no working unsubscribe link)."""
        if key is None:
            return self._build(email, self.unsubscribe_url("essai"), None, subject_prefix=subject_prefix)
        token = unsubscribe_token(key)
        return self._build(
            email, self.unsubscribe_url(token), quote(f"desinscription {token}"), message_id=message_id
        )

    def outgoing(self, email, key, message_id):
        """This recipient's message for the send loop. Serialising a multipart message costs more than sending it
        to a nearby server, and every recipient's message differs only by a few strings: SMTP gets the bytes of a
        template Django serialised once, with those strings replaced."""
        outgoing = Outgoing(email, lambda: self.message(email, key, message_id=message_id))
        if self.template is not None and email.isascii():
            token = unsubscribe_token(key)
            outgoing.data = (
                self.template.replace(TO_MARKER.encode(), email.encode())
                .replace(MESSAGE_ID_MARKER.encode(), message_id.encode())
                .replace(DATE_MARKER.encode(), formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode())
                .replace(MAILTO_MARKER.encode(), quote(f"desinscription {token}").encode())
                .replace(UNSUBSCRIBE_PLACEHOLDER.encode(), self.unsubscribe_url(token).encode())
            )
        return outgoing

    def message_id(self, campaign_id, delivery_id):
        # Stable across a resume: a receiver that deduplicates by Message-ID drops a copy sent again.
        return f"<lettre.{campaign_id}.{delivery_id}@{self.domain}>"


def confirmation_message(subscriber, wording):
    url = site_url() + reverse("newsletter:confirm", args=[confirmation_token(subscriber)])
    days = max(1, settings.NEWSLETTER_CONFIRMATION_MAX_AGE // 86400)
    context = {
        "confirm_url": url,
        "days": days,
        "wording": wording,
        "contact": contact_settings(),
        "site_url": site_url(),
    }
    text = render_to_string("newsletter/email/confirmation.txt", context)
    html = inline_css(render_to_string("newsletter/email/confirmation.html", context), base_url=site_url())
    message = EmailMultiAlternatives(
        _("Confirmez votre inscription à la lettre d'information"),
        text,
        from_email(),
        [subscriber.email],
    )
    message.attach_alternative(html, "text/html")
    return message
