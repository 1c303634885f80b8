"""The office's own documents: the .docx templates it edits in Word or WPS (every
version kept), which version is in force, the 文号 patterns and their counters, and
the layouts of the Excel ledger.

A template is stored in the database (a few tens of kilobytes), so backups and
several application servers see the same one; the built-in templates are not stored
at all: they are generated from the GB/T 9704 layout (duban.documents.builtin).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class TemplateVersion(models.Model):
    """One uploaded version of the template of a kind of document (督办单, 督查通报, …).
    Versions are never changed or deleted; `PublishedTemplate` says which is in force."""

    kind = models.CharField("文书类型", max_length=30, db_index=True)
    number = models.PositiveIntegerField("版本号")
    content = models.BinaryField("模板文件")
    file_name = models.CharField("上传文件名", max_length=200, blank=True)
    sha256 = models.CharField("文件摘要", max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)
    placeholders = models.JSONField("使用的占位符", default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "公文模板版本"
        verbose_name_plural = "公文模板版本"
        ordering = ["kind", "-number"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="template_version_once")]

    def __str__(self) -> str:
        return f"第{self.number}版"


class PublishedTemplate(models.Model):
    """The version in force for a kind; no row means the built-in template."""

    kind = models.CharField("文书类型", max_length=30, primary_key=True)
    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="+", verbose_name="启用版本")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="启用人"
    )
    published_at = models.DateTimeField("启用时间")

    class Meta:
        verbose_name = "启用的公文模板"
        verbose_name_plural = "启用的公文模板"


class NumberPattern(models.Model):
    """The office's 文号 pattern of a numbered kind (督办〔{年}〕{序号}号); no row
    means the default (duban.documents.numbering.NUMBERED)."""

    kind = models.CharField("编号类型", max_length=30, primary_key=True)
    pattern = models.CharField("文号格式", max_length=60)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "文号格式"
        verbose_name_plural = "文号格式"


class DocumentCounter(models.Model):
    """The last sequence number given in a year for a kind; bumped with a conditional
    UPDATE, so two people issuing at the same moment never get the same number."""

    kind = models.CharField("编号类型", max_length=30)
    year = models.PositiveIntegerField("年度")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "文号序号"
        verbose_name_plural = "文号序号"
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="document_counter_once")]


class LedgerLayout(models.Model):
    """A saved layout of the Excel ledger (台账): which columns, in which order, with
    which titles and widths. `columns` is a list of {"key", "title", "width"} with keys
    from duban.documents.ledgerlayout.COLUMNS. The default layout is what the ledger
    download uses unless another is chosen."""

    name = models.CharField("样式名称", max_length=60, unique=True)
    columns = models.JSONField("列")
    is_default = models.BooleanField("默认样式", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "台账样式"
        verbose_name_plural = "台账样式"
        ordering = ["-is_default", "name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                               name="one_default_ledger_layout")]

    def __str__(self) -> str:
        return self.name
