from django.apps import AppConfig

from duban.lib.secretfields import EncryptedTextField

TOTP_PURPOSE = "totp"


def encrypt_totp_seeds() -> None:
    """django-otp's TOTPDevice.key read and written through EncryptedTextField (SM4-GCM,
    issue 14 §5): code reading ``device.key`` still gets the hex seed; the column holds
    ``enc1:…``. The column itself is changed by duban/accounts/otp_totp_migrations/0004."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    field = TOTPDevice._meta.get_field("key")
    if not isinstance(field, EncryptedTextField):
        field.__class__ = EncryptedTextField
        field.purpose = TOTP_PURPOSE


class AccountsConfig(AppConfig):
    name = "duban.accounts"
    label = "accounts"

    def ready(self) -> None:
        encrypt_totp_seeds()
