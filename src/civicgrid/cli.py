"""The `civicgrid` command: Django's management commands under one name."""

from __future__ import annotations

import getpass
import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    # Commands are spelled with dashes on the command line (import-divisions) and with
    # underscores as Django modules (import_divisions).
    name_at = 2 if len(args) > 2 and args[1] == "help" else 1
    if len(args) > name_at and not args[name_at].startswith("-"):
        args[name_at] = args[name_at].replace("-", "_")
    from civicgrid.core.actor import acting_as

    # Audit records written by a command name it and the operating-system account that ran it.
    label = f"cli:{getpass.getuser()} {' '.join(args[1:2])}".strip()
    with acting_as(label=label[:150]):
        execute_from_command_line(args)


if __name__ == "__main__":
    main()
