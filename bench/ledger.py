"""Ledger benchmark: Duban's signed-in ledger page against a ceiling.

    .venv/bin/python bench/ledger.py [--quick] [--duration S] [--connections N] [--keep]

Builds a fresh SQLite database in a temporary DUBAN_DATA_DIR, migrates, imports the
seed plan (examples/daxing-2026-plan.txt, 101 tasks) and creates an office user. Then
it starts two gunicorn servers with the same settings on 127.0.0.1:

- Duban itself (duban.wsgi, DUBAN_DEBUG off), the ledger page at /plans/ledger/,
  requested with the session cookie of the office user, who signed in through the
  real sign-in form;
- the ceiling (bench/ceiling_app.py): one SQL query for the same 101 rows turned
  into HTML by string joining, no framework at all.

Both are checked first (200, every task title on the page), then loaded by wrk with
the same duration and connections. The last three lines are the figures:

    ledger_rps: N req/s
    ceiling_rps: N req/s
    ledger_ceiling_ratio: R ratio

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
USERNAME = "bench-office"
PASSWORD = "Bench-pass-2026"
# The same gunicorn settings for both servers, as in scripts/run.sh.
GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning"]
TARGET_RATIO = 0.5


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- data set up


def prepare(data_dir: Path, profile_requests: int) -> list[str]:
    """Migrate a fresh database, import the seed plan, create the office user.
    Returns the titles of the active tasks. Runs Django in this process with the
    same environment the servers get."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from duban.accounts.models import Role, User
    from duban.plans.models import Task
    from duban.web.demo import load_seed_plan

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    t0 = time.perf_counter()
    plan = load_seed_plan(SEED)
    log(f"imported {SEED.name} in {time.perf_counter() - t0:.2f} s")
    titles = list(Task.objects.filter(plan=plan).active().order_by("order").values_list("title", flat=True))
    if len(titles) != EXPECTED_TASKS:
        die(f"种子方案应有 {EXPECTED_TASKS} 项任务，实际导入 {len(titles)} 项")
    user = User(username=USERNAME, role=Role.OFFICE, full_name="基准测试督查室")
    user.set_password(PASSWORD)
    user.save()
    if profile_requests:
        profile_ledger(user, profile_requests)
    connection.close()
    return titles


def profile_ledger(user, requests: int) -> None:
    """In-process diagnosis of the ledger view (Django test client, which keeps one
    database connection, so connection set-up is not counted): SQL queries and time
    in SQL for one request, and the median CPU time per request of the page, of its
    htmx partial (results only) and of the floor (signed-in "/", a redirect). CPU time,
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

    def cpu_ms(path: str, **headers) -> float:
        samples = []
        for _ in range(requests):
            t = time.process_time()
            client.get(path, **headers)
            samples.append((time.process_time() - t) * 1000)
        return statistics.median(samples)

    log(
        f"ledger view in-process: {len(sql_seconds)} SQL queries ({sum(sql_seconds) * 1000:.1f} ms in SQL), "
        f"{len(response.content) // 1024} KiB; median CPU per request: page {cpu_ms(LEDGER_PATH):.1f} ms, "
        f"htmx partial {cpu_ms(LEDGER_PATH, HTTP_HX_REQUEST='true'):.1f} ms, floor (signed-in /) {cpu_ms('/'):.1f} ms"
    )


# ---------------------------------------------------------------- servers


def sign_in(server: Server) -> str:
    """Signs in through the real form (GET for the CSRF token, then POST) and
    returns the Cookie header a browser would send afterwards (session and CSRF
    cookies)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    login = f"{server.url}/accounts/login/"
    with opener.open(login, timeout=10) as resp:
        page = resp.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        die("登录页没有 CSRF 令牌")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": USERNAME, "password": PASSWORD, "next": LEDGER_PATH}
    ).encode()
    request = urllib.request.Request(login, data=data, headers={"Referer": login})
    try:
        opener.open(request, timeout=10)
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
        with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as resp:
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


def check_ceiling(url: str, titles: list[str]) -> None:
    body = fetch(url, {})
    missing = [t for t in titles if escape(t) not in body]
    if missing:
        die(f"上限服务缺少 {len(missing)} 项任务，例如：{missing[0][:40]}")
    log(f"ceiling {url.rsplit('/', 1)[-1] or '/'}: 200, all {len(titles)} expected tasks present, {len(body.encode()) // 1024} KiB")


