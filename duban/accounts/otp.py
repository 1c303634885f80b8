"""Second factor: time-based one-time codes (TOTP, RFC 6238) through django-otp.
The enrolment QR code is drawn here (segno) as an SVG data URI: no external service."""
from __future__ import annotations

import base64

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

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
    from urllib.parse import quote

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
