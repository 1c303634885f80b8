"""Load benchmark: a mixed working day against the production setup; nothing may fail
and no acknowledged save may be lost.

    .venv/bin/python bench/load.py [--quick] [--clients N] [--duration S] [--keep]

Starts the production setup of deploy/ with bench/_stack.py (as the production-setup
test does): a fresh PostgreSQL database, Redis as the shared cache when reachable, two
gunicorn application servers as duban@.service runs them, nginx over HTTPS in front.
Imports the seed plan (101 tasks), creates the people (1 in 10 clients office staff,
1 in 10 leaders, as many as the plan has, the rest unit liaisons) and opens rounds until
every liaison owns report slots no other client touches.

Every client is one person in their own browser (bench/_client.py: cookies, kept-alive
TLS connections), signed in through the real form before the clock starts. For the
duration, each repeats without pause one action drawn by weight:

    ledger       GET the ledger (the person's scope; 1 in 4 its second page)
    task         GET a task page the person may see
    dashboard    GET the dashboard overview (reverse('dashboards:overview'))
    report_save  (liaisons) the report form: POST a draft save with the version the
                 form showed (optimistic locking), follow the redirect to the form; every
                 third save of a slot submits it instead, then the next slot
    sign_in      a new browser: GET the sign-in page, POST the credentials

Afterwards the database is asked about every acknowledged (302) save: its text must
be in the audit trail of report saves, and the last save of each report must be the
report's text (and, for a submit, a submitted report with that text frozen as a
version).

Final lines:

    clients: N clients
    throughput: N req/s          all requests of the run / its duration
    p99_latency: N ms            over all requests; then p99_latency_<kind> per kind
    errors: N errors             statuses other than the expected, and exceptions
    lost_writes: N writes        acknowledged saves not found as described above
    load_average: L1 L5 L15      of the machine at the end (clients share it)

--quick: 50 clients for 15 s. Traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _client import Browser, form_version  # bench/ is on sys.path: run as a script
from _gunicorn import die
from _stack import Stack, StackError, missing

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Load-bench-2026"
SLOTS_PER_LIAISON = 6  # ≈ 3 saves a slot: enough for a minute of saving
WEIGHTS = {"ledger": 25, "task": 25, "dashboard": 15, "report_save": 30, "sign_in": 3}
SAVES_PER_SLOT = 3  # two drafts, then the submit


def log(msg: str) -> None:
    print(msg, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


# ------------------------------------------------------------------ in a child process


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()


def prepare(clients: int) -> None:
    """(child) Seed plan, people, rounds; prints the clients as JSON."""
    _django()
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from duban.accounts.models import Role, User
    from duban.org.models import Leader
    from duban.plans.models import Task
    from duban.rounds.actions import open_round
    from duban.rounds.models import Report
    from duban.web.demo import load_seed_plan

    plan = load_seed_plan()
    hashed = make_password(PASSWORD)  # one hash for all; each sign-in still verifies it
    now = timezone.now()
    leaders = list(Leader.objects.all())
    n_office = max(1, clients // 10)
    n_leader = min(len(leaders), max(1, clients // 10))
    n_liaison = clients - n_office - n_leader
    all_tasks = list(Task.objects.filter(plan=plan).values_list("pk", flat=True))
    people = []
    for i in range(n_office):
        User.objects.create(username=f"office{i:03d}", role=Role.OFFICE, full_name=f"督查室{i}", password=hashed,
                            password_changed_at=now)
        people.append({"username": f"office{i:03d}", "role": "office", "tasks": all_tasks, "reports": []})
    for i, leader in enumerate(leaders[:n_leader]):
        User.objects.create(username=f"leader{i:03d}", role=Role.LEADER, leader=leader, full_name=leader.name,
                            password=hashed, password_changed_at=now)
        people.append({"username": f"leader{i:03d}", "role": "leader", "tasks": all_tasks, "reports": []})
    # Rounds until every liaison can own SLOTS_PER_LIAISON slots of one unit.
    today = timezone.localdate()
    by_unit: dict[int, list[tuple[int, int]]] = defaultdict(list)
    month = 0
    while True:
        chunks = sum(len(s) // SLOTS_PER_LIAISON for s in by_unit.values())
        if chunks >= n_liaison or month >= 24:
            break
        month += 1
        end = today - dt.timedelta(days=31 * (24 - month))
        rnd = open_round(plan, actor=None, name=f"负载测试调度{month}", period_start=end - dt.timedelta(days=27),
                         period_end=end, opens_on=today, due_on=today + dt.timedelta(days=5))
        for pk, unit_id, task_id in Report.objects.filter(round=rnd).values_list("pk", "unit_id", "task_id"):
            by_unit[unit_id].append((pk, task_id))
    # Deal the chunks round-robin across units, so that liaisons spread over units.
    queues = {u: [s[i:i + SLOTS_PER_LIAISON] for i in range(0, len(s) - SLOTS_PER_LIAISON + 1, SLOTS_PER_LIAISON)]
              for u, s in by_unit.items()}
    dealt = 0
    while dealt < n_liaison and any(queues.values()):
        for unit_id, q in queues.items():
            if not q or dealt >= n_liaison:
                continue
            chunk = q.pop(0)
            name = f"liaison{dealt:03d}"
            User.objects.create(username=name, role=Role.LIAISON, unit_id=unit_id, full_name=f"联络员{dealt}",
                                password=hashed, password_changed_at=now)
            people.append({"username": name, "role": "liaison", "reports": [pk for pk, _ in chunk],
                           "tasks": sorted({t for _, t in chunk})})
            dealt += 1
    try:
        dashboard, dashboard_note = reverse("dashboards:overview"), ""
    except NoReverseMatch:
        dashboard, dashboard_note = reverse("web:home"), "dashboards:overview 不存在，以首页代替"
    print("PREPARED " + json.dumps({"people": people, "dashboard": dashboard, "dashboard_note": dashboard_note,
                                    "slots": sum(len(s) for s in by_unit.values()), "rounds": month}))


def check(acks_path: str) -> None:
    """(child) Which acknowledged saves are missing; prints the count as JSON."""
    _django()
    from duban.audit.models import Event
    from duban.rounds.models import Report, ReportVersion

    acks = json.loads(Path(acks_path).read_text())
    ids = {a["report"] for a in acks}
    audited = set()
    for object_id, after in Event.objects.filter(action="report.save", object_type="report",
                                                 object_id__in=[str(i) for i in ids]).values_list("object_id", "after"):
        audited.add((int(object_id), (after or {}).get("progress")))
    reports = {r.pk: r for r in Report.objects.filter(pk__in=ids)}
    frozen = {(rid, (data or {}).get("progress"))
              for rid, data in ReportVersion.objects.filter(report_id__in=ids).values_list("report_id", "data")}
    last = {}
    for a in acks:  # in the order each client made them: the last one of a report wins
        last[a["report"]] = a
    lost = []
    for a in acks:
        if (a["report"], a["text"]) not in audited:
            lost.append(f"{a['report']}: 审计中没有这次保存")
    for rid, a in last.items():
        r = reports.get(rid)
        if r is None or r.progress != a["text"]:
            lost.append(f"{rid}: 报告内容不是最后确认保存的内容")
        elif a["action"] == "submit" and (r.status == Report.Status.DRAFT or (rid, a["text"]) not in frozen):
            lost.append(f"{rid}: 已确认报送，但报告未报送或没有对应版本")
    print("CHECKED " + json.dumps({"lost": len(lost), "examples": lost[:10]}))


def child(stack: Stack, *args: str) -> dict:
    proc = stack.run([sys.executable, __file__, *args], check=False, timeout=600)
    if proc.returncode != 0:
        die(f"子进程 {args[0]} 失败：\n{proc.stderr[-3000:]}")
    for line in proc.stdout.splitlines():
        if line.startswith(("PREPARED ", "CHECKED ")):
            return json.loads(line.split(" ", 1)[1])
    die(f"子进程 {args[0]} 没有输出结果：\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return {}


# ------------------------------------------------------------------ the clients


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.acks: list[dict] = []

    def timed(self, kind: str, fn, expect: tuple[int, ...]):
        t0 = time.perf_counter()
        try:
            resp = fn()
        except Exception as exc:  # a refused, reset or timed-out connection is an error
            with self.lock:
                self.errors.append(f"{kind}: {exc!r}"[:300])
            return None
        ms = (time.perf_counter() - t0) * 1000
        with self.lock:
            self.latencies[kind].append(ms)
            if resp.status_code not in expect:
                self.errors.append(f"{kind}: HTTP {resp.status_code} {resp.request.method} {resp.request.path_url}")
                return None
        return resp


class Person:
    def __init__(self, n: int, spec: dict, url: str, cert: str, rec: Recorder, dashboard: str):
        self.n, self.spec, self.url, self.cert, self.rec, self.dashboard = n, spec, url, cert, rec, dashboard
        self.rng = random.Random(n)
        self.slots = list(spec["reports"])
        self.saves = 0  # of the current slot
        self.seq = 0
        self.version: int | None = None
        kinds = [k for k in WEIGHTS if k != "report_save" or spec["role"] == "liaison"]
        self.kinds, self.weights = kinds, [WEIGHTS[k] for k in kinds]
        self.browser = self._new_browser()

    def _new_browser(self) -> Browser:
        return Browser(self.url, verify=self.cert)

    def sign_in(self) -> None:
        b = self.browser
        if not self.rec.timed("sign_in_page", lambda: b.get("/accounts/login/"), (200,)):
            return
        self.rec.timed("sign_in", lambda: b.post("/accounts/login/", {"username": self.spec["username"],
                                                                       "password": PASSWORD}), (302,))

    def step(self) -> None:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        b = self.browser
        if kind == "ledger":
            path = "/plans/ledger/" + ("?page=2" if self.rng.random() < 0.25 and self.spec["role"] != "liaison" else "")
            self.rec.timed("ledger", lambda: b.get(path), (200,))
        elif kind == "task":
            task = self.rng.choice(self.spec["tasks"])
            self.rec.timed("task", lambda: b.get(f"/plans/tasks/{task}/"), (200,))
        elif kind == "dashboard":
            self.rec.timed("dashboard", lambda: b.get(self.dashboard), (200,))
        elif kind == "sign_in":
            self.browser.close()
            self.browser = self._new_browser()
            self.sign_in()
        elif kind == "report_save":
            self.report_save()

    def report_save(self) -> None:
        if not self.slots:
            self.step_read()
            return
        b, report = self.browser, self.slots[0]
        path = f"/rounds/reports/{report}/"
        if self.version is None:
            page = self.rec.timed("report_page", lambda: b.get(path), (200,))
            if page is None:
                return
            self.version = form_version(page.text)
            if self.version is None:
                with self.rec.lock:
                    self.rec.errors.append(f"report_page: {path} 没有版本号（不可编辑？）")
                self.slots.pop(0)
                return
        self.seq += 1
        action = "submit" if self.saves == SAVES_PER_SLOT - 1 else "save"
        text = f"负载测试第{self.n}号联络员对报告{report}的第{self.seq}次保存：本期完成投资 3.2 亿元，推进顺利。"
        fields = {"version": str(self.version), "progress_status": "in_progress", "percent": str(20 + self.saves),
                  "progress": text, "problems": "", "next_steps": "继续推进。", "action": action}
        resp = self.rec.timed("report_save", lambda: b.post(path, fields), (302,))
        if resp is None:
            self.version = None  # read the form again next time
            return
        with self.rec.lock:
            self.rec.acks.append({"report": report, "text": text, "action": action})
        self.saves += 1
        if action == "submit":
            self.slots.pop(0)
            self.saves, self.version = 0, None
        # the browser follows the redirect to the form, which shows the new version
        page = self.rec.timed("report_page", lambda: b.get(path), (200,))
        self.version = form_version(page.text) if page is not None and action == "save" else None

    def step_read(self) -> None:
        task = self.rng.choice(self.spec["tasks"])
        self.rec.timed("task", lambda: self.browser.get(f"/plans/tasks/{task}/"), (200,))


def run_load(stack: Stack, people: list[dict], dashboard: str, duration: float) -> dict:
    rec = Recorder()
    persons = [Person(i, spec, stack.https_url, str(stack.cert), rec, dashboard) for i, spec in enumerate(people)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:  # sign-ins are Argon2-bound on the servers
        list(pool.map(lambda p: p.browser.sign_in(p.spec["username"], PASSWORD), persons))
    log(f"[load] {len(persons)} people signed in in {time.perf_counter() - t0:.1f} s; load for {duration:.0f} s …")
    rec.latencies.clear()
    start = threading.Barrier(len(persons) + 1)
    stop_at = [0.0]

    def work(p: Person) -> None:
        start.wait()
        while time.perf_counter() < stop_at[0]:
            try:
                p.step()
            except Exception as exc:  # noqa: BLE001 - a client bug must show, not end the run
                with rec.lock:
                    rec.errors.append(f"client: {exc!r}"[:300])
        p.browser.close()

    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in persons]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + duration
    t_start = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_start
    return {"rec": rec, "elapsed": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 个客户端，15 秒")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true", help="保留临时目录（日志、数据）")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        return prepare(args.prepare)
    if args.check:
        return check(args.check)
    clients, duration = (50, 15.0) if args.quick else (args.clients, args.duration)
    reason = missing()
    if reason:
        die(reason)
    work = Path(tempfile.mkdtemp(prefix="duban-bench-load-"))
    stack = Stack(work, db_name=f"duban_bench_load_{os.getpid()}", log=log)
    try:
        stack.setup()
        t0 = time.perf_counter()
        prepared = child(stack, "--prepare", str(clients))
        people = prepared["people"]
        roles = defaultdict(int)
        for p in people:
            roles[p["role"]] += 1
        log(f"[load] prepared in {time.perf_counter() - t0:.1f} s: {dict(roles)}, {prepared['rounds']} rounds, "
            f"{prepared['slots']} report slots")
        if prepared["dashboard_note"]:
            log(f"[load] 注意：{prepared['dashboard_note']}")
        if len(people) < clients:
            die(f"只准备了 {len(people)} 个客户端（报告位不够）")
        stack.serve()
        result = run_load(stack, people, prepared["dashboard"], duration)
        rec: Recorder = result["rec"]
        acks_path = work / "acks.json"
        acks_path.write_text(json.dumps(rec.acks, ensure_ascii=False))
        checked = child(stack, "--check", str(acks_path))
        for line in checked["examples"]:
            log(f"[load] lost: {line}")
        for e in rec.errors[:15]:
            log(f"[load] error: {e}")
        if rec.errors:
            upstream = [ln for ln in stack.tail("nginx-error.log", 10**6).splitlines() if "upstream" in ln]
            for ln in upstream[:5]:
                log(f"[load] nginx: {ln[:300]}")
            for s in stack.servers:
                text = s.log_path.read_text(errors="replace")
                causes = sorted({ln for ln in text.splitlines()
                                 if re.match(r"^\w+(\.\w+)*(Error|Exception): ", ln) or "CRITICAL" in ln})
                for ln in causes[:5]:
                    log(f"[load] {s.name}: {ln[:300]}")
    except StackError as exc:
        die(str(exc))
    finally:
        stack.stop()
        if args.keep:
            log(f"[load] kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    all_ms = [ms for v in rec.latencies.values() for ms in v]
    total = len(all_ms)
    saves = sum(1 for a in rec.acks)
    log(f"[load] {total} requests in {result['elapsed']:.1f} s, {saves} report saves acknowledged "
        f"({sum(1 for a in rec.acks if a['action'] == 'submit')} submits); dashboard {prepared['dashboard']}")
    for kind in sorted(rec.latencies):
        v = rec.latencies[kind]
        log(f"[load] {kind:13s} n={len(v):6d}  p50 {percentile(v, 0.5):7.0f} ms  p99 {percentile(v, 0.99):7.0f} ms")
    log(f"clients: {len(people)} clients")
    log(f"throughput: {total / result['elapsed']:.1f} req/s")
    log(f"p99_latency: {percentile(all_ms, 0.99):.0f} ms")
    for kind in sorted(rec.latencies):
        log(f"p99_latency_{kind}: {percentile(rec.latencies[kind], 0.99):.0f} ms")
    log(f"errors: {len(rec.errors)} errors")
    log(f"lost_writes: {checked['lost']} writes")
    log("load_average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if rec.errors or checked["lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
