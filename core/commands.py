"""The base of the project's management commands, so that their `help` can be a lazy translation."""

from django.core.management import base


class BaseCommand(base.BaseCommand):
    """Django's BaseCommand; `help` may be a `gettext_lazy` string.

    argparse formats the description with `re`, which refuses a lazy string: it is made a `str` (translated in
    the active language) when the parser is built, for `--help` and `manage.py help <command>` alike.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        if self.help:
            self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
