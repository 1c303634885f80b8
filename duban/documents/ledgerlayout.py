"""Layouts of the Excel ledger (台账): the columns a layout may hold, their default
titles and widths, and the checks on a layout the office saves. The ledger writer
(duban.exports.ledger) fills a column by its key."""
from __future__ import annotations

from dataclasses import dataclass

from .models import LedgerLayout


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # characters


COLUMNS = [  # the customary ledger, in its order (about 250 characters: A3 landscape at ≈ 85 %)
    Column("number", "序号", 5),
    Column("title", "工作任务", 40),
    Column("leaders", "牵头领导", 8),
    Column("lead_units", "牵头单位", 12),
    Column("co_units", "配合单位", 14),
    Column("deadline", "完成时限", 12),
    Column("milestones", "工作节点", 20),
    Column("indicators", "量化指标（目标/实际）", 22),
    Column("progress", "进展情况", 36),
    Column("problems", "存在问题", 20),
    Column("next_steps", "下一步计划", 20),
    Column("status", "状态", 22),
    Column("remark", "备注", 16),
    Column("section", "所属部分", 16),
    Column("percent", "报送进度", 8),
    Column("source", "进展来源", 18),
]
BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_KEYS = [c.key for c in COLUMNS[:13]]
MAX_TITLE, MIN_WIDTH, MAX_WIDTH = 30, 3, 80


class LayoutError(Exception):
    pass


def default_columns() -> list[dict]:
    return [{"key": k, "title": BY_KEY[k].title, "width": BY_KEY[k].width} for k in DEFAULT_KEYS]


def clean_columns(columns: list[dict]) -> list[dict]:
    """The columns as saved, or LayoutError saying what is wrong (in Chinese)."""
    out, seen = [], set()
    for col in columns:
        key = col.get("key")
        if key not in BY_KEY:
            raise LayoutError(f"没有“{key}”这一列")
        if key in seen:
            raise LayoutError(f"“{BY_KEY[key].title}”一列重复")
        seen.add(key)
        title = str(col.get("title") or "").strip() or BY_KEY[key].title
        if len(title) > MAX_TITLE:
            raise LayoutError(f"列名“{title[:10]}…”超过{MAX_TITLE}个字")
        try:
            width = int(col.get("width") or BY_KEY[key].width)
        except (TypeError, ValueError):
            raise LayoutError(f"“{title}”的列宽须为数字") from None
        if not MIN_WIDTH <= width <= MAX_WIDTH:
            raise LayoutError(f"“{title}”的列宽须在{MIN_WIDTH}到{MAX_WIDTH}之间")
        out.append({"key": key, "title": title, "width": width})
    if not out:
        raise LayoutError("请至少选择一列")
    return out


def layout_columns(layout_id: int | None = None) -> tuple[list[dict], LedgerLayout | None]:
    """The columns of layout `layout_id`, else of the default layout, else the customary
    ones; and the layout used (None: the customary columns)."""
    layout = None
    if layout_id is not None:
        layout = LedgerLayout.objects.filter(pk=layout_id).first()
    if layout is None:
        layout = LedgerLayout.objects.filter(is_default=True).first()
    return (layout.columns, layout) if layout else (default_columns(), None)
