"""How an event reads to a person: its object named, its before → after field by field
in Chinese, for the task timeline and the auditor's log and export.

The models own the words. An event's ``object_type`` is its object's model name; a key
of ``before``/``after`` that is a field of that model is named by the field's
``verbose_name``, and its value shown by the field: a choice by its label, a related
object (or a list of them) by its name, a flag as 是/否, a date as a date. A model may
name further keys an action records about it in ``AUDIT_LABELS`` (a class attribute);
keys that belong to no model (a reason, a file's digest, a count) are named in
``LABELS`` below. An object is named by its ``audit_name`` when the model has one
(第13项任务“…”), else by its type and its ``__str__`` (督办单“督办〔2026〕1号”); one
removed since is named by its type and number.

This module reads the models through the app registry and imports none of them: the
audit app sits below every app that records events.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import parse_qsl

from django.apps import apps
from django.db import models

from .labels import action_label

# Keys actions record that are not fields of the event's object.
LABELS = {
    # requests, decisions, reasons
    "reason": "原因",
    "note": "说明",
    "old": "原完成时限",
    "new": "申请延至",
    "text": "内容",
    "to": "提请",
    "state": "状态",
    "kind": "类别",
    "version": "版本",
    "number": "编号",
    "name": "名称",
    "count": "条数",
    "counts": "数量",
    "problems": "问题",
    "checked": "已校验条数",
    "last_seq": "最后链序号",
    "first_id": "起始编号",
    "last_id": "结束编号",
    "slots": "报送单位数",
    "scope": "调度范围",
    "tasks": "任务数",
    "units": "单位",
    "as_of": "统计日期",
    "layout": "台账样式",
    "signed": "签名版",
    "format": "格式",
    "query": "筛选条件",
    "filters": "筛选条件",
    # files and archives
    "file": "文件",
    "files": "文件数",
    "size": "大小（字节）",
    "sha256": "SHA-256 摘要",
    "created_at": "创建时间",
    "pattern": "文号格式",
    "columns": "列",
    # sign-in and accounts
    "method": "登录方式",
    "second_factor": "双因素认证",
    "key": "对象",
    "until": "锁定至",
    "failures": "失败次数",
    "ended_at": "解除时间",
    "prefix": "令牌前缀",
    "dn": "目录条目",
    "username": "用户名",
    # backups, restores and archives
    "audit_max_id": "审计记录最大编号",
    "credentials_kept": "保持撤销的凭据",
    "cutoff": "截止时间",
    "duban_version": "系统版本",
    "events_kept": "保留的审计记录",
    "first_seq": "起始链序号",
    "migrated": "已迁移",
    "missing_files": "缺失文件",
    "removed_old": "清理的旧文件",
    "sealed": "已校验防篡改值",
    "tables": "数据表",
    # refused access (duban/audit/refusals.py)
    "path": "访问页面",
    "first_path": "首次访问页面",
    "last_path": "最后访问页面",
    "minute": "时间（分钟）",
    # a directory synchronisation's counts
    "seen": "读取",
    "created": "新建",
    "linked": "关联",
    "updated": "更新",
    "deactivated": "停用",
    "skipped": "跳过",
    "grants": "待审批授权",
    # exports
    "ranked": "参加排名单位数",
    # notification settings
    "email": "邮件",
    "wecom": "企业微信",
    "dingtalk": "钉钉",
    "channel": "渠道",
    # the auditor's filters (an export records the ones used)
    "start": "起始日期",
    "end": "截止日期",
    "person": "操作人",
    "action": "操作",
    "result": "结果",
    "address": "来源地址",
    "obj": "对象",
    # the ledger's filters (an export records its query)
    "plan": "分工方案",
    "section": "部分",
    "unit": "单位",
    "leader": "牵头领导",
    "status": "状态",
    "sort": "排序",
    "q": "关键词",
    "due_from": "完成时限起",
    "due_to": "完成时限止",
    "page": "页码",
    "task": "任务",
    "round": "调度",
}
# Query parameters whose value is the id of an object of this model.
ID_PARAMETERS = {"plan": "plan", "section": "section", "unit": "unit", "leader": "leader", "task": "task",
                 "round": "round"}
_REFERENCE = re.compile(r"^([a-z]+):(\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@functools.cache
def _models() -> dict[str, type[models.Model]]:
    """model_name → model; Duban's own models win over a library's of the same name."""
    out: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        name = model._meta.model_name
        if name not in out or model.__module__.startswith("duban."):
            out[name] = model
    return out


def model_types() -> dict[str, type[models.Model]]:
    """Every model an event can name, by model name."""
    return dict(_models())


def model_for(object_type: str) -> type[models.Model] | None:
    return _models().get(object_type) if object_type else None


def _field(model, key: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist, or a reverse relation
        for f in model._meta.concrete_fields:
            if f.attname == key:
                return f
    return None


def name_of(obj: models.Model) -> str:
    """第13项任务“…”, or 督办单“督办〔2026〕1号”."""
    named = getattr(obj, "audit_name", None)
    if named:
        return str(named)
    return f"{obj._meta.verbose_name}“{obj}”"


def _gone(model, pk) -> str:
    return f"{model._meta.verbose_name}（编号 {pk}，已不存在）"


class Names:
    """Objects looked up in a batch: one query per model, however many events."""

    def __init__(self):
        self._objects: dict[tuple[type, str], models.Model | None] = {}

    def many(self, model, pks: Iterable) -> None:
        wanted = {str(pk) for pk in pks if pk not in (None, "")} - {k for (m, k) in self._objects if m is model}
        ints = [int(pk) for pk in wanted if pk.isdigit()]
        found = model._default_manager.in_bulk(ints) if ints else {}
        for pk in wanted:
            self._objects[(model, pk)] = found.get(int(pk)) if pk.isdigit() else None

    def _get(self, model, pk):
        key = (model, str(pk))
        if key not in self._objects:
            self.many(model, [pk])
        return self._objects.get(key)

    def one(self, model, pk) -> str:
        """The object's own name (a value: 督办单位：甲局)."""
        obj = self._get(model, pk)
        return str(obj) if obj is not None else _gone(model, pk)

    def named(self, model, pk) -> str:
        """The object with its kind (an event's object: 督办单“督办〔2026〕1号”)."""
        obj = self._get(model, pk)
        return name_of(obj) if obj is not None else _gone(model, pk)

    def reference(self, value: str) -> str | None:
        """'unit:10' → the unit's name; None when the text is no reference."""
        m = _REFERENCE.match(value)
        model = model_for(m.group(1)) if m else None
        return self.one(model, m.group(2)) if model is not None else None


