"""An SMTP connection that sends a message in two phases, so the sender can commit between them.

`smtplib.SMTP.sendmail` sends the body and the end-of-data dot in one go. The newsletter needs a pause just before
the dot: that is where it claims the delivery row (see `newsletter.sending`). An SMTP server discards a transaction
whose end of data it never received (RFC 5321 §4.1.1.4), so whatever happens before the dot delivers nothing.

    connection.begin_data(from_addr, [to], message)   # MAIL, RCPT, DATA (354) and the dot-quoted body
    ...                                               # the caller commits its claim here
    connection.end_data()                             # ".\\r\\n", then the server's answer

Together the two phases put on the wire the very bytes `sendmail` would (same MAIL/RCPT options, same quoting),
and raise the same exceptions for the same replies. `abort()` leaves a transaction between the two phases
unfinished: the connection is dropped, which is the only way out of DATA without ending the message.

`TwoPhaseEmailBackend` is Django's SMTP backend opening such connections: host, port, STARTTLS or SSL, login and
time-out come from the EMAIL_* settings exactly as for every other e-mail of the site.
"""

import re
import smtplib
import socket

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"


def fix_eols(message):
    """A str message as smtplib sends it: every line end CRLF, ASCII (smtplib's `_fix_eols`)."""
    return re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", message).encode("ascii")


def quote_body(message):
    """The message bytes as `smtplib.SMTP.data` puts them on the wire before the dot: a line starting with "."
    gets another, and the result ends with CRLF."""
    quoted = re.sub(rb"(?m)^\.", b"..", message)
    return quoted if quoted.endswith(CRLF) else quoted + CRLF


class TwoPhaseMixin:
    """begin_data/end_data on top of smtplib's SMTP (or SMTP_SSL) connection."""

    in_data = False  # True between begin_data() and end_data(): the server is reading the message

    def connect(self, host="localhost", port=0, source_address=None):
        reply = super().connect(host, port, source_address)
        # The dot goes alone, after a pause: without this, Nagle's algorithm may hold it until the server
        # acknowledges the body (up to its delayed-ACK time, 40 ms on Linux). Commands wait for a reply anyway.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def begin_data(self, from_addr, to_addrs, message, mail_options=(), rcpt_options=()):
        """Everything `sendmail` does before the end-of-data dot. Returns the refused recipients (as `sendmail`
        does) when at least one was accepted; raises as `sendmail` does otherwise."""
        if self.in_data:
            raise smtplib.SMTPException("begin_data() called twice without end_data()")
        self.ehlo_or_helo_if_needed()
        if isinstance(message, str):
            message = fix_eols(message)
        esmtp_opts = []
        if self.does_esmtp:
            if self.has_extn("size"):
                esmtp_opts.append(f"size={len(message)}")
            esmtp_opts.extend(mail_options)
        code, resp = self.mail(from_addr, esmtp_opts)
        if code != 250:
            if code == 421:
                self.close()
            else:
                self._rset()
            raise smtplib.SMTPSenderRefused(code, resp, from_addr)
        if isinstance(to_addrs, str):
            to_addrs = [to_addrs]
        refused = {}
        for address in to_addrs:
            code, resp = self.rcpt(address, rcpt_options)
            if code not in (250, 251):
                refused[address] = (code, resp)
            if code == 421:
                self.close()
                raise smtplib.SMTPRecipientsRefused(refused)
        if len(refused) == len(to_addrs):
            self._rset()
            raise smtplib.SMTPRecipientsRefused(refused)
        self.putcmd("data")
        code, resp = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, resp)
        self.in_data = True
        self.send(quote_body(message))
        return refused

    def end_data(self):
        """Sends the end-of-data dot and reads the answer: returns it when the server took the message."""
        if not self.in_data:
            raise smtplib.SMTPException("end_data() called without begin_data()")
        self.in_data = False
        self.send(b"." + CRLF)
        code, resp = self.getreply()
        if code != 250:
            if code == 421:
                self.close()
            else:
                self._rset()
            raise smtplib.SMTPDataError(code, resp)
        return code, resp

    def abort(self):
        """Drops the connection without ending the message: the server discards the transaction."""
        self.in_data = False
        self.close()

    def quit(self):
        # QUIT during DATA would be read as a line of the message, and its answer never come.
        if self.in_data:
            self.abort()
            return None
        return super().quit()


class TwoPhaseSMTP(TwoPhaseMixin, smtplib.SMTP):
    pass


class TwoPhaseSMTP_SSL(TwoPhaseMixin, smtplib.SMTP_SSL):  # noqa: N801 — named after smtplib's class
    pass


class TwoPhaseEmailBackend(EmailBackend):
    """Django's SMTP backend with two-phase connections (`self.connection` once `open()` succeeded)."""

    @property
    def connection_class(self):
        return TwoPhaseSMTP_SSL if self.use_ssl else TwoPhaseSMTP

    @staticmethod
    def envelope(email_message):
        """(from, recipients, bytes) of a Django EmailMessage, as Django's backend would hand them to sendmail."""
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_addr = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in email_message.recipients()]
        return from_addr, recipients, email_message.message().as_bytes(linesep="\r\n")
