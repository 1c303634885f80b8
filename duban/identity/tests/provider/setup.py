"""Prepare the test provider's database: tables, signing key, people, the OIDC client
and the CAS service pattern. Run as `python -m duban.identity.tests.provider.setup`."""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PASSWORD = "Idp-pass-2026"
CLIENT_ID = "duban-test"
CLIENT_SECRET = "duban-test-secret"
PEOPLE = [  # user name, name, email, phone
    ("liaison_a", "联络员甲", "a@example.gov.cn", ""),
    ("newperson", "新同事", "new@example.gov.cn", "13900000001"),
    ("byphone", "按电话", "", "13900000002"),
    ("office", "督查员", "", ""),
    ("sysadmin", "冒名管理员", "", ""),
]


def main() -> None:
    folder = Path(os.environ["PROVIDER_DIR"])
    key = folder / "oidc.key"
    if not key.exists():
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.identity.tests.provider.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cas_server.models import ReplaceAttributName, ServicePattern
    from oauth2_provider.models import Application

    for username, name, email, phone in PEOPLE:
        user = User(username=username, first_name=name, last_name=phone, email=email)
        user.set_password(PASSWORD)
        user.save()
    Application.objects.create(
        name="督办系统", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client_type="confidential",
        authorization_grant_type="authorization-code", algorithm="RS256", skip_authorization=True,
        hash_client_secret=False,
        redirect_uris="http://testserver/identity/oidc/callback/ http://127.0.0.1/identity/oidc/callback/",
        post_logout_redirect_uris="http://testserver/accounts/login/ http://127.0.0.1/accounts/login/")
    pattern = ServicePattern.objects.create(pos=1, name="督办系统", pattern=r"^http://(testserver|127\.0\.0\.1)(:\d+)?/",
                                            single_log_out=True)
    for name, replace in (("username", "username"), ("first_name", "name"), ("last_name", "phone")):
        ReplaceAttributName.objects.create(name=name, replace=replace, service_pattern=pattern)


if __name__ == "__main__":
    main()