# ---------------------------------------------------------------- load


def run_wrk(url: str, seconds: int, connections: int, threads: int, headers: dict, quiet: bool = False) -> float:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        die(f"wrk 失败：{out.stderr or out.stdout}")
    text = out.stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad:
        die(f"负载期间有 {bad.group(1)} 个非 2xx/3xx 响应：\n{text}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        die(f"无法读取 wrk 的结果：\n{text}")
    if quiet:
        return float(rps.group(1))
    errors = re.search(r"Socket errors: (.*)", text)
    if errors:
        log(f"  wrk socket errors: {errors.group(1)}")
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", text)
    if latency:
        log(f"  latency avg {latency.group(1)}, stdev {latency.group(2)}, max {latency.group(3)}")
    return float(rps.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description="Duban 台账页与上限对照的吞吐量基准")
    parser.add_argument("--quick", action="store_true", help="一轮 3 秒（默认三轮，每轮 10 秒）")
    parser.add_argument("--duration", type=int, help="每轮秒数")
    parser.add_argument("--connections", type=int, default=16, help="并发连接数（默认 16）")
    parser.add_argument("--threads", type=int, default=2, help="wrk 线程数（默认 2）")
    parser.add_argument("--rounds", type=int, help="轮数，两台服务器交替测量、取中位数（默认 3，--quick 为 1）")
    parser.add_argument("--floor", action="store_true", help="另测 Django 的下限：已登录访问 / 的跳转（无页面）")
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
        titles = prepare(data_dir, profile_requests=5 if args.quick else 20)
        duban = Server("duban", "duban.wsgi:application", ROOT, env, data_dir, GUNICORN)
        ceiling = Server("ceiling", "ceiling_app:application", ROOT / "bench", env, data_dir, GUNICORN)
        servers += [duban, ceiling]
        for s in servers:
            s.wait_ready()
        cookie = {"Cookie": sign_in(duban)}
        rows = check_ledger(duban.url + LEDGER_PATH, cookie, titles)
        check_ceiling(ceiling.url + "/", titles)
        ceiling_url = ceiling.url + "/"
        if rows < len(titles):
            # A paginated ledger: compare its first page with the same rows from the ceiling.
            ceiling_url = f"{ceiling.url}/?limit={rows}"
            check_ceiling(ceiling_url, titles[:rows])
            log(f"the ledger shows {rows} tasks a page: both servers are measured on {rows} rows")

        runs = [("ledger", duban.url + LEDGER_PATH, cookie), ("ceiling", ceiling_url, {})]
        if args.floor:
            # Signed-in "/" is a redirect: sessions, the user and middleware, no page.
            runs.insert(1, ("floor", duban.url + "/", cookie))
        log(
            f"load: wrk {args.threads} threads, {args.connections} connections, {rounds} round(s) of "
            f"{seconds} s per server, servers alternating, each run after a 1 s warm-up"
        )
        samples: dict[str, list[float]] = {name: [] for name, _, _ in runs}
        for i in range(rounds):
            for name, url, headers in runs:
                # The warm-up also lets a server finish the backlog of the previous run.
                time.sleep(0.5)
                run_wrk(url, 1, args.connections, args.threads, headers, quiet=True)
                rps = run_wrk(url, seconds, args.connections, args.threads, headers, quiet=i > 0)
                samples[name].append(rps)
                log(f"  round {i + 1} {name}: {rps:.1f} req/s")
        results = {name: statistics.median(values) for name, values in samples.items()}
        if args.floor:
            log(f"floor (signed-in redirect /, no page): {results['floor']:.1f} req/s")
        # The session must still be good after the load (no silent redirects to sign-in).
        if len(present(fetch(duban.url + LEDGER_PATH, cookie), titles)) != rows:
            die("负载后台账页内容不完整（会话失效？）")
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            log(f"kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    ratio = results["ledger"] / results["ceiling"] if results["ceiling"] else 0.0
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    log(f"ratio {ratio:.3f} {verdict} the target of {TARGET_RATIO}")
    print(f"ledger_rps: {results['ledger']:.1f} req/s")
    print(f"ceiling_rps: {results['ceiling']:.1f} req/s")
    print(f"ledger_ceiling_ratio: {ratio:.3f} ratio", flush=True)


if __name__ == "__main__":
    main()
