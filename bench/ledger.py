"""Ledger benchmark: the signed-in ledger page as 56 different people use it, with
real writes, against a ceiling.

    .venv/bin/python bench/ledger.py [--quick] [--duration S] [--connections N] [--keep]

Builds a fresh SQLite database in a temporary DUBAN_DATA_DIR, migrates, imports the
seed plan (examples/daxing-2026-plan.txt, 101 tasks), opens a progress round through
the action (one report slot per task and unit) and creates 56 people: 4 of the office,
13 leaders (each linked to a leader of the plan) and 39 unit liaisons (each of a unit
with a lead report in the round). Each signs in through the real sign-in form. Then it
starts two gunicorn servers with the same settings on 127.0.0.1:

- Duban itself (duban.wsgi, DUBAN_DEBUG off): wrk sends, in turn, each person's
  ledger request (/plans/ledger/ with that person's session cookie: office and
  leaders see every task, a liaison the tasks of their unit), and every 20th request
  is a real write instead: a liaison saves their report draft (POST of the report
  form, CSRF token, the report's version: rounds.actions.save_report_draft, which
  recomputes the task's stored status in its transaction). A 409 (a version conflict)
  or any other non-2xx/3xx answer fails the run;
- the ceiling (bench/ceiling_app.py): one SQL query for the same rows turned into
  HTML by string joining, no framework at all.

Both are checked first (200, every task title on the page), then loaded by wrk with
the same duration and connections, alternating. The last lines are the figures:

    ledger_56_users_writes_1_in_20_rps: N req/s
    ceiling_rps: N req/s
    ledger_56_users_ceiling_ratio: R ratio

Traffic goes to 127.0.0.1 only; every run is bounded by --duration.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html import escape
from pathlib import Path

from _gunicorn import NoRedirect, Server, die  # bench/ is on sys.path: run as a script

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "daxing-2026-plan.txt"
EXPECTED_TASKS = 101
LEDGER_PATH = "/plans/ledger/"
PASSWORD = "Bench-pass-2026"
OFFICE, LEADERS, LIAISONS = 4, 13, 39  # 56 people
WRITE_EVERY = 20  # every 20th request of the load is a report saved
# The same gunicorn settings for both servers, as in scripts/run.sh.
GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning"]
TARGET_RATIO = 0.5


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- data set up


def prepare(data_dir: Path, profile_requests: int) -> tuple[list[str], list[dict]]:
    """Migrate a fresh database, import the seed plan, open a round, create the 56
    people. Returns the titles of the active tasks and the people ({username, kind,
    unit_id, report_id}). Runs Django in this process with the environment the servers get."""
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from duban.accounts.models import Role, User
    from duban.org.models import Leader
    from duban.plans.models import Task
    from duban.rounds.actions import open_round
    from duban.rounds.models import Report
    from duban.web.demo import load_seed_plan

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    t0 = time.perf_counter()
    plan = load_seed_plan(SEED)
    log(f"imported {SEED.name} in {time.perf_counter() - t0:.2f} s")
    titles = list(Task.objects.filter(plan=plan).active().order_by("order").values_list("title", flat=True))
    if len(titles) != EXPECTED_TASKS:
        die(f"种子方案应有 {EXPECTED_TASKS} 项任务，实际导入 {len(titles)} 项")

    def person(username: str, role: str, **fields) -> User:
        user = User(username=username, role=role, full_name=username, **fields)
        user.set_password(PASSWORD)
        user.save()
        return user

    people: list[dict] = []
    office = [person(f"bench-office-{i}", Role.OFFICE) for i in range(OFFICE)]
    people += [{"username": u.username, "kind": "office", "unit_id": None, "report_id": None} for u in office]
    for i, leader in enumerate(Leader.objects.filter(task_links__task__plan=plan).distinct().order_by("pk")[:LEADERS]):
        people.append({"username": person(f"bench-leader-{i}", Role.LEADER, leader=leader).username, "kind": "leader",
                       "unit_id": None, "report_id": None})
    today = dt.date.today()
    rnd = open_round(plan, actor=office[0], name="基准测试调度", period_start=today - dt.timedelta(days=30),
                     period_end=today, opens_on=today - dt.timedelta(days=3), due_on=today + dt.timedelta(days=10))
    first_report: dict[int, int] = {}
    for report_id, unit_id in Report.objects.filter(round=rnd, role="lead").order_by("unit_id", "pk").values_list(
            "pk", "unit_id"):
        first_report.setdefault(unit_id, report_id)
    for i, (unit_id, report_id) in enumerate(list(first_report.items())[:LIAISONS]):
        people.append({"username": person(f"bench-liaison-{i}", Role.LIAISON, unit_id=unit_id).username,
                       "kind": "liaison", "unit_id": unit_id, "report_id": report_id})
    log(f"people: {sum(p['kind'] == 'office' for p in people)} office, "
        f"{sum(p['kind'] == 'leader' for p in people)} leaders, {sum(p['kind'] == 'liaison' for p in people)} liaisons")
    if profile_requests:
        liaison = User.objects.get(username=next(p["username"] for p in people if p["kind"] == "liaison"))
        profile_ledger(office[0], liaison, profile_requests)
    connection.close()
    return titles, people


def writes_made() -> int:
    """Report drafts saved through the action during the load (their audit events)."""
    from django.db import connection

    from duban.audit.models import Event

    try:
        return Event.objects.filter(action="report.save").count()
    finally:
        connection.close()


def profile_ledger(user, liaison, requests: int) -> None:
    """In-process diagnosis of the ledger view (Django test client, which keeps one
    database connection, so connection set-up is not counted): SQL queries and time
    in SQL for one request, and the median CPU time per request of the page, of its
    htmx partial (results only), of the office's work queue (its "/") and of the floor
    (a liaison's "/", a redirect: the middleware and the session, no page). CPU time,
    not wall time, so that other work on the machine disturbs it less."""
    import statistics

    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get(LEDGER_PATH)  # warm the template cache
    sql_seconds = []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds.append(time.perf_counter() - t)

    with connection.execute_wrapper(timed):
        response = client.get(LEDGER_PATH)
    if response.status_code != 200:
        die(f"台账页返回 {response.status_code}")

    floor_client = Client()
    floor_client.force_login(liaison)
    if floor_client.get("/").status_code != 302:
        die("联络员的首页不再是跳转：基准的“下限”需要另选一个页面")

    def cpu_ms(path: str, on=client, **headers) -> float:
        samples = []
        for _ in range(requests):
            t = time.process_time()
            on.get(path, **headers)
            samples.append((time.process_time() - t) * 1000)
        return statistics.median(samples)

    log(
        f"ledger view in-process: {len(sql_seconds)} SQL queries ({sum(sql_seconds) * 1000:.1f} ms in SQL), "
        f"{len(response.content) // 1024} KiB; median CPU per request: page {cpu_ms(LEDGER_PATH):.1f} ms, "
        f"htmx partial {cpu_ms(LEDGER_PATH, HTTP_HX_REQUEST='true'):.1f} ms, office's work queue (/) {cpu_ms('/'):.1f} ms, "
        f"floor (a liaison's /, a redirect) {cpu_ms('/', on=floor_client):.1f} ms"
    )


# ---------------------------------------------------------------- servers


def sign_in(server: Server, username: str) -> str:
    """Signs in through the real form (GET for the CSRF token, then POST) and
    returns the Cookie header a browser would send afterwards (session and CSRF
    cookies)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    login = f"{server.url}/accounts/login/"
    with opener.open(login, timeout=60) as resp:
        page = resp.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        die("登录页没有 CSRF 令牌")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": PASSWORD, "next": LEDGER_PATH}
    ).encode()
    request = urllib.request.Request(login, data=data, headers={"Referer": login})
    try:
        opener.open(request, timeout=60)
        die("登录未成功：登录后没有跳转")
    except urllib.error.HTTPError as exc:  # the 302 after a successful sign-in
        if exc.code != 302:
            die(f"登录返回 {exc.code}")
    if not any(c.name == "sessionid" for c in jar):
        die("登录后没有得到 sessionid")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def fetch(url: str, headers: dict) -> str:
    """The page's text; dies unless the answer is 200 (a redirect to sign-in is not)."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=60) as resp:
            status, body = resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        die(f"{url} 返回 {exc.code}")
    if status != 200:
        die(f"{url} 返回 {status}")
    return body


def present(body: str, titles: list[str]) -> list[str]:
    return [t for t in titles if escape(t) in body]


def check_ledger(url: str, headers: dict, titles: list[str]) -> int:
    """The ledger answers 200 and, over its pages, shows every task. Returns how many
    tasks its first page shows (all of them when it does not paginate)."""
    first = fetch(url, headers)
    seen = set(present(first, titles))
    on_first = len(seen)
    page = 1
    while len(seen) < len(titles) and page < 20:
        page += 1
        seen |= set(present(fetch(f"{url}?page={page}", headers), titles))
    missing = [t for t in titles if t not in seen]
    if missing:
        die(f"台账（{page} 页）缺少 {len(missing)} 项任务，例如：{missing[0][:40]}")
    pages = f"over {page} pages, {on_first} on the first" if page > 1 else "on one page"
    log(f"duban ledger: 200, all {len(titles)} tasks present {pages}, {len(first.encode()) // 1024} KiB")
    return on_first


def check_floor(url: str, headers: dict) -> None:
    """The floor answers a signed-in liaison with a redirect to their work, not to the
    sign-in page (which would measure an anonymous request)."""
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=30)
        die("联络员的首页不再是跳转：基准的“下限”需要另选一个页面")
    except urllib.error.HTTPError as e:
        where = e.headers.get("Location", "")
        if e.code != 302 or "login" in where:
            die(f"下限页 {url} 应跳转到联络员的工作页，实际 {e.code} → {where}")
    log(f"floor {url}: 302 to the liaison's work, as a signed-in person")


def check_ceiling(url: str, titles: list[str]) -> None:
    body = fetch(url, {})
    missing = [t for t in titles if escape(t) not in body]
    if missing:
        die(f"上限服务缺少 {len(missing)} 项任务，例如：{missing[0][:40]}")
    log(f"ceiling {url.rsplit('/', 1)[-1] or '/'}: 200, all {len(titles)} expected tasks present, {len(body.encode()) // 1024} KiB")


# ---------------------------------------------------------------- load


def lua_script(path: Path, people: list[dict], writers: list[dict], threads: int, base: str) -> Path:
    """The wrk script: each request is the next person's (paths and cookies in turn,
    each wrk thread starting elsewhere in the list); with writers, every WRITE_EVERY-th
    request is instead a report draft saved by a liaison (each wrk thread writes its
    own liaisons' reports, so two threads never race on one report's version)."""

    def lua(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    people_lua = ",\n".join(f"  {{path={lua(p['path'])}, cookie={lua(p.get('cookie', ''))}}}" for p in people)
    writers_lua = ",\n".join(
        f"  {{path={lua(w['path'])}, cookie={lua(w['cookie'])}, csrf={lua(w['csrf'])}, version={w['version']}}}"
        for w in writers)
    path.write_text(f"""-- generated by bench/ledger.py
