"""The production configuration, built and served exactly as the README's "En production" section says.

The commands are read from the README itself, so the documentation and what CI runs cannot drift apart. Only
values differ: a random secret key, loopback addresses, a fresh database, an SMTP sink (aiosmtpd writing a
Maildir) as EMAIL_URL, and SECURE_SSL_REDIRECT=false while serving, since loopback has no TLS terminator.
"""

import mailbox
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
VENV_BIN = Path(sys.executable).parent
# Commands that run as services beside the others (systemd units in production).
SERVICES = {"gunicorn", "db_worker"}


def readme_production_block(readme=README):
    """The lines of the first ```sh block after the "## En production" heading."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("\n## En production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def readme_steps(readme=README):
    """(exported variable names, commands) from the README: each command a list of arguments."""
    variables, commands = [], []
    for line in readme_production_block(readme):
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line.startswith("export "):
            variables += [item.split("=", 1)[0] for item in line[len("export ") :].split()]
        elif line.startswith("python -m venv"):
            # The virtualenv and its install are `make install`'s job: the launcher runs inside it.
            continue
        else:
            commands.append(shlex.split(line))
    return variables, commands


def is_service(command):
    return any(Path(arg).name in SERVICES for arg in command[:3])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bind_port(commands):
    for command in commands:
        if "--bind" in command:
            return int(command[command.index("--bind") + 1].rsplit(":", 1)[1])
    raise RuntimeError("README: gunicorn has no --bind address")


class ProductionSite:
    """Runs the README's production commands in a throw-away environment and serves the site."""

    def __init__(self, database_url=None, workdir=None):
        self.variables, self.commands = readme_steps()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="gers-production-"))
        self.maildir = self.workdir / "maildir"
        # JOURNEY_PORT moves the server off the README's port when several copies run on one machine.
        self.port = int(os.environ.get("JOURNEY_PORT") or bind_port(self.commands))
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.smtp_port = free_port()
        self.database_url, self._drop_database = self._fresh_database(database_url)
        self.processes = []
        self.env = self._environment()

    def _fresh_database(self, database_url):
        """A new database for this run: a SQLite file, or <name>_journeys beside the given PostgreSQL one."""
        if not database_url or database_url.startswith("sqlite"):
            return f"sqlite:///{self.workdir / 'production.sqlite3'}", None
        parts = urlsplit(database_url)
        name = parts.path.lstrip("/") + "_journeys"
        admin = urlunsplit(parts._replace(path="/postgres"))
        import psycopg

        def recreate(drop_only=False):
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                if not drop_only:
                    connection.execute(f'CREATE DATABASE "{name}"')

        recreate()
        return urlunsplit(parts._replace(path="/" + name)), lambda: recreate(drop_only=True)

    def _environment(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.base_url,
            "DATABASE_URL": self.database_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "STATIC_ROOT": str(self.workdir / "static"),
            "MEDIA_ROOT": str(self.workdir / "media"),
            # Map tiles would come from the internet, which the test machines cannot reach.
            "MAP_TILE_URL": "",
            "GEOCODER_BAN_ENABLED": "false",
            "NEWSLETTER_RATE_PER_MINUTE": "0",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DEBUG", "REDIS_URL", "ELASTICSEARCH_URL", "EMAIL_BACKEND"):
            env.pop(name, None)
        missing = [name for name in self.variables if name not in env]
        if missing:
            raise RuntimeError(f"README exports variables the launcher does not set: {missing}")
        return env

    def _argv(self, command):
        """`.venv/bin/x` in the README means this virtualenv's x; the bound port is this run's."""
        head = command[0]
        if head.startswith(".venv/bin/"):
            head = str(VENV_BIN / head[len(".venv/bin/") :])
        argv = [head, *command[1:]]
        if "--bind" in argv:
            argv[argv.index("--bind") + 1] = f"127.0.0.1:{self.port}"
        return argv

    def run(self, *args, check=True, env=None):
        result = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
        )
        if check and result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _log(self, name):
        return open(self.workdir / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115 — closed in stop()

    def _spawn(self, name, argv, env):
        log = self._log(name)
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process, log))
        return process

    def start(self, before_serving=None):
        """Run the README's commands in order; `before_serving` runs once the one-off commands have passed."""
        mailbox.Maildir(self.maildir, create=True)  # new/, cur/, tmp/: readable before the first message
        self._spawn(
            "smtp",
            [str(VENV_BIN / "python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}"]
            + ["-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            self.env,
        )
        for command in self.commands:
            argv = self._argv(command)
            if is_service(command):
                if before_serving is not None:
                    before_serving()
                    before_serving = None
                # Loopback has no TLS terminator: the HTTPS redirect is switched off by its variable, nothing else.
                self._spawn(
                    Path(command[0]).name + "-" + command[-1],
                    argv,
                    {**self.env, "SECURE_SSL_REDIRECT": "false"},
                )
                continue
            print("$", shlex.join(command), flush=True)
            result = subprocess.run(argv, cwd=ROOT, env=self.env, capture_output=True, text=True)
            if result.returncode:
                raise RuntimeError(f"{shlex.join(command)} failed:\n{result.stdout}\n{result.stderr}")
            # `check --deploy` exits 0 on warnings: a production configuration must have none.
            if "check" in command and "--deploy" in command and "WARNING" in result.stderr + result.stdout:
                raise RuntimeError(f"check --deploy reported warnings:\n{result.stderr}{result.stdout}")
        self._wait_for_server()
        return self

    def _wait_for_server(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process, _log in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} stopped:\n{(self.workdir / f'{name}.log').read_text()}")
            try:
                with urllib.request.urlopen(self.base_url + "/robots.txt", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the site did not answer on {self.base_url}")

    def logs(self):
        return {name: (self.workdir / f"{name}.log").read_text() for name, _p, _l in self.processes}

    def stop(self):
        for _name, process, _log in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process, log in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
        self.processes = []
        if self._drop_database:
            self._drop_database()
