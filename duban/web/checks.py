"""Deployment checks of Duban's own (`duban check --deploy`), beside Django's.

- duban.W001: no DUBAN_SECRET_KEY (or _FILE) given: the key generated in the data
  folder is used. Several application servers must share one key (sessions, CSRF and
  signed links made by one are checked by another), so production sets it.
- duban.W002: demo mode (DUBAN_DEMO) is on: `duban demo` may create accounts with
  known roles; never in production.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.core.files.storage import storages

from duban.lib.filemodes import loose, loose_paths


@register(Tags.security, deploy=True)
def check_deployment(app_configs=None, **kwargs):
    problems = []
    if getattr(settings, "DUBAN_SECRET_KEY_GENERATED", False):
        problems.append(Warning(
            "未配置 DUBAN_SECRET_KEY：正在使用数据目录中自动生成的密钥",
            hint="生产环境请在环境文件中设置 DUBAN_SECRET_KEY 或 DUBAN_SECRET_KEY_FILE；多台应用服务器必须使用同一密钥",
            id="duban.W001",
        ))
    if getattr(settings, "DEMO", False):
        problems.append(Warning(
            "演示模式已开启（DUBAN_DEMO=true）",
            hint="生产环境请设置 DUBAN_DEMO=false",
            id="duban.W002",
        ))
    return problems


@register(Tags.security, deploy=True)
def check_file_modes(app_configs=None, **kwargs):
    """duban.W003: a file or folder of the private data that others can read (an
    install from before files were made private, or a copy made by hand)."""
    data = Path(settings.DATA_DIR)
    static = Path(settings.STATIC_ROOT)
    found = [data] if loose(data) else []
    below = [p for p in data.iterdir() if p != static] if data.is_dir() else []
    files = getattr(storages["default"], "location", None)
    if files and not Path(files).is_relative_to(data):
        below.append(Path(files))
    found += loose_paths(below)
    if not found:
        return []
    shown = "、".join(str(p) for p in found[:5]) + (f" 等{len(found)}项" if len(found) > 5 else "")
    return [Warning(
        f"数据文件或目录可被其他本机用户读取：{shown}",
        hint=f"运行 chmod -R go-rwx {data}（静态文件目录除外）；systemd 单元应设置 UMask=0077",
        id="duban.W003",
    )]
