"""Sending an issue to every confirmed subscriber, resumable after a crash with no duplicate.

One Delivery row per recipient is created when the send is requested. The worker then walks the pending rows in
batches, paced to NEWSLETTER_RATE_PER_MINUTE, over NEWSLETTER_SMTP_CONNECTIONS connections; for each message:

1. builds it and starts the SMTP transaction (MAIL FROM, RCPT TO, DATA and the whole body — newsletter.smtp's
   two-phase connection stops there);
2. just before the last bytes (the end-of-data dot) leave, commits `pending → sending` for that row — one
   transaction: a conditional UPDATE, which also covers the claims of the other connections that arrive at the
   same moment (group commit), and one recording the outcomes that came in since;
3. sends the dot, reads the server's answer, and records `sent`, a retry, or `failed` (with the next commit).

What that guarantees, and what it cannot:

- **No duplicate.** A row is sent only after winning `pending → sending`; a resumed or second worker skips every
  row that is not pending. A row left `sending` by a crash is never sent again automatically.
- **No lost recipient from a crash before step 2.** An SMTP server discards a transaction whose end-of-data it
  never received (RFC 5321 §4.1.1.4), so a row that is still `pending` was not delivered and is sent on resume.
- **At most one uncertain row per connection per crash**: a crash between step 2 and the recorded outcome leaves
  its row `sending`. The server may or may not have accepted that message; nobody can know without asking the
  recipient. The report lists it as "incertain"; `manage.py newsletter_resume --resend-uncertain` sends it again
  with the same Message-ID (many mailbox providers then drop the copy), at the risk of a duplicate.
- The same holds for a lost connection after the dot (the row stays `sending`, reported). With a non-SMTP backend
  (an HTTP API through anymail), step 2 happens before the API call, so the uncertain window is the whole call.
- Durability is the database's: against a crash of the worker, any committed row counts. Against a crash of the
  database server or machine, it holds as long as commits are durable (PostgreSQL's default
  `synchronous_commit = on`, SQLite's default `synchronous = FULL`); nothing here turns that off.
"""

import contextlib
import logging
import queue
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import IntegrityError, router, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from .emails import IssueMailer, from_email, render_issue
from .models import Campaign, CampaignStatus, Delivery, DeliveryStatus, NewsletterIssuePage, Subscriber
from .models import SubscriberStatus as SubStatus
from .smtp import TwoPhaseEmailBackend

logger = logging.getLogger(__name__)

COMMIT_DELAY = 0.002  # seconds a group commit waits for more claims when several connections send


class AlreadySent(Exception):
    pass


class NotPublished(Exception):
    pass


class ClaimLost(Exception):
    """The row was no longer pending (another worker took it, or the subscriber left): do not send."""


class LeaseLost(Exception):
    """Another worker took over this campaign: stop quietly."""


class ServerUnavailable(Exception):
    pass


# --- Requesting a send -----------------------------------------------------------------------------------------


def create_campaign(issue, user=None, enqueue=True):
    """Render the published issue once and create one pending delivery per confirmed subscriber."""
    issue = NewsletterIssuePage.objects.get(pk=issue.pk)
    if not issue.live:
        raise NotPublished
    rendered = render_issue(issue)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                issue=issue, subject=rendered.subject, html=rendered.html, text=rendered.text, created_by=user
            )
            recipients = (
                Subscriber.objects.filter(status=SubStatus.CONFIRMED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            Delivery.objects.bulk_create(
                (Delivery(campaign=campaign, subscriber_id=pk) for pk in recipients.iterator()),
                batch_size=1000,
            )
    except IntegrityError as exc:
        raise AlreadySent from exc
    if enqueue:
        transaction.on_commit(lambda: enqueue_campaign(campaign.pk))
    return campaign


def enqueue_campaign(campaign_id):
    result = send_campaign.enqueue(campaign_id)
    Campaign.objects.filter(pk=campaign_id).update(task_id=str(result.id)[:64])
    return result


def resume_campaign(campaign, resend_uncertain=False, enqueue=True):
    """Queue a campaign again after a crash or an interruption. Returns how many uncertain rows were re-queued."""
    campaign.refresh_from_db()
    requeued = 0
    if resend_uncertain:
        if campaign.lease_is_live():
            raise LeaseLost(_("Un envoi est encore en cours pour cette lettre : attendez qu'il s'arrête."))
        requeued = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING, next_attempt_at=None
        )
    has_work = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING).exists()
    if has_work or campaign.status != CampaignStatus.DONE:
        Campaign.objects.filter(pk=campaign.pk).exclude(status=CampaignStatus.SENDING).update(
            status=CampaignStatus.QUEUED, finished_at=None
        )
        if enqueue:
            transaction.on_commit(lambda: enqueue_campaign(campaign.pk))
    return requeued


