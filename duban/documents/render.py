"""The one way a document is made: the kind's template in force (the published
version, else the built-in one) filled with a context, as .docx or as PDF."""
from __future__ import annotations

from . import engine, pdf
from .builtin import builtin_template
from .models import PublishedTemplate, TemplateVersion


def current(kind: str) -> tuple[bytes, TemplateVersion | None]:
    """The template in force for `kind` and its version (None: the built-in one)."""
    row = PublishedTemplate.objects.select_related("version").filter(kind=kind).first()
    if row is None:
        return builtin_template(kind), None
    return bytes(row.version.content), row.version


def docx(kind: str, context: dict, *, template: bytes | None = None) -> bytes:
    """The document of `kind` filled with `context`; `template` instead of the one in
    force (a preview of a version not yet published)."""
    return engine.fill(template if template is not None else current(kind)[0], context)


def to_pdf(docx_bytes: bytes) -> bytes:
    return pdf.to_pdf(docx_bytes)
