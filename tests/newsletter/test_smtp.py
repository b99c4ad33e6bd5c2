"""The two-phase SMTP connection (newsletter.smtp) against the loopback aiosmtpd server."""

import smtplib
import socket
import time

import pytest

from newsletter.smtp import TwoPhaseEmailBackend, TwoPhaseSMTP, TwoPhaseSMTP_SSL, quote_body

FROM = "lettre@gers.example"

MESSAGES = [
    b"Subject: simple\r\n\r\nBonjour.\r\n",
    b"Subject: sans fin de ligne\r\n\r\nDerniere ligne sans CRLF",
    b"Subject: points\r\n\r\n.\r\n..deux\r\n. espace\r\nfin.\r\n.",
    b"Subject: fins de ligne nues\n\nune\nligne\r\n.seule\n",
    "Subject: texte\n\r\n.debut\rmilieu\r\n",
]


class Recording:
    """A real connection that also keeps every chunk it writes to the socket."""

    def send(self, data):
        self.written.append(data.encode("ascii") if isinstance(data, str) else data)  # commands are str
        return super().send(data)


class RecordingSMTP(Recording, smtplib.SMTP):
    written = None


class RecordingTwoPhaseSMTP(Recording, TwoPhaseSMTP):
    written = None


def connect(cls, server, **kwargs):
    connection = cls("127.0.0.1", server.port, timeout=10, **kwargs)
    connection.written = []
    return connection


@pytest.mark.parametrize("message", MESSAGES)
def test_the_bytes_on_the_wire_are_those_of_sendmail(smtp_server, message):
    plain = connect(RecordingSMTP, smtp_server)
    plain.sendmail(FROM, ["un@exemple.fr"], message)
    two_phase = connect(RecordingTwoPhaseSMTP, smtp_server)
    assert two_phase.begin_data(FROM, ["un@exemple.fr"], message) == {}
    assert two_phase.end_data()[0] == 250
    plain.quit()
    two_phase.quit()

    assert b"".join(two_phase.written) == b"".join(plain.written)
    # The end-of-data dot leaves in its own write, after the body.
    data, body, dot, quit = two_phase.written[-4:]
    assert (data, dot, quit) == (b"data\r\n", b".\r\n", b"quit\r\n")
    assert body.endswith(b"\r\n")
    received = [message.raw for _recipients, message in smtp_server.handler.messages]
    assert len(received) == 2 and received[0] == received[1]


def test_quote_body_doubles_leading_dots_and_ends_with_crlf():
    assert quote_body(b".a\r\nb\r\n.\r\n..c") == b"..a\r\nb\r\n..\r\n...c\r\n"
    assert quote_body(b"a.\r\n") == b"a.\r\n"


def test_nothing_is_delivered_before_the_end_of_data(smtp_server):
    connection = connect(TwoPhaseSMTP, smtp_server)
    connection.begin_data(FROM, ["un@exemple.fr"], MESSAGES[0])
    time.sleep(0.2)  # the server has the whole body by now
    assert smtp_server.handler.count() == 0
    code, _reply = connection.end_data()
    assert code == 250
    assert smtp_server.handler.recipients() == {"un@exemple.fr": 1}
    # The connection goes on with the next message.
    connection.begin_data(FROM, ["deux@exemple.fr"], MESSAGES[2])
    connection.end_data()
    connection.quit()
    assert smtp_server.handler.recipients() == {"un@exemple.fr": 1, "deux@exemple.fr": 1}


@pytest.mark.parametrize("leave", ["abort", "quit"])
def test_leaving_between_the_phases_delivers_nothing_and_does_not_wait(smtp_server, leave):
    connection = connect(TwoPhaseSMTP, smtp_server)
    connection.begin_data(FROM, ["un@exemple.fr"], MESSAGES[0])
    started = time.monotonic()
    getattr(connection, leave)()  # QUIT would be read as a line of the message and never answered
    assert time.monotonic() - started < 1
    assert connection.sock is None

    other = connect(TwoPhaseSMTP, smtp_server)
    other.begin_data(FROM, ["deux@exemple.fr"], MESSAGES[0])
    other.end_data()
    other.quit()
    time.sleep(0.2)
    assert smtp_server.handler.recipients() == {"deux@exemple.fr": 1}


def test_a_refused_recipient_raises_as_sendmail_does_and_the_connection_goes_on(smtp_server):
    smtp_server.handler.rcpt_replies["non@exemple.fr"] = ["550 No such user", "450 Try later"]
    connection = connect(TwoPhaseSMTP, smtp_server)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        connection.begin_data(FROM, ["non@exemple.fr"], MESSAGES[0])
    assert refused.value.recipients == {"non@exemple.fr": (550, b"No such user")}
    assert not connection.in_data
    # One of two refused: the other gets the message, the refusal is returned as sendmail returns it.
    assert connection.begin_data(FROM, ["non@exemple.fr", "un@exemple.fr"], MESSAGES[0]) == {
        "non@exemple.fr": (450, b"Try later")
    }
    connection.end_data()
    connection.quit()
    assert smtp_server.handler.recipients() == {"un@exemple.fr": 1}


def test_a_message_refused_at_the_end_of_data_raises_and_the_connection_goes_on(smtp_server):
    smtp_server.handler.data_replies["un@exemple.fr"] = ["552 Too much mail"]
    connection = connect(TwoPhaseSMTP, smtp_server)
    connection.begin_data(FROM, ["un@exemple.fr"], MESSAGES[0])
    with pytest.raises(smtplib.SMTPDataError) as refused:
        connection.end_data()
    assert (refused.value.smtp_code, refused.value.smtp_error) == (552, b"Too much mail")
    connection.begin_data(FROM, ["un@exemple.fr"], MESSAGES[0])
    assert connection.end_data()[0] == 250
    connection.quit()
    assert smtp_server.handler.recipients() == {"un@exemple.fr": 1}


def test_the_phases_must_come_in_order(smtp_server):
    connection = connect(TwoPhaseSMTP, smtp_server)
    with pytest.raises(smtplib.SMTPException):
        connection.end_data()
    connection.begin_data(FROM, ["un@exemple.fr"], MESSAGES[0])
    with pytest.raises(smtplib.SMTPException):
        connection.begin_data(FROM, ["deux@exemple.fr"], MESSAGES[0])
    connection.end_data()
    connection.quit()
    assert smtp_server.handler.recipients() == {"un@exemple.fr": 1}


def test_the_dot_is_not_held_back_by_nagle(smtp_server):
    connection = connect(TwoPhaseSMTP, smtp_server)
    assert connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    connection.quit()


def test_the_backend_opens_two_phase_connections_from_the_email_settings(smtp_settings, settings):
    settings.EMAIL_TIMEOUT = 7
    backend = TwoPhaseEmailBackend(fail_silently=False)
    assert backend.open()
    assert isinstance(backend.connection, TwoPhaseSMTP)
    assert backend.connection.timeout == 7
    assert (backend.connection.sock.getpeername()[1]) == smtp_settings.port
    backend.close()
    settings.EMAIL_USE_SSL = True
    assert TwoPhaseEmailBackend().connection_class is TwoPhaseSMTP_SSL
