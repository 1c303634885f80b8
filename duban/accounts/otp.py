"""Second factor: time-based one-time codes (TOTP, RFC 6238) through django-otp.
The enrolment QR code is drawn here (segno) as an SVG data URI: no external service."""
from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from urllib.parse import quote

import segno
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.audit.log import record
from duban.lib import crypto

from .models import EnrolmentCode, RecoveryCode

ISSUER = "督办系统"


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (one at a time), made if none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="动态验证码", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app, in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def provisioning_uri(device: TOTPDevice) -> str:
    label = quote(f"{ISSUER}:{device.user.username}")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER)}"
            f"&digits={device.digits}&period={device.step}&algorithm=SHA1")


def qr_data_uri(device: TOTPDevice) -> str:
    return segno.make(provisioning_uri(device), error="m").svg_data_uri(scale=5, border=2)


def verify(device: TOTPDevice, token: str) -> bool:
    """Checks the code, honouring django-otp's throttling and replay protection."""
    token = (token or "").strip().replace(" ", "")
    allowed, _ = device.verify_is_allowed()
    if not allowed or not token.isdigit():
        return False
    return device.verify_token(token)


# --- enrolment codes and recovery codes (issue 14 §5) ------------------------------------

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROL_PURPOSE = "otp-enrolment"
RECOVERY_PURPOSE = "otp-recovery"
RECOVERY_COUNT = 10


def _code(n: int) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))
    return f"{raw[:4]}-{raw[4:]}"


def _normal(text: str) -> str:
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def _digest(user, code: str, purpose: str) -> str:
    return crypto.mac(f"{user.pk}:{_normal(code)}".encode(), purpose)


def issue_enrolment_code(user, *, actor, channel: str) -> str:
    """A new one-time enrolment code for `user` (earlier unused ones stop working);
    returns it, to be told to the person. Audited (not the code)."""
    code = _code(8)
    with transaction.atomic():
        now = timezone.now()
        EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        EnrolmentCode.objects.create(user=user, digest=_digest(user, code, ENROL_PURPOSE),
                                     issued_by=actor if getattr(actor, "pk", None) else None,
                                     expires_at=now + timedelta(hours=EnrolmentCode.VALID_HOURS))
        record("auth.otp_code_issued", actor=actor, obj=user,
               summary=f"为 {user.username} 发放双因素认证绑定码（{channel}，{EnrolmentCode.VALID_HOURS}小时内有效）")
    return code


def use_enrolment_code(user, code: str) -> bool:
    """True (and the code used up) when `code` is the person's valid enrolment code."""
    now = timezone.now()
    digest = _digest(user, code, ENROL_PURPOSE)
    return EnrolmentCode.objects.filter(user=user, digest=digest, used_at__isnull=True,
                                        expires_at__gt=now).update(used_at=now) == 1


def new_recovery_codes(user) -> list[str]:
    """Ten new recovery codes (the old ones stop working); returned once, kept as digests."""

    codes = [_code(8) for _ in range(RECOVERY_COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(user, c, RECOVERY_PURPOSE))
                                         for c in codes)
    return codes


def use_recovery_code(user, code: str) -> bool:
    return RecoveryCode.objects.filter(user=user, digest=_digest(user, code, RECOVERY_PURPOSE),
                                       used_at__isnull=True).update(used_at=timezone.now()) == 1


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
