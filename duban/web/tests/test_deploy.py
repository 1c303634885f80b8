"""The production setup of deploy/, tested as it runs: PostgreSQL, two application
servers (gunicorn, several workers each) behind nginx over HTTPS, Redis as the shared
cache when it is reachable, the scheduled jobs; plus the environment file, the deploy
check and the cache settings.

The stack is started from the repository's own deploy files by bench/_stack.py (also
used by bench/load.py). Skipped, with the reason, only when nginx or PostgreSQL is
missing; scripts/install.sh --test installs nginx.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
import _stack  # noqa: E402
from _client import Browser, SignInError  # noqa: E402

pytestmark = pytest.mark.deploy
PASSWORD = "Deploy-test-2026"
SEED = ROOT / "examples" / "daxing-2026-plan.txt"
READERS = re.compile(r"\benv(?:str|bool|int|list|secret)\(\s*\"([A-Z0-9_]+)\"")


# ------------------------------------------------------------------ settings and checks


def _names_read_by_the_code() -> set[str]:
    names = set()
    for path in (ROOT / "duban").rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for name in READERS.findall(text):
            names.add(name)
            if re.search(rf"envsecret\(\s*\"{name}\"", text):
                names.add(f"{name}_FILE")
    return names


def test_the_environment_file_documents_every_setting_the_code_reads():
    names = _names_read_by_the_code()
    assert {"DATABASE_URL", "DUBAN_SECRET_KEY_FILE", "DUBAN_CACHE_URL", "DUBAN_HTTPS"} <= names  # the scan works
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / "deploy" / "duban.env").read_text(), re.M))
    assert sorted(names - documented) == []
    # and the file parses as the units' EnvironmentFile= reads it
    assert _stack.read_env_file()["DUBAN_DEBUG"] == "false"


def _deploy_check(tmp_path, **overrides) -> subprocess.CompletedProcess:
    stack = _stack.Stack(tmp_path, db_name="unused", redis=False)
    (tmp_path / "secret_key").write_text("k" * 10 + "Zq8vW3nKp1XyR7tLm2Bc9Hd4Fg6Js0Ae5Uo8Ii3Ww7Ee1Rr9")
    env = {**stack.env, **overrides}
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([str(_stack.VENV_BIN / "duban"), "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_deploy_check_is_clean_with_the_environment_file(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_warns_of_a_generated_key_and_of_demo_mode(tmp_path):
    result = _deploy_check(tmp_path, DUBAN_SECRET_KEY_FILE=None, DUBAN_DEMO="true")
    assert result.returncode != 0
    assert "duban.W001" in result.stderr + result.stdout
    assert "duban.W002" in result.stderr + result.stdout


def _settings(tmp_path, code: str, **env) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"}
    environ.update({"DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_the_cache_is_per_process_unless_a_redis_url_is_given(tmp_path):
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    assert _settings(tmp_path, code).stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"
    shared = _settings(tmp_path, code, DUBAN_CACHE_URL="redis://127.0.0.1:6379/3")
    assert shared.stdout.strip() == "duban.lib.cache.RedisCache", shared.stderr
    wrong = _settings(tmp_path, code, DUBAN_CACHE_URL="memcached://127.0.0.1:11211")
    assert wrong.returncode != 0 and "DUBAN_CACHE_URL" in wrong.stderr


def test_an_unreachable_redis_is_a_miss_not_an_error():
    from duban.lib.cache import RedisCache

    dead = RedisCache("redis://127.0.0.1:9/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}})
    dead.set("k", "v")
    assert dead.get("k", "missing") == "missing"
    assert dead.get_many(["k"]) == {}
    assert dead.add("k", "v") is False


@pytest.mark.skipif(not _stack.redis_reachable(), reason="Redis 未在 127.0.0.1:6379 运行")
def test_a_reachable_redis_keeps_what_is_put():
    import secrets

    from duban.lib.cache import RedisCache

    cache = RedisCache(_stack.REDIS_URL, {"KEY_PREFIX": f"duban-test-{secrets.token_hex(4)}"})
    cache.set("page", "<p>台账</p>", 30)
    assert cache.get("page") == "<p>台账</p>"
    cache.delete("page")
    assert cache.get("page") is None


# ------------------------------------------------------------------ the running stack

PREPARE = f"""
import datetime as dt
from duban.accounts.models import Role, User
from duban.plans.models import Plan
from duban.rounds.models import Cadence
u = User(username="office1", role=Role.OFFICE, full_name="督查室张三")
u.set_password({PASSWORD!r})
u.save()
Cadence.objects.create(plan=Plan.objects.get(), frequency="monthly", open_days_before_end=31, due_day_offset=5,
                       starts_on=dt.date(2020, 1, 1))
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    reason = _stack.missing()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("prod")
    import os

    st = _stack.Stack(work, db_name=f"duban_prod_test_{os.getpid()}")
    try:
        st.setup()
        st.duban("import", str(SEED))
        st.duban("shell", "-c", PREPARE)
        st.serve()
        yield st
    finally:
        st.stop()


