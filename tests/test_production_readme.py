"""The README's production section is what `make journeys` runs: its commands parse and every variable is set."""

from tests.journeys.production import bind_port, is_service, readme_steps


def test_readme_production_commands_are_the_ones_ci_runs():
    variables, commands = readme_steps()
    programs = [" ".join(command[:3]) for command in commands]
    assert programs == [
        ".venv/bin/python manage.py migrate",
        ".venv/bin/python manage.py collectstatic",
        ".venv/bin/python manage.py check",
        ".venv/bin/gunicorn config.wsgi --bind",
        ".venv/bin/python manage.py db_worker",
    ]
    assert [is_service(command) for command in commands] == [False, False, False, True, True]
    assert bind_port(commands) == 8001
    assert {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DATABASE_URL"} <= set(
        variables
    )
    assert "EMAIL_URL" in variables


def test_launcher_sets_every_variable_the_readme_exports(tmp_path):
    from tests.journeys.production import ProductionSite

    site = ProductionSite(database_url=None, workdir=tmp_path)
    variables, _commands = readme_steps()
    for name in variables:
        assert site.env[name], name
    assert site.env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert site.env["SITE_URL"] == "http://127.0.0.1:8001" or site.env["SITE_URL"].startswith(
        "http://127.0.0.1:"
    )
    assert site.env["EMAIL_URL"].startswith("smtp://127.0.0.1:")
