"""`duban import FILE`: parse a plan and put it in the ledger (atomic);
`duban import --undo PLAN`: take back the plan's last import.

Prints what the import will do (a new plan, or the tasks a revised version adds,
changes, withdraws and restores, each with why it is taken for the stored task) and
every parser warning; `--dry-run` stops there (`--format json` prints it as JSON for
scripts). A revised version asks for `--yes` (or an interactive yes); a suspicious
one (withdrawing more than DUBAN_IMPORT_WITHDRAW_PERCENT of the tasks, or adding
and withdrawing about as many) is refused without `--force`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planparser import ReadError

from duban.imports.actions import UndoRefused, import_plan, last_import, undo_import
from duban.imports.preview import ImportPreview, build_preview, check_plan_file, parse_upload, sha256_of
from duban.imports.records import describe
from duban.plans.models import Plan


def _match(c) -> dict:
    return {"reason": c.reason, "similarity": round(c.similarity, 3) if c.similarity is not None else None}


def _item(c, parsed, *, records=None) -> dict:
    """One task of the diff, as JSON."""
    out = {"number": c.number or None, "title": c.title}
    if c.task is not None:
        out["task_id"] = c.task.pk
    if c.index is not None:
        out["line"] = parsed.tasks[c.index].line
    if c.kind != "added" and c.kind != "withdrawn":
        out["match"] = _match(c)
        if c.renumbered:
            out["number_before"] = c.number_before or None
    if c.kind in ("changed", "restored"):
        out["fields"] = list(c.fields)
        out["field_labels"] = c.field_labels
        out["before"] = {f: c.before.get(f) for f in c.fields}
        out["after"] = {f: c.after.get(f) for f in c.fields}
    if records is not None:
        out["records"] = dict(records)
    return out


def preview_json(preview: ImportPreview, source_name: str) -> dict:
    """The diff of an import as JSON: added, changed (with field names), withdrawn,
    restored, unchanged, each with the match reason; warnings with lines; guessed units."""
    parsed = preview.parsed
    records = preview.withdrawal_records
    groups = {kind: [] for kind in ("added", "changed", "withdrawn", "restored", "unchanged")}
    for c in preview.changes:
        item = _item(c, parsed, records=records.get(c.task.pk, {}) if c.kind == "withdrawn" else None)
        groups["unchanged" if c.kind == "same" else c.kind].append(item)
    return {
        "file": source_name,
        "sha256": preview.sha256,
        "plan": {
            "id": preview.plan.pk if preview.plan else None,
            "title": parsed.title,
            "issuer": parsed.issuer,
            "year": parsed.plan_year,
            "revision_before": preview.plan.revision if preview.plan else None,
            "is_new": preview.is_new,
            "is_unchanged": preview.is_unchanged,
        },
        "counts": {"added": preview.counts["added"], "changed": preview.counts["changed"],
                   "withdrawn": preview.counts["withdrawn"], "restored": preview.counts["restored"],
                   "unchanged": preview.counts["same"]},
        "suspicious": preview.suspicious,
        "suspicious_reasons": preview.suspicious_reasons,
        **groups,
        "warnings": [{"line": w.line, "message": w.message} for w in parsed.warnings],
        "guessed_units": (
            [{"written": m.name, "unit": m.canonical, "why": "abbreviation", "known": True}
             for m in preview.guessed_units]
            + [{"written": g.written, "unit": g.read, "why": "shared_suffix", "known": g.known}
               for g in preview.suffix_guesses]),
        "new_units": preview.new_units,
        "new_leaders": preview.new_leaders,
        "leader_roles": [{"role": r, "leader": n or None} for r, n in preview.role_map.items()],
    }


class Command(BaseCommand):
    help = "导入分工方案文件（.txt/.docx/.pdf/.xlsx/.csv），或撤销某方案最近一次导入（--undo）"
    group = "导入"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="方案文件")
        parser.add_argument("--dry-run", action="store_true", help="只显示将要发生的变化，不写入")
        parser.add_argument("--format", choices=["text", "json"], default="text",
                            help="输出格式；json 仅用于 --dry-run，输出变化明细")
        parser.add_argument("--yes", action="store_true", help="修订版（或撤销导入）无需交互确认直接执行")
        parser.add_argument("--force", action="store_true", help="可疑修订（撤销任务过多等）也执行")
        parser.add_argument("--role", action="append", default=[], metavar="职务=姓名",
                            help="方案中只写职务的牵头领导由谁担任，如 --role 常务副区长=郭文杰（可重复）")
        parser.add_argument("--undo", metavar="PLAN", help="撤销该方案（编号或方案名称）最近一次导入")

    def _fail(self, message: str):
        """One line of Chinese on stderr and exit status 2: the file could not be read."""
        self.stderr.write(message)
        raise SystemExit(2)

    def _confirm(self, question: str, opts) -> None:
        if opts["yes"]:
            return
        if not sys.stdin.isatty() or input(question).strip().lower() not in ("y", "yes"):
            raise CommandError("未确认，未做任何修改（可加 --yes）", returncode=1)

    def handle(self, *args, **opts):
        if opts["undo"]:
            return self._undo(opts)
        if not opts["file"]:
            raise CommandError("请给出方案文件，或用 --undo 方案 撤销导入", returncode=2)
        if opts["format"] == "json" and not opts["dry_run"]:
            raise CommandError("--format json 只能与 --dry-run 一起使用", returncode=2)
        roles = {}
        for item in opts["role"]:
            role, sep, name = item.partition("=")
            if not sep or not role.strip() or not name.strip():
                raise CommandError(f"--role {item} 格式不对，应为 职务=姓名，如 --role 常务副区长=郭文杰", returncode=2)
            roles[role.strip()] = name.strip()
        path = Path(opts["file"])
        try:
            data = path.read_bytes()
            # The web upload's checks (zip bombs, XML entity declarations, locked PDFs),
            # before any reader library opens the file.
            check_plan_file(data, path.name)
            parsed = parse_upload(path)
        except OSError as exc:
            self._fail(f"无法读取文件 {path.name}：{exc.strerror or exc}")
        except ReadError as exc:
            self._fail(str(exc))
        preview = build_preview(parsed, sha256_of(data), role_map=roles)
        if opts["format"] == "json":
            self.stdout.write(json.dumps(preview_json(preview, path.name), ensure_ascii=False, indent=1))
            return
        self._print(preview)
        if preview.is_unchanged:
            self.stdout.write("与已导入的版本相同，未做任何修改。")
            return
        if opts["dry_run"]:
            self.stdout.write("（试运行，未写入）")
            return
        if preview.suspicious and not opts["force"]:
            raise CommandError("可疑修订，未做任何修改：" + "；".join(preview.suspicious_reasons)
                               + "。请核对上面列出的撤销任务；确认无误后加 --force 重新运行。", returncode=1)
        if not preview.is_new:
            self._confirm("应用以上修改？[y/N] ", opts)
        result = import_plan(preview, actor=None, source_name=path.name, source_bytes=data,
                             suspicious_confirmed=opts["force"])
        self.stdout.write(self.style.SUCCESS(
            f"已导入：{result.plan.title}（编号 {result.plan.pk}，第{result.plan.revision}版）"
            + ("。如有误，可用 duban import --undo " + str(result.plan.pk) + " 撤销本次导入" if not preview.is_new else "")))

    def _print(self, preview: ImportPreview) -> None:
        out, parsed = self.stdout, preview.parsed
        out.write(f"方案：{parsed.title}（{parsed.issuer or '发文单位未识别'}，{parsed.issued or '日期未识别'}）")
        out.write(f"任务 {len(parsed.tasks)} 项，部分 {len(parsed.sections)} 个")
        for text in preview.warnings:
            out.write(self.style.WARNING(f"警告：{text}"))
        for m in preview.guessed_units:
            out.write(self.style.WARNING(f"推断：单位“{m.name}”视为“{m.canonical}”"))
        for g in preview.suffix_guesses:
            out.write(self.style.WARNING(f"推断：单位“{g.written}”与后面的单位共用后缀，读作“{g.read}”"
                                         + ("（已有单位）" if g.known else "（将新建）")))
        for role, name in preview.role_map.items():
            out.write(self.style.WARNING(f"领导职务“{role}”由{name}担任" if name else
                                         f"领导职务“{role}”未写姓名，未指定由谁担任（可加 --role {role}=姓名）"))
        if preview.is_unchanged:
            return
        if preview.is_new:
            out.write(f"新方案：将新增 {len(parsed.tasks)} 项任务，新建单位 {len(preview.new_units)} 个、"
                      f"区领导 {len(preview.new_leaders)} 位")
            return
        c = preview.counts
        out.write(f"修订版（现为第{preview.plan.revision}版）：新增 {c['added']} 项、修改 {c['changed']} 项、"
                  f"撤销 {c['withdrawn']} 项、恢复 {c['restored']} 项、不变 {c['same']} 项")
        records = preview.withdrawal_records
        for ch in preview.changes:
            label = f"{ch.number or '—'} {ch.title[:40]}"
            if ch.kind == "added":
                out.write(f"  + 新增 {label}")
            elif ch.kind == "withdrawn":
                out.write(f"  - 撤销 {label}（已有记录：{describe(records.get(ch.task.pk) or {})}，全部保留）")
            elif ch.kind in ("changed", "restored"):
                fields = "、".join(ch.field_labels) or "无"
                out.write(f"  ~ {ch.kind_label} {label}（{ch.reason}）修改：{fields}")
            elif ch.renumbered:
                out.write(f"  = 序号 {ch.number_before or '—'} → {label}（{ch.reason}）")
        for reason in preview.suspicious_reasons:
            out.write(self.style.ERROR(f"可疑修订：{reason}"))

    def _undo(self, opts) -> None:
        key = opts["undo"]
        plan = Plan.objects.filter(pk=int(key)).first() if key.isdigit() else None
        plan = plan or Plan.objects.filter(title=key).order_by("-pk").first()
        if plan is None:
            raise CommandError(f"找不到方案“{key}”（请给出方案编号或完整名称）", returncode=2)
        plan_import = last_import(plan)
        if plan_import is None:
            raise CommandError(f"方案《{plan.title}》没有可以撤销的导入", returncode=1)
        added = plan_import.tasks_before.filter(added=True).count()
        restored = plan_import.tasks_before.filter(added=False).count()
        self.stdout.write(f"将撤销方案《{plan.title}》第{plan_import.revision}版导入（{plan_import.source_name}，"
                          f"{plan_import.imported_at:%Y-%m-%d %H:%M}）：恢复 {restored} 项任务为导入前内容，"
                          f"该次新增的 {added} 项任务无记录的删除、有记录的改为撤销")
        if opts["dry_run"]:
            self.stdout.write("（试运行，未写入）")
            return
        self._confirm("撤销这次导入？[y/N] ", opts)
        try:
            result = undo_import(plan_import, actor=None)
        except UndoRefused as exc:
            raise CommandError(str(exc), returncode=1) from None
        tail = "，方案由该次导入建立，已删除" if result.plan is None else f"，现为第{result.plan.revision}版"
        self.stdout.write(self.style.SUCCESS(
            f"已撤销：恢复 {result.restored} 项，删除 {result.deleted} 项，改为撤销 {result.withdrawn} 项{tail}"))
