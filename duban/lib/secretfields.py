"""A model field for secrets kept at rest under SM4-GCM (AES-256-GCM under the intl
suite), for second-factor seeds, webhook signing secrets and robot addresses that
carry a key (a drop-in for the CharField such a secret is kept in today). The column holds ``enc1:<base64>`` (duban.lib.crypto.encrypt_text, with the
field's own purpose key); the model attribute is the plain text, so code reading
``device.key`` or ``webhook.secret`` does not change.

A value written before the field was encrypted (plain text in the column) is read as
it is and encrypted the next time the row is saved; a migration can encrypt them all
at once with `encrypt_existing`. The column cannot be searched by value (every write
has a fresh nonce): look rows up by their id.
"""
from __future__ import annotations

from django import forms
from django.db import connection, models

from . import crypto


class EncryptedTextField(models.TextField):
    def __init__(self, *args, purpose: str, **kwargs):
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if crypto.is_encrypted_text(value):
            return crypto.decrypt_text(value, self.purpose)
        return value

    def to_python(self, value):
        if crypto.is_encrypted_text(value):
            return crypto.decrypt_text(value, self.purpose)
        return super().to_python(value)

    def formfield(self, **kwargs):
        """A one-line input, as the CharField it replaces had (not a text area)."""
        return super().formfield(**{"widget": forms.TextInput, **kwargs})

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, "") or crypto.is_encrypted_text(value):
            return value
        return crypto.encrypt_text(value, self.purpose)


def encrypt_existing(model, field_name: str) -> int:
    """For a data migration: encrypts the values of `field_name` still stored in the
    clear (a historical model works); returns how many."""
    field = model._meta.get_field(field_name)
    quote = connection.ops.quote_name
    table, column, key = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {key}, {column} FROM {table}")  # the stored text, not the field's reading of it
        plain = [(pk, value) for pk, value in cur.fetchall() if value and not crypto.is_encrypted_text(value)]
        for pk, value in plain:
            cur.execute(f"UPDATE {table} SET {column} = %s WHERE {key} = %s",
                        [crypto.encrypt_text(value, field.purpose), pk])
    return len(plain)
