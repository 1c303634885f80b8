"""The systemd units of deploy/ for background work, read as systemd reads them (no
systemd needed; the deploy-marked test_deploy.py runs the rest of deploy/): the
workers (restarted by systemd, every scheduled job in their schedule), the audit
archive daily through duban-daily@.timer and `duban run_job`, the backup through its
own units with --keep 14, and docs/DEPLOY.md installs and enables them."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
INSTALLED_BIN = "/opt/duban/.venv/bin/duban"


def unit(name: str) -> dict[str, list[str]]:
    """{key: [values]} of a unit file, every section together (the keys used here are
    in one section each)."""
    out: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def duban_command(name: str, instance: str = "") -> tuple[str, list[str]]:
    """(command, its arguments) of the unit's single ExecStart= `duban …` line."""
    (line,) = unit(name)["ExecStart"]
    argv = shlex.split(line.replace("%i", instance))
    assert argv[0] == INSTALLED_BIN, line
    return argv[1], argv[2:]


def daily_time(name: str) -> tuple[int, int, int]:
    """(hour, minute, RandomizedDelaySec in minutes) of a daily timer."""
    values = unit(name)
    (calendar,) = values["OnCalendar"]
    m = re.fullmatch(r"\*-\*-\* (\d\d):(\d\d)", calendar)
    assert m, f"{name} 应每天运行一次：{calendar}"
    delay = values.get("RandomizedDelaySec", ["0min"])[0]
    return int(m[1]), int(m[2]), int(delay.removesuffix("min"))


def test_the_workers_are_restarted_by_systemd_and_schedule_every_job_but_the_archive():
    from duban.jobs.runner import BY_NAME, JOBS

    command, args = duban_command("duban-worker@.service", "1")
    assert (command, args) == ("worker", [])
    assert command in get_commands()
    worker = unit("duban-worker@.service")
    assert worker["Restart"] == ["always"] and worker["Type"] == ["simple"]
    assert "&" not in worker["ExecStart"][0]  # one process tree systemd watches, not jobs started in the background
    scheduled = {j.name for j in JOBS if j.in_worker}
    assert {"send_outbox", "remind", "open_rounds", "dashboard_snapshots", "refresh_status"} <= scheduled
    assert not BY_NAME["archive_audit"].in_worker


def test_the_audit_archive_runs_daily_through_the_daily_timer_and_is_recorded():
    assert daily_time("duban-daily@.timer")
    assert unit("duban-daily@.timer")["Unit"] == ["duban-job@%i.service"]
    command, args = duban_command("duban-job@.service", "archive_audit")
    assert (command, args) == ("run_job", ["archive_audit"])
    parser = load_command_class(get_commands()[command], command).create_parser("duban", command)
    assert parser.parse_args(args).name == "archive_audit"


def test_the_nightly_backup_keeps_the_newest_14_archives():
    command, args = duban_command("duban-backup.service")
    assert command == "backup"
    parser = load_command_class(get_commands()[command], command).create_parser("duban", command)
    assert parser.parse_args(args).keep == 14  # the option as the command reads it
    assert unit("duban-backup.service")["Type"] == ["oneshot"]
    assert unit("duban-backup.service")["ReadWritePaths"] == ["/var/lib/duban"]
    # The timer starts duban-backup.service (same name), after the daily jobs (the
    # night's audit archive is in the backup).
    assert "Unit" not in unit("duban-backup.timer")
    hour, minute, delay = daily_time("duban-daily@.timer")
    b_hour, b_minute, _ = daily_time("duban-backup.timer")
    assert b_hour * 60 + b_minute > hour * 60 + minute + delay


def test_the_deploy_guide_installs_and_enables_the_workers_and_the_nightly_timers():
    guide = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    for name in ("duban-backup.service", "duban-backup.timer", "duban-daily@.timer", "duban-job@.service",
                 "duban-worker@.service"):
        assert f"deploy/{name}" in guide, name
    enable = " ".join(re.findall(r"systemctl enable --now ([^`]+)`", guide.replace("\n", " ")))
    for unit_name in ("duban-worker@1", "duban-daily@archive_audit.timer", "duban-backup.timer"):
        assert unit_name in enable.split(), unit_name
    assert "duban-daily@backup.timer" not in guide  # it would run the backup without --keep
