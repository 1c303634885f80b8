"""Password rules of the Chinese standard (GB/T 22239 身份鉴别). Figures come from the
security policy (duban.security.models.SecurityPolicy), so the security administrator
sets them from the UI; AUTH_PASSWORD_VALIDATORS in settings lists these classes."""
from __future__ import annotations

import string
from pathlib import Path

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator as DjangoCommon
from django.core.exceptions import ValidationError

from duban.accounts.models import User
from duban.security.models import SecurityPolicy


def _policy():
    return SecurityPolicy.current()


class MinimumLengthValidator:
    """At least the policy's minimum length (8 by default)."""

    def __init__(self, min_length: int | None = None) -> None:
        self.min_length = min_length

    def _min(self) -> int:
        return self.min_length or _policy().password_min_length

    def validate(self, password: str, user=None) -> None:
        n = self._min()
        if len(password) < n:
            raise ValidationError(f"密码太短：至少需要{n}个字符", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少{self._min()}个字符。"


class CharacterClassValidator:
    """At least `min_classes` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int | None = None) -> None:
        self.min_classes = min_classes

    def _min(self) -> int:
        return self.min_classes or _policy().password_min_classes

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        n = self._min()
        if sum(classes) < n:
            raise ValidationError(
                f"密码须包含小写字母、大写字母、数字、特殊字符中的至少{n}类",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须包含小写字母、大写字母、数字、特殊字符中的至少{self._min()}类。"


class NotUsernameValidator:
    """The password neither is nor contains the user name (forwards or backwards)."""

    def validate(self, password: str, user=None) -> None:
        name = (getattr(user, "username", "") or "").lower()
        if len(name) < 3:
            return
        low = password.lower()
        if name in low or name[::-1] in low:
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能包含用户名。"


class PasswordHistoryValidator:
    """Not the current password nor any of the last N (the policy's history count)."""

    def validate(self, password: str, user=None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        n = _policy().password_history_count
        hashes = list(user.password_history.values_list("password", flat=True)[:n])
        if user.has_usable_password():
            stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
            if stored and stored not in hashes:
                hashes.insert(0, stored)
        if any(check_password(password, encoded) for encoded in hashes[:n]):
            raise ValidationError(f"新密码不能与最近{n}次使用过的密码相同", code="password_reused")

    def get_help_text(self) -> str:
        return f"不能与最近{_policy().password_history_count}次使用过的密码相同。"


class CommonPasswordValidator(DjangoCommon):
    """Django's list of 20,000 common passwords plus the Chinese ones in
    data/common-passwords-cn.txt."""

    CN_LIST = Path(__file__).with_name("data") / "common-passwords-cn.txt"

    def __init__(self, password_list_path=DjangoCommon.DEFAULT_PASSWORD_LIST_PATH):
        super().__init__(password_list_path)
        extra = self.CN_LIST.read_text(encoding="utf-8").splitlines()
        self.passwords = set(self.passwords) | {
            line.strip().lower() for line in extra if line.strip() and not line.startswith("#")}

    def validate(self, password: str, user=None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError("密码过于常见，请换一个", code="password_too_common")

    def get_help_text(self) -> str:
        return "不能使用常见密码。"
