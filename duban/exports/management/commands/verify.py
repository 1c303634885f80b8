"""`duban verify FILE [--signature SIG] [--public-key PEM]`: check the electronic
signature of a document Duban signed (duban/lib/signing.py): a signed package (.zip, as
downloaded) or a file with its FILE.sig beside it. Without --public-key the key of this
installation is used; a third party gives the office's published key. Exit 0 when every
signature holds, 1 when one does not, 2 when something is missing."""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand

from duban.lib import signing


class Command(BaseCommand):
    help = "验证督办系统导出文件的电子签名（SM2/Ed25519）：签名版压缩包，或文件及其同名 .sig 签名文件"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("file", help="签名版压缩包（.zip），或已签名的文件（其旁边有 文件名.sig）")
        parser.add_argument("--signature", default=None, help="签名文件；默认为 文件名.sig")
        parser.add_argument("--public-key", default=None,
                            help="发文单位的签名公钥（PEM）；默认使用本系统的公钥")

    def _fail(self, message: str, code: int) -> None:
        self.stderr.write(message)
        sys.exit(code)

    def handle(self, *args, file: str, signature: str | None = None, public_key: str | None = None, **options):
        path = Path(file).expanduser()
        if not path.is_file():
            self._fail(f"找不到文件：{path}", 2)
        try:
            if public_key:
                key_path = Path(public_key).expanduser()
                if not key_path.is_file():
                    self._fail(f"找不到公钥文件：{key_path}", 2)
                key = signing.load_public_key(key_path.read_bytes())
            else:
                key = signing.own_public_key()
        except signing.SignatureError as exc:
            self._fail(str(exc), 2)
        self.stdout.write(f"使用公钥：{key.name}，指纹 {key.key_id}" + ("" if public_key else "（本系统）"))
        pairs = self._package(path) if zipfile.is_zipfile(path) and signature is None else None
        if pairs is None:
            sig_path = Path(signature).expanduser() if signature else path.with_name(path.name + ".sig")
            if not sig_path.is_file():
                self._fail(f"找不到签名文件：{sig_path}（文件没有签名，或签名文件未放在同一目录）", 2)
            pairs = [(path.name, path.read_bytes(), sig_path.read_bytes())]
        bad = 0
        for name, data, sig in pairs:
            if signing.verify(data, sig, key):
                self.stdout.write(f"签名有效：“{name}”由该公钥签署，内容未被改动。")
            else:
                bad += 1
                self.stderr.write(f"签名无效：“{name}”的内容与签名不符（文件被改动），或不是由该公钥签署。")
        if bad:
            sys.exit(1)

    def _package(self, path: Path) -> list[tuple[str, bytes, bytes]] | None:
        """The (name, content, signature) of each signed file in a downloaded package;
        None when the zip is not one (then the zip itself is the signed file)."""
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if signing.README_NAME not in names:
                return None
            signed = sorted(n for n in names if n + ".sig" in names)
            if not signed:
                self._fail("压缩包中没有已签名的文件", 2)
            return [(n, zf.read(n), zf.read(n + ".sig")) for n in signed]