def campaigns_to_resume():
    return Campaign.objects.filter(
        Q(status__in=[CampaignStatus.QUEUED, CampaignStatus.SENDING, CampaignStatus.INTERRUPTED])
        | Q(deliveries__status=DeliveryStatus.PENDING)
    ).distinct()


# --- Errors ----------------------------------------------------------------------------------------------------

TRANSIENT, PERMANENT, SYSTEMIC = "transient", "permanent", "systemic"


def classify(exc):
    """transient (retry later), permanent (give up on this address) or systemic (stop the whole send)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return TRANSIENT if codes and all(400 <= code < 500 for code in codes) else PERMANENT
    if isinstance(
        exc, (smtplib.SMTPAuthenticationError, smtplib.SMTPHeloError, smtplib.SMTPNotSupportedError)
    ):
        return SYSTEMIC
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return TRANSIENT if 400 <= exc.smtp_code < 500 else SYSTEMIC
    if isinstance(exc, smtplib.SMTPResponseException):
        return TRANSIENT if 400 <= exc.smtp_code < 500 else PERMANENT
    status_code = getattr(exc, "status_code", None)  # anymail's API errors
    if isinstance(status_code, int):
        if status_code in (401, 403):
            return SYSTEMIC
        return TRANSIENT if status_code == 429 or status_code >= 500 else PERMANENT
    return TRANSIENT  # connection errors, time-outs, anything unexpected: try again later


def describe(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {message.decode(errors='replace') if isinstance(message, bytes) else message}"
            for code, message in exc.recipients.values()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        message = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return f"{exc.smtp_code} {message}"
    return f"{type(exc).__name__}: {exc}"[:1000]


# --- The transport: the site's e-mail backend, with a pause before the end of data -----------------------------


class Transport:
    """One sender thread's connection. With Django's SMTP backend (what EMAIL_URL configures), messages go through a
    two-phase connection (newsletter.smtp) and the claim runs just before the end-of-data dot; with another backend
    (console, an HTTP API through anymail), it runs before the backend is called."""

    def __init__(self):
        self.backend = None
        self.from_address = None

    def open(self):
        if self.backend is None:
            if import_string(settings.EMAIL_BACKEND) is SMTPBackend:
                # Same settings (host, port, STARTTLS/SSL, login, time-out), two-phase connections.
                backend = TwoPhaseEmailBackend(fail_silently=False)
            else:
                backend = get_connection(fail_silently=False)
            if isinstance(backend, SMTPBackend) and backend.timeout is None:
                backend.timeout = settings.NEWSLETTER_SMTP_TIMEOUT
            try:
                backend.open()
            except Exception as exc:
                raise ServerUnavailable(describe(exc)) from exc
            self.backend = backend
            self.from_address = sanitize_address(from_email(), settings.DEFAULT_CHARSET)

    def close(self):
        if self.backend is not None:
            with contextlib.suppress(Exception):  # the connection is being dropped anyway
                self.backend.close()  # in the middle of DATA, drops it without QUIT: the server discards it
            self.backend = None

    def send(self, outgoing, before_last_bytes):
        """Send one message; `before_last_bytes()` runs just before the point of no return.

        Returns True once the server accepted it. Raises the backend's error otherwise, with `.after_commit_point`
        set when the error came after `before_last_bytes()` ran.
        """
        self.open()
        marked = False
        try:
            if isinstance(self.backend, TwoPhaseEmailBackend):
                if outgoing.data is not None:
                    # The bytes are the message Django serialised once for the campaign, personalised.
                    envelope = (self.from_address, [outgoing.to], outgoing.data)
                else:
                    envelope = self.backend.envelope(outgoing.build())
                connection = self.backend.connection
                connection.begin_data(*envelope)
                before_last_bytes()
                marked = True
                connection.end_data()
                sent = True
            else:
                before_last_bytes()
                marked = True
                sent = self.backend.send_messages([outgoing.build()])
        except Exception as exc:
            exc.after_commit_point = marked
            if not isinstance(exc, smtplib.SMTPResponseException) or isinstance(exc, ClaimLost):
                self.close()  # the connection is in an unknown state
            raise
        if not sent:
            error = RuntimeError(_("Le serveur n'a pas pris le message."))
            error.after_commit_point = marked
            raise error
        return True


# --- The worker loop ---------------------------------------------------------------------------------------------


class HotPath:
    """The statements run for every message. The querysets are built once: Django resolves a filter when it is
    added, and resolving the subscriber's subquery for every message would cost more than the commit itself."""

    def __init__(self):
        self.using = router.db_for_write(Delivery)
        subscribed = Exists(
            Subscriber.objects.filter(pk=OuterRef("subscriber_id"), status=SubStatus.CONFIRMED)
        )
        self.claimable = Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(subscribed)
        self.in_flight = Delivery.objects.filter(status=DeliveryStatus.SENDING)

    def claim_and_record(self, claim_ids, sent_ids):
        """pending → sending for `claim_ids` (still pending, subscriber still confirmed), sending → sent for
        `sent_ids`, in one transaction: one commit for every message. Returns the claimed ids this call won."""
        claim_ids = list(dict.fromkeys(claim_ids))
        if not claim_ids and not sent_ids:
            return set()
        now, won = timezone.now(), set()
        with transaction.atomic(using=self.using, savepoint=False):
            if sent_ids:
                self.in_flight.filter(pk__in=sent_ids).update(
                    status=DeliveryStatus.SENT, sent_at=now, last_error=""
                )
            if claim_ids:
                claimed = self.claimable.filter(pk__in=claim_ids).update(
                    status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
                )
                if claimed == len(claim_ids):
                    won = set(claim_ids)
                elif claimed:
                    # Some row was no longer claimable (the subscriber left…): ours are those this statement just
                    # claimed, which the transaction keeps anyone else from changing meanwhile.
                    won = set(
                        self.in_flight.filter(pk__in=claim_ids, claimed_at=now).values_list("pk", flat=True)
                    )
        return won


