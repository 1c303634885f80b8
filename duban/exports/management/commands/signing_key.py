"""`duban signing_key`: print this installation's public signing key (PEM) and its
fingerprint, to give to those who check Duban's signed documents (duban verify)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from duban.lib import signing


class Command(BaseCommand):
    help = "输出本系统的签名公钥（PEM）及其指纹，供他人验证签名版文件"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def handle(self, *args, **options):
        key = signing.own_public_key()
        self.stderr.write(f"签名算法：{key.name}；公钥指纹：{key.key_id}")
        self.stdout.write(signing.public_key_pem().decode("ascii"), ending="")