local people = {{
{people_lua}
}}
local writers = {{
{writers_lua}
}}
local threads, every, base = {threads}, {WRITE_EVERY}, {lua(base)}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local n, mine = 0, nil
function request()
  if mine == nil then
    mine = {{}}
    for i, w in ipairs(writers) do
      if (i - 1) % threads == tid then table.insert(mine, w) end
    end
  end
  n = n + 1
  if #mine > 0 and n % every == 0 then
    local w = mine[math.floor(n / every) % #mine + 1]
    local body = "csrfmiddlewaretoken=" .. w.csrf .. "&version=" .. w.version ..
      "&progress_status=in_progress&percent=" .. (n % 100) .. "&progress=bench+write+" .. n
    w.version = w.version + 1
    return wrk.format("POST", w.path, {{["Cookie"] = w.cookie, ["Referer"] = base .. w.path,
      ["Content-Type"] = "application/x-www-form-urlencoded"}}, body)
  end
  local p = people[(n + tid * 17) % #people + 1]
  if p.cookie ~= "" then
    return wrk.format("GET", p.path, {{["Cookie"] = p.cookie}})
  end
  return wrk.format("GET", p.path)
end
""", encoding="utf-8")
    return path


def writers_script(data_dir: Path, people: list[dict], writers: list[dict], threads: int, base: str) -> Path:
    """The Duban wrk script with each writer's report at its current version. Every wrk
    run starts from the versions written into its script, so after a run that saved
    reports (a warm-up, an earlier round) the script is written again: otherwise the
    next run's saves carry old versions and get 409."""
    from django.db import connection

    from duban.rounds.models import Report

    time.sleep(2)  # saves still in flight when the last run stopped (latencies reach 1-2 s here) land first
    try:
        current = dict(Report.objects.filter(pk__in=[w["report_id"] for w in writers]).values_list("pk", "version"))
    finally:
        connection.close()
    for w in writers:
        w["version"] = current[w["report_id"]]
    return lua_script(data_dir / "duban.lua", [{"path": LEDGER_PATH, "cookie": p["cookie"]} for p in people],
                      writers, threads, base)


def connections_per_worker(port: int) -> list[int]:
    """How many of the load's connections each gunicorn worker process holds (ss)."""
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values(), reverse=True)


def run_wrk(url: str, seconds: int, connections: int, threads: int, script: Path, port: int,
            quiet: bool = False) -> tuple[float, list[int]]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(min(1.0, seconds / 2))
    spread = connections_per_worker(port)  # which worker holds which keep-alive connection
    stdout, stderr = proc.communicate(timeout=seconds + 60)
    if proc.returncode != 0:
        die(f"wrk 失败：{stderr or stdout}")
    text = stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad:
        die(f"负载期间有 {bad.group(1)} 个非 2xx/3xx 响应（服务器日志见 --keep 保留的目录）：\n{text}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        die(f"无法读取 wrk 的结果：\n{text}")
    if quiet:
        return float(rps.group(1)), spread
    errors = re.search(r"Socket errors: (.*)", text)
    if errors:
        log(f"  wrk socket errors: {errors.group(1)}")
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", text)
    if latency:
        log(f"  latency avg {latency.group(1)}, stdev {latency.group(2)}, max {latency.group(3)}")
    return float(rps.group(1)), spread


def main() -> None:
    parser = argparse.ArgumentParser(description="Duban 台账页与上限对照的吞吐量基准")
    parser.add_argument("--quick", action="store_true", help="一轮 3 秒（默认三轮，每轮 10 秒）")
    parser.add_argument("--duration", type=int, help="每轮秒数")
    parser.add_argument("--connections", type=int, default=16, help="并发连接数（默认 16）")
    parser.add_argument("--threads", type=int, default=2, help="wrk 线程数（默认 2）")
    parser.add_argument("--rounds", type=int, help="轮数，两台服务器交替测量、取中位数（默认 3，--quick 为 1）")
    parser.add_argument("--keep", action="store_true", help="保留临时数据目录和服务器日志")
    args = parser.parse_args()
    seconds = args.duration or (3 if args.quick else 10)
    rounds = args.rounds or (1 if args.quick else 3)

    if shutil.which("wrk") is None:
        die("找不到负载工具 wrk：请运行 apt-get install -y wrk（Debian/Ubuntu）后重试", 2)
    if not SEED.exists():
        die(f"找不到种子方案 {SEED}")

    data_dir = Path(tempfile.mkdtemp(prefix="duban-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # always the embedded SQLite
    env.update(
        DUBAN_DATA_DIR=str(data_dir),
        DUBAN_DEBUG="false",
        DUBAN_DEMO="false",
        DUBAN_SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdefghij",
        DUBAN_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="duban.settings",
        DUBAN_BENCH_DB=str(data_dir / "duban.sqlite3"),
        PYTHONPATH=str(ROOT),
    )
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    servers: list[Server] = []
    try:
        titles, people = prepare(data_dir, profile_requests=5 if args.quick else 20)
        duban = Server("duban", "duban.wsgi:application", ROOT, env, data_dir, GUNICORN)
        ceiling = Server("ceiling", "ceiling_app:application", ROOT / "bench", env, data_dir, GUNICORN)
        servers += [duban, ceiling]
        for s in servers:
            s.wait_ready()
        for p in people:
            p["cookie"] = sign_in(duban, p["username"])
        office = {"Cookie": people[0]["cookie"]}
        rows = check_ledger(duban.url + LEDGER_PATH, office, titles)
        check_ceiling(ceiling.url + "/", titles)
        if rows < len(titles):
            # A paginated ledger: compare its first page with the same rows from the ceiling.
            check_ceiling(f"{ceiling.url}/?limit={rows}", titles[:rows])
            log(f"the ledger shows {rows} tasks a page: both servers are measured on {rows} rows a page")
        liaison = next(p for p in people if p["kind"] == "liaison")
        fetch(duban.url + LEDGER_PATH, {"Cookie": liaison["cookie"]})  # 200, not a redirect to sign-in
        check_floor(duban.url + "/", {"Cookie": liaison["cookie"]})
        writers = []
        for p in people:
            if p["report_id"] is None:
                continue
            path = f"/rounds/reports/{p['report_id']}/"
            page = fetch(duban.url + path, {"Cookie": p["cookie"]})
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            version = re.search(r'name="version" value="(\d+)"', page)
            if not csrf or not version:
                die(f"报告页 {path} 没有 CSRF 令牌或版本号")
            writers.append({"path": path, "cookie": p["cookie"], "csrf": csrf.group(1), "version": int(version.group(1)),
                            "report_id": p["report_id"]})
        duban_script = lua_script(data_dir / "duban.lua",
                                  [{"path": LEDGER_PATH, "cookie": p["cookie"]} for p in people],
                                  writers, args.threads, duban.url)
        ceiling_script = lua_script(data_dir / "ceiling.lua",
                                    [{"path": f"/?limit={rows}" + (f"&unit={p['unit_id']}" if p["unit_id"] else "")}
                                     for p in people], [], args.threads, ceiling.url)
        # The floor: what any signed-in Duban page costs before its own work (gunicorn,
        # the middleware, the session and the user read from the database): each
        # liaison's "/", a redirect to their work. Its ratio to the ceiling bounds what a
        # page served by Duban can reach.
        liaisons = [p for p in people if p["kind"] == "liaison"]
        floor_script = lua_script(data_dir / "floor.lua", [{"path": "/", "cookie": p["cookie"]} for p in liaisons],
                                  [], args.threads, duban.url)
        runs = [("ledger", duban, duban_script), ("ceiling", ceiling, ceiling_script), ("floor", duban, floor_script)]
        log(
            f"load: wrk {args.threads} threads, {args.connections} connections, {rounds} round(s) of "
            f"{seconds} s per server, servers alternating, each run after a 1 s warm-up; "
            f"{len(people)} people in turn, every {WRITE_EVERY}th Duban request a report saved by one of "
            f"{len(writers)} liaisons"
        )
        samples: dict[str, list[float]] = {name: [] for name, _, _ in runs}
        for i in range(rounds):
            for name, server, script in runs:
                # The warm-up also lets a server finish the backlog of the previous run.
                time.sleep(0.5)
                if name == "ledger":
                    script = writers_script(data_dir, people, writers, args.threads, duban.url)
                run_wrk(server.url + "/", 1, args.connections, args.threads, script, server.port, quiet=True)
                if name == "ledger":  # the warm-up may have saved reports: their versions moved on
                    script = writers_script(data_dir, people, writers, args.threads, duban.url)
                rps, spread = run_wrk(server.url + "/", seconds, args.connections, args.threads, script, server.port,
                                      quiet=i > 0)
                samples[name].append(rps)
                log(f"  round {i + 1} {name}: {rps:.1f} req/s; connections per worker process {spread}")
        results = {name: statistics.median(values) for name, values in samples.items()}
        writes = writes_made()
        log(f"report drafts saved through the action during the load (audit events): {writes}")
        if writes == 0:
            # Every 20th request of each wrk thread writes: a run too short (or a server too
            # slow) for 20 requests a thread makes none. Said, not hidden.
            log("WARNING: no report was saved during the load (fewer than 20 requests a wrk thread): "
                "this run measured reads only; run longer (--duration) for the writes")
        # The sessions must still be good after the load (no silent redirects to sign-in).
        if len(present(fetch(duban.url + LEDGER_PATH, office), titles)) != rows:
            die("负载后台账页内容不完整（会话失效？）")
        fetch(duban.url + LEDGER_PATH, {"Cookie": liaison["cookie"]})
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            log(f"kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    ratio = results["ledger"] / results["ceiling"] if results["ceiling"] else 0.0
    floor_ratio = results["floor"] / results["ceiling"] if results["ceiling"] else 0.0
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    log(f"ratio {ratio:.3f} {verdict} the target of {TARGET_RATIO}; "
        f"the floor (a signed-in redirect, no page) reaches {floor_ratio:.3f} of the ceiling")
    users = len(people)
    print(f"ledger_{users}_users_writes_1_in_{WRITE_EVERY}_rps: {results['ledger']:.1f} req/s")
    print(f"ceiling_rps: {results['ceiling']:.1f} req/s")
    print(f"floor_{len(liaisons)}_liaisons_signed_in_redirect_rps: {results['floor']:.1f} req/s")
    print(f"ledger_{users}_users_ceiling_ratio: {ratio:.3f} ratio")
    print(f"floor_{len(liaisons)}_liaisons_ceiling_ratio: {floor_ratio:.3f} ratio", flush=True)


if __name__ == "__main__":
    main()