class Pacer:
    """At most `rate` messages per minute, evenly spaced."""

    def __init__(self, rate_per_minute, clock=time.monotonic):
        self.interval = 60.0 / rate_per_minute if rate_per_minute and rate_per_minute > 0 else 0.0
        self.clock = clock
        self.next_at = None

    def delay(self):
        if not self.interval or self.next_at is None:
            return 0.0
        return max(0.0, self.next_at - self.clock())

    def tick(self):
        if self.interval:
            now = self.clock()
            self.next_at = max(now, self.next_at or now) + self.interval


@dataclass
class RunResult:
    campaign_id: int
    status: str
    counts: dict = field(default_factory=dict)

    def as_dict(self):
        return {"campaign": self.campaign_id, "status": self.status, **self.counts}


@dataclass
class _Job:
    delivery_id: int
    attempts: int
    email: str
    key: uuid.UUID


class _ClaimRequest:
    def __init__(self, delivery_id):
        self.delivery_id = delivery_id
        self.done = threading.Event()
        self.won = False


class _SenderThread(threading.Thread):
    """Holds one SMTP connection and sends the jobs it takes; never touches the database.

    A thread per connection rather than a concurrent.futures pool: the connection is the thread's state for its
    whole life (opened once, reopened after an error or a full batch, closed when the thread ends); a pool would
    need thread-local connections and offers no hook to close them.
    """

    def __init__(self, sender, index):
        super().__init__(name=f"lettre-{sender.campaign_id}-{index}", daemon=True)
        self.sender = sender
        self.transport = Transport()
        self.on_connection = 0

    def run(self):
        try:
            while True:
                job = self.sender.jobs.get()
                if job is None:
                    return
                self.sender.events.put(self.process(job))
        finally:
            self.transport.close()

    def process(self, job):
        sender = self.sender
        if sender.stopping.is_set():
            return ("skipped", job, None)
        try:
            sender.wait_for_turn()
            outgoing = sender.mailer.outgoing(
                job.email, job.key, sender.mailer.message_id(sender.campaign_id, job.delivery_id)
            )
            self.transport.send(outgoing, before_last_bytes=lambda: sender.claim(job.delivery_id))
        except ClaimLost:
            return ("skipped", job, None)
        except ServerUnavailable as exc:
            return ("server", job, exc)
        except Exception as exc:
            return ("error", job, exc)
        finally:
            self.on_connection += 1
            if self.on_connection >= sender.batch_size:  # servers cap the messages of one connection
                self.transport.close()
                self.on_connection = 0
        return ("sent", job, None)


