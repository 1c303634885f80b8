"""The one model and download of a stored upload (duban.lib.uploads): the three upload
models share its fields, and a download is an attachment the browser never renders."""
from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from duban.items.models import ItemDocument
from duban.lib.uploads import UploadedFile, download, generated_path
from duban.rounds.models import Attachment
from duban.supervision.models import EvidenceFile

SHARED = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]


@pytest.mark.parametrize("model", [Attachment, EvidenceFile, ItemDocument])
def test_every_upload_model_takes_the_shared_fields_from_one_abstract_model(model):
    assert issubclass(model, UploadedFile) and UploadedFile._meta.abstract
    names = {f.name for f in model._meta.get_fields()}
    assert set(SHARED) <= names and "file" in names
    for name in SHARED:
        assert model._meta.get_field(name).model is model  # a column of the model's own table


def test_a_generated_path_keeps_only_the_lower_case_extension():
    path = generated_path("reports", "../../etc/passwd 报告.PDF")
    folder, year, month, name = path.split("/")
    assert folder == "reports" and len(year) == 4 and len(month) == 2
    assert name.endswith(".pdf") and len(name) == 32 + 4 and "passwd" not in path


def test_a_download_is_an_attachment_with_nosniff_and_a_sandbox(db):
    att = Attachment(original_name="进展说明.txt", content_type="text/plain", size=6, sha256="0" * 64)
    att.file.save("whatever.txt", ContentFile("进展".encode()), save=False)
    response = download(att)
    body = b"".join(response.streaming_content)
    response.close()
    assert body == "进展".encode()
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]


def test_a_file_no_longer_in_storage_is_404_not_500(db):
    doc = ItemDocument(original_name="纪要.pdf", content_type="application/pdf", size=1, sha256="0" * 64)
    doc.file.save("gone.pdf", ContentFile(b"%PDF-"), save=False)
    doc.file.storage.delete(doc.file.name)
    with pytest.raises(Http404):
        download(doc)