def _sql(stack, query: str, *params):
    import psycopg

    with psycopg.connect(stack.env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        return conn.execute(query, params).fetchall()


def _office(stack, url=None, **kw) -> Browser:
    b = Browser(url or stack.https_url, verify=str(stack.cert), **kw)
    try:
        b.sign_in("office1", PASSWORD)
    except SignInError as exc:
        logs = "\n".join(stack.tail(s.log_path.name) for s in stack.servers)
        raise AssertionError(f"{exc}\n{logs}") from None
    return b


def test_nginx_serves_the_collected_static_files_with_long_cache_headers(stack):
    b = Browser(stack.https_url, verify=str(stack.cert))
    resp = b.get("/static/duban/duban.css", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "gzip"  # the .gz collectstatic wrote (gzip_static)
    assert resp.content == (stack.static / "duban" / "duban.css").read_bytes()  # requests unzipped it
    age = int(re.search(r"max-age=(\d+)", resp.headers["Cache-Control"]).group(1))
    assert age >= 30 * 24 * 3600
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    echarts = b.get("/static/vendor/echarts/echarts.min.js")
    assert echarts.status_code == 200 and len(echarts.content) > 100_000
    # not from Django: nothing in the application servers' access logs
    logs = "".join(stack.tail(s.log_path.name, 10**7) for s in stack.servers)
    assert "/static/duban/duban.css" not in logs


def test_plain_http_is_sent_to_https(stack):
    import requests

    resp = requests.get(stack.http_url + "/plans/ledger/", allow_redirects=False, proxies={"http": None})
    assert resp.status_code == 301
    assert resp.headers["Location"].startswith("https://")


def test_sign_in_through_nginx_with_secure_cookies_and_security_headers(stack):
    b = Browser(stack.https_url, verify=str(stack.cert))
    resp = b.sign_in("office1", PASSWORD)
    cookie = resp.headers["Set-Cookie"]
    assert "sessionid=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    page = b.get("/plans/ledger/")
    assert page.status_code == 200
    assert "督查室张三" in page.text
    h = page.headers
    assert "script-src 'self'" in h["Content-Security-Policy"]
    assert h["Strict-Transport-Security"].startswith("max-age=31536000")
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert "nginx/" not in h.get("Server", "")  # server_tokens off
    # a wrong password is refused through the proxy as well
    other = Browser(stack.https_url, verify=str(stack.cert))
    with pytest.raises(Exception, match="登录失败"):
        other.sign_in("office1", "wrong-password-1")


def test_a_session_made_on_one_server_works_on_the_other(stack):
    one, two = stack.servers[0], stack.servers[1]
    b1 = _office(stack, one.url, behind_proxy=True)
    b2 = Browser(two.url, behind_proxy=True)
    assert b2.get("/plans/ledger/").status_code == 302  # no session yet: to sign-in
    b2.session.cookies.update(b1.session.cookies)
    page = b2.get("/plans/ledger/")
    assert page.status_code == 200 and "督查室张三" in page.text
    # and signing out on server 2 ends it on server 1 too
    assert b2.post("/accounts/logout/", {}).status_code == 302
    assert b1.get("/plans/ledger/").status_code == 302


def _milestone_cell(html: str, task_id: int) -> str:
    row = re.search(rf'href="/plans/tasks/{task_id}/".*?</tr>', html, re.S)
    assert row, f"任务 {task_id} 不在台账中"
    return re.search(r'data-label="工作节点">(.*?)</td>', row.group(0), re.S).group(1)


def _milestones(html: str, task_id: int) -> int:
    cell = _milestone_cell(html, task_id)
    m = re.search(r"(\d+)/(\d+) 已完成", cell)
    return int(m.group(2)) if m else 0


def test_a_ledger_change_made_on_one_server_is_seen_at_once_on_the_other(stack):
    one, two = stack.servers[0], stack.servers[1]
    b1 = _office(stack, one.url, behind_proxy=True)
    b2 = _office(stack, two.url, behind_proxy=True)
    first = b2.get("/plans/ledger/").text
    task_id = int(re.search(r'href="/plans/tasks/(\d+)/"', first).group(1))
    before = _milestones(first, task_id)
    for _ in range(6):  # every worker of server 2 has the page cached (or Redis has)
        assert _milestones(b2.get("/plans/ledger/").text, task_id) == before
    form = b1.get(f"/plans/tasks/{task_id}/").text
    unit = re.search(r'name="add-unit"[^>]*>.*?<option value="(\d+)"', form, re.S).group(1)
    title = f"部署测试节点{time.time_ns()}"
    resp = b1.post(f"/workplans/tasks/{task_id}/milestones/add/",
                   {"add-title": title, "add-due": "2026-12-20", "add-unit": unit, "add-owner": "张三"})
    assert resp.status_code == 302, resp.text[:2000]
    for _ in range(6):
        assert _milestones(b2.get("/plans/ledger/").text, task_id) == before + 1
    assert title in b2.get(f"/plans/tasks/{task_id}/").text
    # through nginx, whichever server answers
    b = _office(stack)
    for _ in range(4):
        assert _milestones(b.get("/plans/ledger/").text, task_id) == before + 1


def _months_due(today: dt.date) -> set[dt.date]:
    """The cadence made in PREPARE (monthly, opening 31 days before the month ends,
    started 2020) owes this month's and last month's rounds."""
    this = today.replace(day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    return {this, last}


def test_two_workers_and_job_runs_racing_open_each_due_round_once(stack):
    """duban-worker@1 and @2 (each a cluster with the scheduler) and two hand runs of
    `duban run_job open_rounds` at once: each round is opened once, the workers' own
    scheduled run is recorded, and both workers are still running."""
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    cadence = _sql(stack, "SELECT id FROM rounds_cadence")[0][0]
    workers = [stack.start_worker("1"), stack.start_worker("2")]
    racers = [stack.start_job("open_rounds") for _ in range(2)]  # duban-job@open_rounds.service, twice
    try:
        outs = [r.communicate(timeout=120) for r in racers]
        assert [r.returncode for r in racers] == [0, 0], outs
        # the scheduler inside a worker queues the job within about half a minute (allow
        # for a machine busy with other work)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if _sql(stack, "SELECT count(*) FROM jobs_jobrun WHERE job = 'open_rounds' AND trigger = 'schedule' "
                           "AND ok")[0][0]:
                break
            time.sleep(1)
        scheduled = _sql(stack, "SELECT worker, summary FROM jobs_jobrun WHERE job = 'open_rounds' "
                                "AND trigger = 'schedule'")
        assert len(scheduled) == 1, (scheduled, _sql(stack, "SELECT name, next_run FROM django_q_schedule"),
                                     _sql(stack, "SELECT count(*) FROM django_q_ormq"),
                                     stack.tail("worker-1.log"), stack.tail("worker-2.log"))
        assert [w.poll() for w in workers] == [None, None], stack.tail("worker-1.log") + stack.tail("worker-2.log")
    finally:
        for w in workers:
            stack.stop_group(w)
    rows = _sql(stack, "SELECT period_start FROM rounds_round WHERE cadence_id = %s", cadence)
    assert sorted(r[0] for r in rows) == sorted(_months_due(today))
    # each round has its report slots once
    dup = _sql(stack, "SELECT round_id, task_id, unit_id FROM rounds_report GROUP BY 1, 2, 3 HAVING count(*) > 1")
    assert dup == []
    for name in ("worker-1.log", "worker-2.log"):
        assert "Traceback" not in stack.tail(name, 10**6), stack.tail(name)
    runs = _sql(stack, "SELECT trigger, ok FROM jobs_jobrun WHERE job = 'open_rounds' ORDER BY id")
    assert sorted(runs) == [("command", True), ("command", True), ("schedule", True)]
    # run again: nothing more to open
    again = stack.job("open_rounds")
    assert "发起调度 0 期" in again.stdout
    assert len(_sql(stack, "SELECT id FROM rounds_round WHERE cadence_id = %s", cadence)) == 2


def test_jobs_started_together_open_each_round_once(stack):
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    stack.duban("shell", "-c", (
        "import datetime as dt; from duban.plans.models import Plan; from duban.rounds.models import Cadence; "
        "Cadence.objects.create(plan=Plan.objects.get(), frequency='quarterly', open_days_before_end=92, "
        "due_day_offset=5, starts_on=dt.date(2020, 1, 1))"))
    cadence = _sql(stack, "SELECT max(id) FROM rounds_cadence")[0][0]
    racers = [stack.start_job("open_rounds") for _ in range(3)]
    outs = [r.communicate(timeout=120) for r in racers]
    assert [r.returncode for r in racers] == [0, 0, 0], outs
    opened = sum(int(re.search(r"发起调度 (\d+) 期", out).group(1)) for out, _ in outs)
    this = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    last = last.replace(month=(last.month - 1) // 3 * 3 + 1)
    rows = _sql(stack, "SELECT period_start FROM rounds_round WHERE cadence_id = %s", cadence)
    assert sorted(r[0] for r in rows) == sorted({this, last})
    assert opened == 2, outs  # each round counted by the one run that opened it
