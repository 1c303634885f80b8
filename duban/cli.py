"""The `duban` console command: manage.py under one name.

`duban parse FILE` runs the pure parser without starting Django; every other
sub-command is a Django management command (`duban migrate`, `duban import`, ...).
"""
from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "parse":
        from planparser.cli import main as parse_main

        return parse_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