def label(model, key: str) -> str:
    field = _field(model, key)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    extra = getattr(model, "AUDIT_LABELS", None) or {}
    return extra.get(key) or LABELS.get(key) or key


def _as_date(value: str):
    try:
        if _ISO_DATE.match(value):
            return dt.date.fromisoformat(value)
        if _ISO_DATETIME.match(value):
            return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return None


def _query(value: str, names: Names) -> str:
    parts = []
    for key, v in parse_qsl(value):
        if not v:
            continue
        model = model_for(ID_PARAMETERS.get(key, ""))
        shown = names.one(model, v) if model is not None and v.isdigit() else v
        parts.append(f"{LABELS.get(key, key)}：{shown}")
    return "，".join(parts) or "（无）"


def value(model, key: str, raw: Any, names: Names) -> Any:
    """A value as a person reads it: text, or a date (the template shows it with `when`)."""
    if raw is None or raw == "" or raw == []:
        return "—"
    field = _field(model, key)
    if field is not None and getattr(field, "choices", None) and not isinstance(raw, (list, dict)):
        return str(dict(field.flatchoices).get(raw, raw))
    if field is not None and field.is_relation and field.related_model is not None:
        ids = raw if isinstance(raw, list) else [raw]
        if all(isinstance(i, int) or (isinstance(i, str) and i.isdigit()) for i in ids):
            names.many(field.related_model, ids)
            return "、".join(names.one(field.related_model, i) for i in ids)
    if key == "query" and isinstance(raw, str):
        return _query(raw, names)
    return plain(raw, names)


def plain(raw: Any, names: Names) -> Any:
    """A value with no field to tell how to show it."""
    if raw is None or raw == "":
        return "—"
    if raw is True:
        return "是"
    if raw is False:
        return "否"
    if isinstance(raw, str):
        return _as_date(raw) or names.reference(raw) or raw
    if isinstance(raw, dict):
        return "，".join(f"{LABELS.get(k, k)}：{_text(plain(v, names))}" for k, v in raw.items())
    if isinstance(raw, (list, tuple)):  # a list of rows (a milestone's date and text) shows each row on a line
        return "；".join(" ".join(_text(plain(x, names)) for x in v) if isinstance(v, (list, tuple))
                        else _text(plain(v, names)) for v in raw) or "—"
    return str(raw)


def _text(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return f"{v:%Y-%m-%d %H:%M}"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


@dataclass(frozen=True)
class Change:
    """One field of an event: its Chinese name, before and after (text or a date)."""

    label: str
    before: Any
    after: Any


def changes(event, names: Names | None = None) -> list[Change]:
    """The fields an event changed (both sides shown), or the fields it created or
    removed (one side shown as —). A before or after that is no mapping (a rule's text)
    is one change named 内容."""
    names = names or Names()
    model = model_for(event.object_type)
    before, after = event.before, event.after
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before is None and after is None:
            return []
        return [Change("内容", plain(before, names), plain(after, names))]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    out = []
    for key in list(before) + [k for k in after if k not in before]:
        b = value(model, key, before.get(key), names)
        a = value(model, key, after.get(key), names)
        if b == a:
            continue
        out.append(Change(label(model, key), b, a))
    return out


def object_name(event, names: Names | None = None) -> str:
    """The event's object as a person names it, or "" when it has none."""
    if not event.object_type:
        return ""
    names = names or Names()
    model = model_for(event.object_type)
    if model is None:
        return f"{event.object_type} {event.object_id}".strip()
    if not event.object_id:
        return str(model._meta.verbose_name)
    return names.named(model, event.object_id)


@dataclass(frozen=True)
class Shown:
    """An event with what a person reads about it."""

    event: Any
    label: str
    object: str
    changes: list[Change]


def show_events(events: Iterable) -> list[Shown]:
    """Events ready for a page: objects of one model named with one query."""
    events = list(events)
    names = Names()
    by_model: dict[type, list[str]] = {}
    for e in events:
        model = model_for(e.object_type)
        if model is not None and e.object_id:
            by_model.setdefault(model, []).append(e.object_id)
    for model, pks in by_model.items():
        names.many(model, pks)
    return [Shown(e, action_label(e.action), object_name(e, names), changes(e, names)) for e in events]


def changes_text(shown: Shown) -> str:
    """The changes as one line of text (the CSV export): 推进状态：— → 推进中；…"""
    return "；".join(f"{c.label}：{_text(c.before)} → {_text(c.after)}" for c in shown.changes)
