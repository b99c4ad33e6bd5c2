"""`python -m tests.journeys [pytest arguments]`: serve the production configuration, walk the journeys in Chromium.

`python -m tests.journeys --serve` only serves it, until interrupted, and writes the environment to use beside it
(`env.sh` in its folder: `set -a; . env.sh; set +a; python -m pytest tests/journeys -p no:xdist`).

The database is a new one: a SQLite file, or `<name>_journeys` beside the PostgreSQL database of DATABASE_URL.
The demo data and accounts are loaded before the services start (journeys need listings and people to play).
"""

import os
import signal
import subprocess
import sys
import time

from tests.journeys.production import ROOT, ProductionSite


def serve(site):
    env_file = site.workdir / "env.sh"
    names = sorted(set(site.env) - set(os.environ) | {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"})
    lines = [f"{name}='{site.env[name]}'" for name in names]
    lines += [f"JOURNEY_BASE_URL='{site.base_url}'", f"JOURNEY_MAILDIR='{site.maildir}'"]
    env_file.write_text("\n".join(lines) + "\n")
    print(f"== serving {site.base_url}; environment in {env_file}; Ctrl-C stops", flush=True)
    try:
        while all(process.poll() is None for _name, process, _log in site.processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass


def _stop_on_sigterm(signum, frame):
    # Stopped by CI or `kill`: leave through the `finally` that stops the server and its worker.
    raise KeyboardInterrupt


def main(pytest_args):
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    site = ProductionSite(database_url=os.environ.get("DATABASE_URL"))
    print(f"== production configuration in {site.workdir}, served on {site.base_url}", flush=True)
    try:
        site.start(before_serving=lambda: print(site.run("load_demo", "--accounts"), flush=True))
        if pytest_args[:1] == ["--serve"]:
            return serve(site) or 0
        env = {
            **site.env,
            "JOURNEY_BASE_URL": site.base_url,
            "JOURNEY_MAILDIR": str(site.maildir),
            "JOURNEY_WORKDIR": str(site.workdir),
        }
        # Every journey, unless the arguments name some (`python -m tests.journeys tests/journeys/test_x.py`).
        named = any((ROOT / arg.split("::")[0]).exists() for arg in pytest_args if not arg.startswith("-"))
        command = [
            sys.executable,
            "-m",
            "pytest",
            *([] if named else ["tests/journeys"]),
            "-m",
            "journey",
            "-p",
            "no:xdist",
            *pytest_args,
        ]
        return subprocess.run(command, cwd=ROOT, env=env).returncode
    except Exception:
        for name, text in site.logs().items():
            print(f"== {name}.log\n{text[-5000:]}", file=sys.stderr)
        raise
    finally:
        site.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