class CampaignSender:
    """Coordinates NEWSLETTER_SMTP_CONNECTIONS sender threads; all database work happens in this (calling) thread.

    Claims that arrive together are granted in one statement: with several connections, one commit covers
    several messages. A crash leaves at most one uncertain row per connection.
    """

    def __init__(self, campaign_id, owner=None, sleep=time.sleep):
        self.campaign_id = campaign_id
        self.owner = owner or uuid.uuid4().hex
        self.sleep = sleep
        self.batch_size = max(1, int(settings.NEWSLETTER_BATCH_SIZE))
        self.max_attempts = max(1, int(settings.NEWSLETTER_MAX_ATTEMPTS))
        self.backoff = float(settings.NEWSLETTER_RETRY_BACKOFF)
        self.lease = float(settings.NEWSLETTER_LEASE_SECONDS)
        self.connections = max(1, int(settings.NEWSLETTER_SMTP_CONNECTIONS))
        self.pacer = Pacer(settings.NEWSLETTER_RATE_PER_MINUTE)
        self.pace_lock = threading.Lock()
        self.jobs = queue.Queue()
        self.events = queue.Queue()
        self.stopping = threading.Event()
        self.closed = threading.Event()
        self.outcomes = []  # failures, recorded with the next commit
        self.sent = []  # accepted by the server, recorded with the next commit
        self.lease_renewed_at = 0.0
        self.server_failures = 0
        self.hot_path = HotPath()
        self.mailer = None

    # Lease: one worker process per campaign; a dead worker's lease expires.

    def acquire_lease(self):
        now = timezone.now()
        return bool(
            Campaign.objects.filter(pk=self.campaign_id)
            .exclude(status=CampaignStatus.DONE)
            .filter(Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_owner=self.owner))
            .update(
                lease_owner=self.owner,
                lease_expires_at=now + timedelta(seconds=self.lease),
                status=CampaignStatus.SENDING,
                started_at=Coalesce(F("started_at"), now),
                last_error="",
            )
        )

    def lease_due(self):
        return time.monotonic() - self.lease_renewed_at >= self.lease / 4

    def renew_lease(self, force=False):
        if not force and not self.lease_due():
            return
        renewed = Campaign.objects.filter(pk=self.campaign_id, lease_owner=self.owner).update(
            lease_expires_at=timezone.now() + timedelta(seconds=self.lease)
        )
        if not renewed:
            raise LeaseLost
        self.lease_renewed_at = time.monotonic()

    def release_lease(self, **fields):
        Campaign.objects.filter(pk=self.campaign_id, lease_owner=self.owner).update(
            lease_owner="", lease_expires_at=None, **fields
        )

    # Recording outcomes.

    def flush(self):
        if self.outcomes or self.sent:
            with transaction.atomic():
                self._write_outcomes()

    def _write_outcomes(self):
        if self.sent:
            self.hot_path.claim_and_record([], self.sent)
            self.sent = []
        for delivery_id, from_status, values in self.outcomes:
            Delivery.objects.filter(pk=delivery_id, status=from_status).update(**values)
        self.outcomes = []

    def _record_failure(self, job, exc):
        marked = getattr(exc, "after_commit_point", False)
        attempts = job.attempts + 1  # the claim counted it, or the values below do
        kind = classify(exc)
        error = describe(exc)
        values = {"last_error": error}
        if not marked:
            values["attempts"] = F("attempts") + 1
        if marked and not isinstance(exc, smtplib.SMTPResponseException) and kind != PERMANENT:
            # The end of data left but no answer came back: it may have been delivered. Leave it "sending".
            values["last_error"] = _(
                "Incertain : la connexion a été perdue après l'envoi du message (%(error)s)."
            ) % {"error": error}
        elif kind == PERMANENT or attempts >= self.max_attempts:
            values.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        else:
            delay = self.backoff * (2 ** max(0, attempts - 1))
            values.update(
                status=DeliveryStatus.PENDING, next_attempt_at=timezone.now() + timedelta(seconds=delay)
            )
        from_status = DeliveryStatus.SENDING if marked else DeliveryStatus.PENDING
        self.outcomes.append((job.delivery_id, from_status, values))
        logger.info("Lettre %s, distribution %s : %s (%s)", self.campaign_id, job.delivery_id, error, kind)

    # Called from the sender threads.

    def wait_for_turn(self):
        with self.pace_lock:
            delay = self.pacer.delay()
            self.pacer.tick()
        if delay > 0:
            time.sleep(delay)  # meanwhile the coordinator records outcomes and renews the lease

    def claim(self, delivery_id):
        """Blocks the sender thread until its row is claimed (committed) — or refused, then ClaimLost."""
        request = _ClaimRequest(delivery_id)
        self.events.put(("claim", request, None))
        while not request.done.wait(0.5):
            if self.closed.is_set():
                raise ClaimLost
        if not request.won:
            raise ClaimLost

    # The coordinator.

    def grant(self, requests):
        if self.stopping.is_set():
            won = set()
        else:
            ids = [request.delivery_id for request in requests]
            try:
                if self.outcomes or self.lease_due():
                    with transaction.atomic():
                        self.renew_lease(force=True)
                        self._write_outcomes()
                        won = self.hot_path.claim_and_record(ids, [])
                else:
                    sent, self.sent = self.sent, []
                    won = self.hot_path.claim_and_record(ids, sent)
            except BaseException:
                self.answer(requests, set())
                raise
        self.answer(requests, won)

    @staticmethod
    def answer(requests, won):
        for request in requests:
            request.won = request.delivery_id in won
            request.done.set()

    def run_batch(self, batch):
        """Send one batch through the sender threads; returns the server error that stopped it, if any."""
        for job in batch:
            self.jobs.put(job)
        remaining = len(batch)
        server_error = None
        unflushed_since = None
        while remaining:
            try:
                events = [self.events.get(timeout=0.01 if unflushed_since else 0.5)]
            except queue.Empty:
                events = []
            while True:
                try:
                    events.append(self.events.get_nowait())
                except queue.Empty:
                    break
            if self.connections > 1 and any(kind == "claim" for kind, _payload, _exc in events):
                # Group commit: other connections are usually about to ask too; a moment's wait lets one commit
                # cover their claims as well (a durable commit costs more than this wait).
                deadline = time.monotonic() + COMMIT_DELAY
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        events.append(self.events.get(timeout=left))
                    except queue.Empty:
                        break
            requests = []
            for kind, payload, exc in events:
                if kind == "claim":
                    requests.append(payload)
                    continue
                remaining -= 1
                if kind == "sent":
                    self.sent.append(payload.delivery_id)
                    self.server_failures = 0
                elif kind == "error":
                    if not getattr(exc, "after_commit_point", False) and classify(exc) == SYSTEMIC:
                        server_error = server_error or ServerUnavailable(describe(exc))
                    else:
                        self._record_failure(payload, exc)
                elif kind == "server":
                    server_error = server_error or exc
            if server_error and not self.stopping.is_set():
                # Not this recipient's fault: stop starting messages; rows not sent stay pending, untouched.
                self.stopping.set()
                remaining -= self._drain_jobs()
            if requests:
                self.grant(requests)
                unflushed_since = None
            elif self.sent or self.outcomes:
                # Wait a moment for a claim to carry these outcomes; record them alone if none comes.
                if unflushed_since is None:
                    unflushed_since = time.monotonic()
                elif time.monotonic() - unflushed_since >= 0.01:
                    self.flush()
                    unflushed_since = None
            else:
                self.renew_lease()
        self.flush()
        return server_error

    def _drain_jobs(self):
        drained = 0
        while True:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                return drained
            if job is None:  # pragma: no cover — stop markers are only queued after the last batch
                self.jobs.put(job)
                return drained
            drained += 1

    def skip_departed(self):
        """Rows whose subscriber left since the send was requested are never sent."""
        Delivery.objects.filter(campaign_id=self.campaign_id, status=DeliveryStatus.PENDING).exclude(
            subscriber__status=SubStatus.CONFIRMED
        ).update(status=DeliveryStatus.SKIPPED)

    def next_batch(self):
        now = timezone.now()
        rows = (
            Delivery.objects.filter(campaign_id=self.campaign_id, status=DeliveryStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .values_list("id", "attempts", "subscriber__email", "subscriber__key")[: self.batch_size]
        )
        return [_Job(*row) for row in rows]

    def seconds_until_retry(self):
        earliest = Delivery.objects.filter(
            campaign_id=self.campaign_id, status=DeliveryStatus.PENDING, next_attempt_at__isnull=False
        ).aggregate(at=Min("next_attempt_at"))["at"]
        if earliest is None:
            return None
        return max(0.0, (earliest - timezone.now()).total_seconds())

    def wait(self, seconds):
        """Sleep without letting the lease expire; outcomes are written first so nothing waits uncommitted."""
        self.flush()
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.sleep(min(remaining, max(0.05, self.lease / 4)))
            self.renew_lease()

    def run(self):
        waited = 0.0
        while not self.acquire_lease():
            campaign = Campaign.objects.filter(pk=self.campaign_id).first()
            if campaign is None or campaign.status == CampaignStatus.DONE:
                return RunResult(self.campaign_id, "nothing-to-do")
            # Another worker holds a live lease: it is sending, or it died and its lease will expire.
            pause = min(1.0, self.lease / 4)
            self.sleep(pause)
            waited += pause
            if waited > 24 * 3600:
                return RunResult(self.campaign_id, "gave-up-waiting")
        self.lease_renewed_at = time.monotonic()
        campaign = Campaign.objects.get(pk=self.campaign_id)
        self.mailer = IssueMailer(campaign.subject, campaign.html, campaign.text)
        threads = [_SenderThread(self, index) for index in range(self.connections)]
        for thread in threads:
            thread.start()
        try:
            status = self._loop()
        except LeaseLost:
            self.stopping.set()
            with contextlib.suppress(Exception):
                self.flush()  # what was sent is still worth recording
            logger.warning("Lettre %s : un autre processus a repris l'envoi.", self.campaign_id)
            return RunResult(self.campaign_id, "lease-lost")
        except ServerUnavailable as exc:
            self.flush()
            self.release_lease(status=CampaignStatus.INTERRUPTED, last_error=str(exc)[:1000])
            logger.error("Lettre %s interrompue : %s", self.campaign_id, exc)
            return RunResult(self.campaign_id, CampaignStatus.INTERRUPTED, delivery_counts(self.campaign_id))
        finally:
            self.closed.set()
            for _thread in threads:
                self.jobs.put(None)
            for thread in threads:
                thread.join(timeout=settings.NEWSLETTER_SMTP_TIMEOUT + 5)
        return RunResult(self.campaign_id, status, delivery_counts(self.campaign_id))

    def _loop(self):
        while True:
            self.flush()
            self.skip_departed()
            batch = self.next_batch()
            if not batch:
                delay = self.seconds_until_retry()
                if delay is None:
                    break
                self.wait(delay)
                continue
            server_error = self.run_batch(batch)
            if server_error is not None:
                # Cannot connect, or the server refuses us as a sender: wait, then try again; give up after a few.
                self.server_failures += 1
                if self.server_failures >= self.max_attempts:
                    raise server_error
                logger.warning(
                    "Lettre %s : serveur indisponible (%s), nouvel essai.", self.campaign_id, server_error
                )
                self.wait(self.backoff * (2 ** (self.server_failures - 1)))
                self.stopping.clear()
        self.flush()
        self.release_lease(status=CampaignStatus.DONE, finished_at=timezone.now())
        return CampaignStatus.DONE


def run_campaign(campaign_id, owner=None, sleep=time.sleep):
    return CampaignSender(campaign_id, owner=owner, sleep=sleep).run().as_dict()


@task()
def send_campaign(campaign_id):
    """The background task (`manage.py db_worker`) queued by create_campaign and resume_campaign."""
    return run_campaign(campaign_id)


# --- Reporting ---------------------------------------------------------------------------------------------------


def delivery_counts(campaign_id):
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    for row in Delivery.objects.filter(campaign_id=campaign_id).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[status] for status in DeliveryStatus.values)
    return counts


