"""Focused tests: the CSS inliner, plain text, the prepared messages, tokens, imports, provider events, purge."""

import smtplib
import uuid
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core.management import call_command
from django.utils import timezone

from newsletter import sending
from newsletter.emails import IssueMailer
from newsletter.htmlmail import html_to_text, inline_css
from newsletter.models import Consent, Subscriber, SubscriberStatus
from newsletter.subscriptions import mark_undeliverable, purge_unconfirmed
from newsletter.tokens import InvalidLink, read_unsubscribe_token, unsubscribe_token


def _styles(html, tag_start):
    """The declarations of the first element whose start tag begins with `tag_start`, as a dict."""
    tag = html[html.index(tag_start) :].split(">", 1)[0]
    style = tag.split(' style="', 1)[1].split('"', 1)[0]
    return {
        name.strip(): value.strip() for name, value in (d.split(":", 1) for d in style.split(";") if ":" in d)
    }


def test_inliner_specificity_order_and_own_style():
    html = """<html><head><style>
        p { color: #111; margin: 0 }
        .box p { color: #222 }
        p.lead { font-weight: bold }
        @media (max-width: 600px) { p { color: #333 } }
        a.button, .cta a { color: #fff }
        a:hover { color: red }
    </style></head><body><div class="box"><p class="lead" style="margin: 4px">Texte</p></div>
    <div class="cta"><a href="/annuaire/">Lien</a></div><img src="/media/x.png" alt=""></body></html>"""
    out = inline_css(html, base_url="https://gers.example")
    assert "<style" not in out and "@media" not in out and ":hover" not in out
    assert _styles(out, '<p class="lead"') == {"color": "#222", "margin": "4px", "font-weight": "bold"}
    assert _styles(out, '<a href="https://gers.example/annuaire/"') == {"color": "#fff"}
    assert 'src="https://gers.example/media/x.png"' in out


def test_inliner_keeps_lines_short_and_text_intact():
    words = " ".join(["mot"] * 600)
    attributes = " ".join(f'data-n{n}="{n}"' for n in range(150))
    out = inline_css(
        f"<html><head><style>p {{ color: red }}</style></head><body><p {attributes}>{words} &amp; fin</p>"
        f"<pre>{'  '.join(['code'] * 150)}</pre></body></html>"
    )
    assert all(len(line) <= 998 for line in out.splitlines())
    spaced = " ".join(out.split())  # a line break renders as a space
    assert spaced.count("mot") == 600 and "&amp; fin" in spaced and spaced.count('data-n149="149"') == 1
    assert "  ".join(["code"] * 150) in out  # whitespace inside <pre> is meaningful: never broken


def test_html_to_text():
    text = html_to_text(
        '<h2>Titre</h2><p>Un <a href="/x/">lien</a>, <b>gras</b>.</p><ul><li>un</li><li>deux</li></ul>',
        base_url="https://gers.example",
    )
    assert text == "Titre\n\nUn lien (https://gers.example/x/), gras.\n\n- un\n- deux"


@pytest.mark.django_db
def test_prepared_message_bytes_match_djangos_own(settings):
    settings.SITE_URL = "https://gers.example"
    html = '<!DOCTYPE html><html><body><p style="color: red">Éditorial</p>' + (
        '<a href="https://desinscription.invalid/lien-personnel">Se désinscrire</a></body></html>\n'
    )
    text = "Éditorial\n\nSe désinscrire : https://desinscription.invalid/lien-personnel\n"
    mailer = IssueMailer("Lettre d'été", html, text)
    assert mailer.template is not None
    key = uuid.uuid4()
    fast = mailer.outgoing("marie@exemple.fr", key, "<lettre.1.2@gerssolidaire.org>")
    assert fast.data is not None and fast.to == "marie@exemple.fr"
    slow = fast.build()
    a = message_from_bytes(fast.data, policy=policy.default)
    b = message_from_bytes(slow.message().as_bytes(linesep="\r\n"), policy=policy.default)
    for header in (
        "Subject",
        "From",
        "To",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "List-Id",
    ):
        assert str(a[header]).strip() == str(b[header]).strip(), header
    assert a["Date"]
    for kind in ("plain", "html"):
        assert (
            a.get_body(preferencelist=(kind,)).get_content()
            == b.get_body(preferencelist=(kind,)).get_content()
        )
    assert b"desinscription.invalid" not in fast.data and b"marqueur" not in fast.data
    # Non-ASCII addresses take Django's own path.
    assert mailer.outgoing("élodie@exemple.fr", key, "<x@y>").data is None


def test_unsubscribe_tokens():
    key = uuid.uuid4()
    token = unsubscribe_token(key)
    assert read_unsubscribe_token(token) == key
    with pytest.raises(InvalidLink):
        read_unsubscribe_token(token[:-2] + "xx")
    with pytest.raises(InvalidLink):
        read_unsubscribe_token("n'importe-quoi")


