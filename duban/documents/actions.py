"""Changes to the office's documents: template versions uploaded, published and
restored, 文号 patterns, ledger layouts. Each is atomic and audited; a refused change
raises ActionError (Chinese) and changes nothing."""
from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from duban.audit.log import record

from . import engine, numbering
from .kinds import KINDS
from .ledgerlayout import LayoutError, clean_columns
from .models import LedgerLayout, NumberPattern, PublishedTemplate, TemplateVersion

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


class ActionError(Exception):
    """A refused change; `problems` (if any) say where and why, in Chinese."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


def _office(actor) -> None:
    if not getattr(actor, "is_office", False):
        raise ActionError("只有督查室可以修改公文模板和文号")


def upload_template(kind: str, data: bytes, *, actor, file_name: str = "", note: str = "") -> TemplateVersion:
    """Checks `data` as a template of `kind` and keeps it as a new version (not yet in
    force). A template with problems is refused: TemplateRefused's problems say where."""
    _office(actor)
    if kind not in KINDS:
        raise ActionError("没有这种文书")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ActionError("模板文件不能超过10MB")
    problems = engine.check(data, KINDS[kind])
    if problems:
        record("template.refuse", actor=actor, summary=f"{KINDS[kind].name}模板未通过检查：{problems[0]}",
               after={"kind": kind, "file": file_name[:200], "problems": problems[:20]}, result="failed")
        raise engine.TemplateRefused(problems)
    for _ in range(3):
        try:
            with transaction.atomic():
                number = (TemplateVersion.objects.filter(kind=kind).aggregate(n=Max("number"))["n"] or 0) + 1
                version = TemplateVersion.objects.create(
                    kind=kind, number=number, content=data, file_name=file_name[:200],
                    sha256=hashlib.sha256(data).hexdigest(), note=note.strip()[:200],
                    placeholders=engine.used_names(data, KINDS[kind]), uploaded_by=actor, uploaded_at=timezone.now())
                record("template.upload", actor=actor, obj=version,
                       summary=f"上传{KINDS[kind].name}模板第{number}版（{file_name[:80]}）",
                       after={"kind": kind, "number": number, "sha256": version.sha256})
                return version
        except IntegrityError:
            continue  # another upload took the number: take the next
    raise ActionError("有人正在上传同一文书的模板，请稍后重试")


@transaction.atomic
def publish_template(version: TemplateVersion, *, actor) -> PublishedTemplate:
    """Puts `version` in force for its kind (also how an earlier version is restored)."""
    _office(actor)
    before = PublishedTemplate.objects.filter(kind=version.kind).values_list("version__number", flat=True).first()
    row, _ = PublishedTemplate.objects.update_or_create(
        kind=version.kind, defaults={"version": version, "published_by": actor, "published_at": timezone.now()})
    name = KINDS[version.kind].name
    record("template.publish", actor=actor, obj=version,
           summary=f"启用{name}模板第{version.number}版" + (f"（原为第{before}版）" if before else "（原为系统内置模板）"),
           before={"version": before}, after={"kind": version.kind, "version": version.number})
    return row


@transaction.atomic
def restore_builtin(kind: str, *, actor) -> None:
    """Puts the built-in template back in force; the uploaded versions are kept."""
    _office(actor)
    row = PublishedTemplate.objects.filter(kind=kind).select_related("version").first()
    if row is None:
        raise ActionError("当前已在使用系统内置模板")
    number = row.version.number
    row.delete()
    record("template.restore_builtin", actor=actor, summary=f"{KINDS[kind].name}恢复使用系统内置模板（原为第{number}版）",
           before={"version": number}, after={"kind": kind, "version": None})


@transaction.atomic
def set_number_pattern(kind: str, text: str, *, actor) -> NumberPattern:
    _office(actor)
    if kind not in numbering.NUMBERED:
        raise ActionError("没有这种文号")
    try:
        cleaned = numbering.validate_pattern(text)
    except numbering.NumberingError as exc:
        raise ActionError(str(exc)) from None
    before = numbering.pattern(kind)
    row, _ = NumberPattern.objects.update_or_create(kind=kind, defaults={"pattern": cleaned, "updated_by": actor})
    record("number_pattern.update", actor=actor, obj=row,
           summary=f"{numbering.NUMBERED[kind][0]}文号格式：{before} → {cleaned}",
           before={"pattern": before}, after={"kind": kind, "pattern": cleaned})
    return row


@transaction.atomic
def save_ledger_layout(layout, *, actor, name: str, columns: list[dict], is_default: bool):
    """Creates (layout None) or changes a ledger layout; the default one is unique."""
    _office(actor)
    name = name.strip()
    if not name:
        raise ActionError("请填写样式名称")
    try:
        columns = clean_columns(columns)
    except LayoutError as exc:
        raise ActionError(str(exc)) from None
    if LedgerLayout.objects.filter(name=name).exclude(pk=getattr(layout, "pk", None)).exists():
        raise ActionError(f"已有名为“{name}”的台账样式")
    before = {"name": layout.name, "columns": layout.columns, "is_default": layout.is_default} if layout else None
    if is_default:
        LedgerLayout.objects.filter(is_default=True).exclude(pk=getattr(layout, "pk", None)).update(is_default=False)
    if layout is None:
        layout = LedgerLayout.objects.create(name=name, columns=columns, is_default=is_default, updated_by=actor)
    else:
        layout.name, layout.columns, layout.is_default, layout.updated_by = name, columns, is_default, actor
        layout.save()
    record("ledger_layout.save", actor=actor, obj=layout,
           summary=f"保存台账样式“{name}”（{len(columns)}列{'，默认' if is_default else ''}）",
           before=before, after={"name": name, "columns": columns, "is_default": is_default})
    return layout


@transaction.atomic
def delete_ledger_layout(layout, *, actor) -> None:
    _office(actor)
    record("ledger_layout.delete", actor=actor, obj=layout, summary=f"删除台账样式“{layout.name}”",
           before={"name": layout.name, "columns": layout.columns, "is_default": layout.is_default})
    layout.delete()
