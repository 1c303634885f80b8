"""Signed downloads: the Excel ledger and 督办单 as a package (.zip) with the file, its
SM2 signature, the public key and how to check them; `duban verify` and OpenSSL accept
it, and refuse it once a byte of the file changes; the public key is a download for
everyone signed in; every signed download is audited with the key's fingerprint."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.urls import reverse

from duban.audit.models import Event
from duban.lib import signing
from duban.supervision import actions as sup
from duban.supervision.models import Notice

pytestmark = pytest.mark.django_db


def verify(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            call_command("verify", *args, stdout=out, stderr=err)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue() + err.getvalue()


def _zip(response) -> dict[str, bytes]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert quote("（签名版）.zip") in response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    path = folder / "package.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_the_signed_ledger_checks_with_the_published_key(client, plan, liaison_a, tmp_path):
    client.force_login(liaison_a)
    files = _zip(client.get(reverse("exports:ledger_xlsx") + "?signed=1"))
    xlsx = next(n for n in files if n.endswith(".xlsx"))
    assert set(files) == {xlsx, f"{xlsx}.sig", signing.PUBLIC_KEY_NAME, signing.README_NAME}
    assert files[xlsx][:2] == b"PK"  # the workbook itself
    readme = files[signing.README_NAME].decode()
    key = signing.own_public_key()
    assert key.key_id in readme and "openssl pkeyutl -verify" in readme and "duban verify" in readme

    published = client.get(reverse("exports:signing_key"))
    assert published.status_code == 200 and "attachment" in published["Content-Disposition"]
    (tmp_path / "office.pem").write_bytes(published.content)
    code, out = verify(str(_write(tmp_path, files)), "--public-key", str(tmp_path / "office.pem"))
    assert code == 0 and f"签名有效：“{xlsx}”" in out and key.key_id in out

    files[xlsx] = files[xlsx][:-1] + bytes([files[xlsx][-1] ^ 1])
    code, out = verify(str(_write(tmp_path, files)), "--public-key", str(tmp_path / "office.pem"))
    assert code == 1 and f"签名无效：“{xlsx}”" in out

    event = Event.objects.filter(action="export.ledger_xlsx").order_by("-seq").first()
    assert event.after["signed"] is True and key.key_id in event.summary


def test_the_unsigned_ledger_stays_a_plain_workbook(client, plan, office):
    client.force_login(office)
    response = client.get(reverse("exports:ledger_xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_signed_notice_checks_with_openssl_and_duban(client, plan, office, units, tmp_path):
    notice = sup.issue_notice(plan.tasks.get(number="1"), actor=office, level=Notice.Level.NOTICE,
                              units=[units["甲局"]], facts="进展滞后。", requirement="请加快推进。",
                              reply_by=dt.date.today() + dt.timedelta(days=5))
    client.force_login(office)
    page = client.get(reverse("supervision:notice", args=[notice.pk])).content.decode()
    assert "?signed=1" in page and "下载签名版" in page
    files = _zip(client.get(reverse("supervision:notice_docx", args=[notice.pk]) + "?signed=1"))
    doc = next(n for n in files if n.endswith(".docx"))
    assert notice.number in doc
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    # A third party with OpenSSL only.
    subprocess.run(["openssl", "dgst", "-sm3", "-binary", "-out", "doc.sm3", doc], cwd=tmp_path, check=True)
    checked = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", signing.PUBLIC_KEY_NAME, "-rawin",
                              "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in", "doc.sm3",
                              "-sigfile", f"{doc}.sig"], cwd=tmp_path, capture_output=True, text=True)
    assert "Signature Verified Successfully" in checked.stdout, checked.stderr
    # duban verify on the file with its .sig beside it.
    code, out = verify(str(tmp_path / doc), "--public-key", str(tmp_path / signing.PUBLIC_KEY_NAME))
    assert code == 0 and "签名有效" in out
    (tmp_path / doc).write_bytes(files[doc][:-1] + bytes([files[doc][-1] ^ 1]))
    assert verify(str(tmp_path / doc))[0] == 1
    event = Event.objects.filter(action="notice.download_docx").get()
    assert "签名版" in event.summary


def test_verify_says_what_is_missing(tmp_path, db):
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    code, out = verify(str(tmp_path / "a.xlsx"))
    assert code == 2 and "找不到签名文件" in out
    code, out = verify(str(tmp_path / "missing.xlsx"))
    assert code == 2 and "找不到文件" in out
    (tmp_path / "a.xlsx.sig").write_bytes(b"x")
    (tmp_path / "bad.pem").write_text("hello")
    code, out = verify(str(tmp_path / "a.xlsx"), "--public-key", str(tmp_path / "bad.pem"))
    assert code == 2 and "公钥文件格式不正确" in out


def test_the_signing_key_command_prints_the_published_key(capsys, db):
    call_command("signing_key")
    captured = capsys.readouterr()
    assert captured.out == signing.public_key_pem().decode()
    assert signing.own_public_key().key_id in captured.err


def test_the_public_key_is_for_everyone_signed_in(client, liaison_b, auditor):
    for person in (liaison_b, auditor):
        client.force_login(person)
        assert client.get(reverse("exports:signing_key")).content == signing.public_key_pem()
    client.logout()
    assert client.get(reverse("exports:signing_key")).status_code == 302
