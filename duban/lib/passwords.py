"""Generated passwords that satisfy Duban's own password policy."""
from __future__ import annotations

import secrets


def generate_password(length: int = 12) -> str:
    """Random password with lower case, upper case and digits (3 of 4 classes),
    avoiding characters people confuse when reading a printed sheet (0/O, 1/l/I)."""
    lower = "abcdefghjkmnpqrstuvwxyz"
    upper = "ABCDEFGHJKMNPQRSTUVWXYZ"
    digits = "23456789"
    alphabet = lower + upper + digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c in lower for c in pw) and any(c in upper for c in pw) and any(c in digits for c in pw):
            return pw