@dataclass
class CampaignReport:
    campaign: Campaign
    counts: dict
    uncertain: list
    failures: list
    departed: dict
    running: bool

    @property
    def done(self):
        return self.counts["sent"] + self.counts["failed"] + self.counts["skipped"]


def campaign_report(campaign, failure_limit=200):
    counts = delivery_counts(campaign.pk)
    running = bool(campaign.lease_is_live())
    sending = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).select_related(
        "subscriber"
    )
    # While a worker runs, its one in-flight row is "sending"; once none runs, such rows are uncertain.
    uncertain = [] if running else list(sending.order_by("id")[:failure_limit])
    failures = list(
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.FAILED)
        .select_related("subscriber")
        .order_by("id")[:failure_limit]
    )
    departed = {SubStatus.UNSUBSCRIBED: 0, SubStatus.BOUNCED: 0, SubStatus.COMPLAINED: 0}
    if campaign.started_at:
        rows = (
            Delivery.objects.filter(
                campaign=campaign,
                subscriber__status__in=list(departed),
                subscriber__status_changed_at__gte=campaign.started_at,
            )
            .values("subscriber__status")
            .annotate(n=Count("id"))
        )
        for row in rows:
            departed[row["subscriber__status"]] = row["n"]
    return CampaignReport(campaign, counts, uncertain, failures, departed, running)


def send_test(issue, addresses):
    """The issue's latest draft to staff addresses, with "[ESSAI]" in the subject. Returns how many went."""
    draft = issue.get_latest_revision_as_object() if issue.has_unpublished_changes else issue
    rendered = render_issue(draft)
    mailer = IssueMailer(rendered.subject, rendered.html, rendered.text)
    messages = [mailer.message(address, None, subject_prefix="[ESSAI] ") for address in addresses]
    connection = get_connection(fail_silently=False)
    return connection.send_messages(messages) or 0
