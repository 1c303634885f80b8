"""One check of everything that is sealed: the audit chain (with its archive files and
anchor) and the seals of accepted reports, report versions and 督办单.

`check` only reads. `daily_check` is the scheduled job: it checks, records the result
as an audit event (``audit.verify``), moves the anchor on when all is intact, and when
anything is broken sends `integrity_broken`, on which the notifications app alerts the
security administrators and auditors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.dispatch import Signal

from . import chain, seals
from .log import record
from .models import Event

# Sent by daily_check when the chain or a seal is broken; `report` is the IntegrityReport.
integrity_broken = Signal()


class IntegrityBroken(Exception):
    """The daily job found a break (it has been recorded and the people alerted)."""


@dataclass
class IntegrityReport:
    chain: chain.ChainReport
    seals_checked: int = 0
    broken_seals: list[seals.BrokenSeal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.broken_seals

    @property
    def problem_count(self) -> int:
        return len(self.chain.problems) + self.chain.more_problems + len(self.broken_seals)

    def problems(self) -> list[str]:
        return [str(p) for p in self.chain.problems] + [str(b) for b in self.broken_seals]

    def first_problem(self) -> str:
        found = self.problems()
        return found[0] if found else ""

    def __str__(self) -> str:
        if self.ok:
            return f"审计记录{self.chain.checked}条、防篡改材料{self.seals_checked}份全部完好"
        return f"发现{self.problem_count}处问题，第一处：{self.first_problem()}"

    def lines(self) -> list[str]:
        """The result for a person, in Chinese."""
        c = self.chain
        out = [f"审计哈希链：共校验{c.checked}条记录（在线{c.live}条，归档{c.archived}条，"
               f"归档文件{len(c.archive_files)}个），最新为第{c.last_seq}条。"]
        if c.unchained_archives:
            out.append(f"另有建立哈希链之前的归档文件{len(c.unchained_archives)}个，仅核对了SHA-256摘要："
                       + "、".join(c.unchained_archives))
        out.append(f"防篡改校验值：已采纳的报告、报告版本和督办单共{self.seals_checked}份。")
        if self.ok:
            out.append("全部完好。")
            return out
        out.append(f"发现{self.problem_count}处问题。第一处：{self.first_problem()}")
        out.extend(f"  {i}. {text}" for i, text in enumerate(self.problems(), 1))
        if c.more_problems:
            out.append(f"  另有{c.more_problems}处未列出。")
        return out


def check(*, archive_folder: Path | None = None) -> IntegrityReport:
    return IntegrityReport(chain.verify(archive_folder=archive_folder), seals.count_due(),
                           list(seals.broken_seals()))


def daily_check(*, archive_folder: Path | None = None) -> IntegrityReport:
    """The scheduled integrity check (run it daily; see docs/DEPLOY.md). A break is
    confirmed by a second reading before anyone is alerted (an archive run moving rows
    out of the table at that moment must not look like a deletion)."""
    report = check(archive_folder=archive_folder)
    if not report.ok:
        report = check(archive_folder=archive_folder)
    if report.ok:
        chain.write_anchor(report.chain)
        record("audit.verify", summary=f"完整性校验：{report}",
               after={"checked": report.chain.checked, "last_seq": report.chain.last_seq,
                      "sealed": report.seals_checked})
    else:
        record("audit.verify", result=Event.Result.FAILED,
               summary=f"完整性校验{report}",
               after={"checked": report.chain.checked, "problems": report.problems()[:20]})
        integrity_broken.send(sender=IntegrityReport, report=report)
    return report


def daily_job() -> str:
    """The scheduled job (duban.jobs.runner, ``duban run_job verify_audit``): a break
    makes the run fail on the system administrator's page as well."""
    report = daily_check()
    if not report.ok:
        raise IntegrityBroken(str(report))
    return str(report)
