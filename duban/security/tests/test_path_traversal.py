"""Path traversal: no address, no uploaded file name and no stored row reaches a file
outside the private file root, and stored files always have generated names.

- Download addresses take integer ids only: `../`, `%2e%2e%2f`, double-encoded,
  absolute paths and NUL bytes in the address answer 404 and never a file.
- Uploaded file names (evidence, plan import) with `../`, `..\\`, absolute paths,
  drive letters, encoded dots and NUL bytes are stored under a generated name under the
  private root; the shown name keeps no path, no control character, no leading dot.
- A row pointing outside the root (a tampered database) is refused, not served.
- The private root is outside the web root: no static directory holds it, no URL and
  no nginx location serves it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from duban.imports.tests.test_views import SMALL_PLAN
from duban.rounds.tests.test_attachments import PDF

from .walk import build_everything

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
ROOT = Path(__file__).resolve().parents[3]
OUTSIDE = "OUTSIDE-THE-ROOT-7f3a"

TRAVERSALS = [
    "../../../../../../etc/passwd",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "..%5c..%5c..%5cwindows%5cwin.ini",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "1%00.pdf",
    "1/../../../../outside.txt",
    "..;/..;/outside.txt",
]


@pytest.fixture
def outside(tmp_path):
    """A file beside the private root (tmp_path/files, duban/conftest.py), where a
    traversal would land."""
    path = Path(default_storage.location).parent / "outside.txt"
    path.write_text(OUTSIDE)
    return path


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


def _under_root(name: str) -> bool:
    root = Path(default_storage.location).resolve()
    return root in Path(default_storage.path(name)).resolve().parents


DOWNLOADS = ["rounds:attachment", "supervision:notice_docx", "supervision:notice_pdf", "plans:source", "rounds:sheet"]


@pytest.mark.parametrize("name", DOWNLOADS)
def test_download_addresses_refuse_traversal_in_the_path(name, world, outside):
    build_everything(world)
    from duban.web.tests.test_isolation import RULES

    url = reverse(name, kwargs=RULES[name].kwargs(world))
    prefix = url.rstrip("/").rsplit("/", 1)[0] + "/"  # the address without its last part (the id, or "sheet")
    client = Client()
    client.force_login(world.office if name != "rounds:sheet" else world.liaison_a)
    for attack in TRAVERSALS:
        for path in (prefix + attack, prefix + attack + "/", url + attack):
            response = client.get(path)
            body = _body(response)
            assert response.status_code in (400, 404), f"{path}：{response.status_code}"
            assert OUTSIDE not in body and "root:x:0:0" not in body, path


def test_no_address_serves_the_private_files(world, outside):
    """The stored evidence file is reachable only through its download view."""
    build_everything(world)
    stored = world.attachment_a.file.name
    client = Client()
    client.force_login(world.office)
    for prefix in ("/files/", "/media/", "/static/", "/uploads/", "/var/files/", "/"):
        response = client.get(prefix + stored)
        assert response.status_code == 404, prefix + stored
    for path in ("/static/../duban/settings.py", "/static/%2e%2e/%2e%2e/duban/settings.py",
                 "/static/..%2f..%2fduban%2fsettings.py"):
        response = client.get(path)
        assert response.status_code == 404 and "SECRET_KEY" not in _body(response), path


def test_the_private_root_is_outside_the_web_root():
    from duban import settings as production

    files = Path(production.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    web_roots = [Path(production.STATIC_ROOT).resolve()] + [
        Path(d[1] if isinstance(d, tuple) else d).resolve() for d in production.STATICFILES_DIRS]
    for web in web_roots:
        assert web != files and web not in files.parents and files not in web.parents, (web, files)
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    served = re.findall(r"^\s*(?:alias|root)\s+([^;]+);", nginx, re.M)
    assert served, "nginx.conf 中找不到 alias/root：检查本测试"
    assert not any("files" in s for s in served), f"nginx 不应直接提供上传文件目录：{served}"


UPLOAD_NAMES = [
    "../../../../outside.pdf",
    "..\\..\\..\\outside.pdf",
    "/etc/passwd.pdf",
    "C:\\Windows\\System32\\outside.pdf",
    "%2e%2e%2f%2e%2e%2foutside.pdf",
    "....//....//outside.pdf",
    "evil\x00.html.pdf",
    ".htaccess.pdf",
    "a\r\nSet-Cookie: stolen=1.pdf",
]


@pytest.mark.parametrize("upload_name", UPLOAD_NAMES)
def test_an_evidence_file_is_stored_under_a_generated_name_whatever_it_was_called(upload_name, world, outside):
    from duban.rounds.models import Attachment

    build_everything(world)
    client = Client()
    client.force_login(world.liaison_a)
    before = set(Attachment.objects.values_list("pk", flat=True))
    response = client.post(reverse("rounds:attach", args=[world.report_a.pk]),
                           {"file": SimpleUploadedFile(upload_name, PDF)})
    assert response.status_code == 302
    att = Attachment.objects.exclude(pk__in=before).get()
    assert re.fullmatch(r"reports/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", att.file.name), att.file.name
    assert _under_root(att.file.name) and Path(att.file.path).read_bytes() == PDF
    shown = att.original_name
    assert not re.search(r"[/\\\x00-\x1f]", shown) and not shown.startswith(".") and shown.endswith(".pdf"), shown
    assert outside.read_text() == OUTSIDE  # nothing written beside the root
    download = client.get(reverse("rounds:attachment", args=[att.pk]))
    assert download.status_code == 200 and "stolen" not in download.cookies
    assert "\r" not in download["Content-Disposition"] and "\n" not in download["Content-Disposition"]


@pytest.mark.parametrize("upload_name", [n.replace(".pdf", ".txt") for n in UPLOAD_NAMES])
def test_an_imported_plan_is_stored_under_a_generated_name_whatever_it_was_called(upload_name, world, outside):
    from duban.imports.models import ImportBatch
    from duban.plans.models import Plan

    client = Client()
    client.force_login(world.office)
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile(upload_name, SMALL_PLAN.encode())})
    if response.status_code == 200:  # the line break cut the name to one without an extension
        assert "errorlist" in response.content.decode(), re.findall(r"errorlist.{0,300}", response.content.decode())
        assert not ImportBatch.objects.filter(status="pending").exists()
        assert not [p for p in (Path(default_storage.location) / "imports").rglob("*") if p.is_file()]
        return
    assert response.status_code == 302, response.content.decode()[:500]
    batch = ImportBatch.objects.get(status="pending")
    assert re.fullmatch(r"imports/\d{4}/[0-9a-f]{16}(_\w+)?\.txt", batch.file.name), batch.file.name
    assert _under_root(batch.file.name)
    assert not re.search(r"[/\\\x00-\x1f]", batch.original_name), batch.original_name
    response = client.post(response["Location"], {"action": "confirm"})
    plan = Plan.objects.exclude(pk=world.plan.pk).get()
    assert _under_root(plan.source_file.name) and plan.source_file.name.startswith("plans/")
    assert outside.read_text() == OUTSIDE


@pytest.mark.parametrize("stored", ["../outside.txt", "../../files/../outside.txt", "/etc/passwd", "/../outside.txt"])
def test_a_row_pointing_outside_the_root_is_refused_not_served(stored, world, outside):
    """A tampered database row (or a bug) cannot turn a download into a file read:
    Django's storage refuses any path that leaves its root (SuspiciousFileOperation,
    answered 400)."""
    from duban.plans.models import Plan
    from duban.rounds.models import Attachment

    build_everything(world)
    Attachment.objects.filter(pk=world.attachment_a.pk).update(file=stored)
    Plan.objects.filter(pk=world.plan.pk).update(source_file=stored)
    client = Client()
    client.force_login(world.office)
    for url in (reverse("rounds:attachment", args=[world.attachment_a.pk]),
                reverse("plans:source", args=[world.plan.pk])):
        response = client.get(url)
        body = _body(response)
        assert response.status_code in (400, 404), f"{url}：{response.status_code}"
        assert OUTSIDE not in body and "root:x:0:0" not in body


def test_the_upload_caps_agree_between_nginx_and_django():
    """The size cap is enforced twice (SECURITY.md): nginx refuses a larger body before
    Django reads it; Django refuses a larger file with a Chinese message."""
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    cap = re.search(r"client_max_body_size\s+(\d+)m;", nginx)
    assert cap and int(cap.group(1)) * 1024 * 1024 == django_settings.DUBAN_MAX_UPLOAD_BYTES == 20 * 1024 * 1024
