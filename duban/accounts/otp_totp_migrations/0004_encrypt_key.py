"""The TOTP seed (`key`) kept under SM4-GCM (duban.lib.secretfields): the column becomes
text (a ciphertext is longer than 80 characters) and every seed stored in the clear is
encrypted in place."""
import django_otp.plugins.otp_totp.models
from django.db import migrations

import duban.lib.secretfields
from duban.lib.secretfields import encrypt_existing


def encrypt_seeds(apps, schema_editor):
    encrypt_existing(apps.get_model("otp_totp", "TOTPDevice"), "key")


class Migration(migrations.Migration):
    dependencies = [
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.AlterField(
            model_name="totpdevice",
            name="key",
            field=duban.lib.secretfields.EncryptedTextField(
                default=django_otp.plugins.otp_totp.models.default_key,
                help_text="A hex-encoded secret key of up to 40 bytes.",
                max_length=80,
                purpose="totp",
                validators=[django_otp.plugins.otp_totp.models.key_validator],
            ),
        ),
        migrations.RunPython(encrypt_seeds, migrations.RunPython.noop),
    ]
