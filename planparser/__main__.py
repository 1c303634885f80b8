"""`python -m planparser FILE [--format json|table]`."""
from __future__ import annotations

from .cli import main

raise SystemExit(main())