def test_error_classification():
    assert sending.classify(smtplib.SMTPDataError(451, b"plus tard")) == sending.TRANSIENT
    assert sending.classify(smtplib.SMTPDataError(554, b"refus")) == sending.PERMANENT
    assert sending.classify(smtplib.SMTPRecipientsRefused({"a@b.fr": (450, b"occupe")})) == sending.TRANSIENT
    assert sending.classify(smtplib.SMTPRecipientsRefused({"a@b.fr": (550, b"inconnu")})) == sending.PERMANENT
    assert sending.classify(smtplib.SMTPAuthenticationError(535, b"non")) == sending.SYSTEMIC
    assert sending.classify(smtplib.SMTPSenderRefused(553, b"non", "x@y")) == sending.SYSTEMIC
    assert sending.classify(ConnectionResetError()) == sending.TRANSIENT
    assert sending.classify(TimeoutError()) == sending.TRANSIENT


def test_pacer_spaces_messages():
    now = [0.0]
    pacer = sending.Pacer(120, clock=lambda: now[0])
    waits = []
    for _ in range(3):
        waits.append(pacer.delay())
        pacer.tick()
    assert waits == [0.0, 0.5, 1.0]
    assert sending.Pacer(0).delay() == 0.0


@pytest.mark.django_db
def test_provider_events_mark_addresses():
    anymail_signals = pytest.importorskip("anymail.signals")
    Subscriber.objects.create(email="rebond@exemple.fr", status=SubscriberStatus.CONFIRMED)
    Subscriber.objects.create(email="plainte@exemple.fr", status=SubscriberStatus.CONFIRMED)
    Subscriber.objects.create(email="ok@exemple.fr", status=SubscriberStatus.CONFIRMED)

    def event(event_type, recipient, reject_reason=None):
        return anymail_signals.AnymailTrackingEvent(
            event_type=event_type, recipient=recipient, reject_reason=reject_reason, timestamp=timezone.now()
        )

    anymail_signals.tracking.send(
        sender=object, event=event("bounced", "REBOND@exemple.fr"), esp_name="Brevo"
    )
    anymail_signals.tracking.send(
        sender=object, event=event("complained", "plainte@exemple.fr"), esp_name="Brevo"
    )
    anymail_signals.tracking.send(sender=object, event=event("delivered", "ok@exemple.fr"), esp_name="Brevo")
    anymail_signals.tracking.send(
        sender=object, event=event("bounced", "inconnu@exemple.fr"), esp_name="Brevo"
    )
    statuses = dict(Subscriber.objects.values_list("email", "status"))
    assert statuses == {
        "rebond@exemple.fr": SubscriberStatus.BOUNCED,
        "plainte@exemple.fr": SubscriberStatus.COMPLAINED,
        "ok@exemple.fr": SubscriberStatus.CONFIRMED,
    }
    # A later bounce does not downgrade a complaint.
    anymail_signals.tracking.send(
        sender=object, event=event("rejected", "plainte@exemple.fr", "bounced"), esp_name="Brevo"
    )
    assert Subscriber.objects.get(email="plainte@exemple.fr").status == SubscriberStatus.COMPLAINED


@pytest.mark.django_db
def test_mark_undeliverable_unknown_address():
    assert mark_undeliverable("personne@exemple.fr", SubscriberStatus.BOUNCED) is None


@pytest.mark.django_db
def test_purge_unconfirmed():
    old = Subscriber.objects.create(
        email="vieux@exemple.fr",
        status=SubscriberStatus.PENDING,
        status_changed_at=timezone.now() - timedelta(days=40),
    )
    Consent.objects.create(subscriber=old, wording="Oui", source="form")
    Subscriber.objects.create(email="recent@exemple.fr", status=SubscriberStatus.PENDING)
    Subscriber.objects.create(
        email="inscrit@exemple.fr",
        status=SubscriberStatus.CONFIRMED,
        status_changed_at=timezone.now() - timedelta(days=400),
    )
    assert purge_unconfirmed(days=30) == 1
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "recent@exemple.fr",
        "inscrit@exemple.fr",
    }
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_import_command_reconfirm(
    tmp_path, smtp_settings, newsletter_index, capsys, django_capture_on_commit_callbacks
):
    path = tmp_path / "liste.csv"
    path.write_text("courriel,nom\nmarie@exemple.fr,Marie\nmarie@exemple.fr,Marie\npaul@exemple.fr,Paul\n")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("newsletter_import", str(path), "--reconfirm", "--origin", "Ancien site")
    assert "2 adresses ajoutées (2 en attente de confirmation)" in capsys.readouterr().out
    assert set(Subscriber.objects.values_list("status", flat=True)) == {SubscriberStatus.PENDING}
    # Each got one confirmation e-mail (tasks run immediately in tests), nothing else.
    assert smtp_settings.handler.recipients() == {"marie@exemple.fr": 1, "paul@exemple.fr": 1}
    consent = Consent.objects.get(subscriber__email="paul@exemple.fr")
    assert consent.source == "import" and consent.confirmed_at is None and consent.origin == "Ancien site"


@pytest.mark.django_db
def test_import_command_errors(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "liste.csv"
    path.write_text("nom\nMarie\n")
    with pytest.raises(CommandError, match="Colonne « email » introuvable"):
        call_command("newsletter_import", str(path), "--reconfirm", "--origin", "x")
    with pytest.raises(CommandError, match="--wording est obligatoire"):
        call_command("newsletter_import", str(path), "--keep-consent", "--origin", "x")
    with pytest.raises(CommandError, match="Lecture impossible"):
        call_command("newsletter_import", str(tmp_path / "absent.csv"), "--reconfirm", "--origin", "x")
