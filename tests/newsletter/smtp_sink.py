"""A loopback SMTP server in its own process (aiosmtpd): one line per accepted message in a log file.

Running the server in another process keeps it from competing with the sender for the GIL, so timings measure
the sender. `python -m tests.newsletter.smtp_sink PORT LOGFILE` — the log gets "READY" once it listens, then
"<recipient>\t<Message-ID>" for each message.
"""

import signal
import socket
import subprocess
import sys
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller


class LogHandler:
    def __init__(self, log):
        self.log = log
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):
        headers = self.parser.parsebytes(envelope.content)
        message_id = headers.get("Message-ID", "")
        self.log.write("".join(f"{rcpt}\t{message_id}\n" for rcpt in envelope.rcpt_tos))
        self.log.flush()
        return "250 Message accepted for delivery"


def serve(port, log_path):
    with open(log_path, "a", encoding="utf-8") as log:
        controller = Controller(LogHandler(log), hostname="127.0.0.1", port=port)
        controller.start()
        log.write("READY\n")
        log.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *args: stop.set())
        stop.wait()
        controller.stop()


class SinkProcess:
    """Starts the server in a subprocess and reads what it received."""

    def __init__(self, log_path):
        self.log_path = Path(log_path)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = None

    def start(self, timeout=20):
        self.log_path.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.newsletter.smtp_sink", str(self.port), str(self.log_path)],
            cwd=Path(__file__).resolve().parents[2],
        )
        deadline = time.monotonic() + timeout
        while "READY" not in self.log_path.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("Le serveur SMTP de test n'a pas démarré.")
            time.sleep(0.05)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def received(self):
        """[(recipient, Message-ID)] in arrival order."""
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [tuple(line.split("\t", 1)) for line in lines if "\t" in line]


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
