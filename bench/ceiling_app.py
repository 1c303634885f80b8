"""The ceiling for the ledger benchmark: the same 101 rows as Duban's ledger page
from one SQL query, turned into HTML by string joining. No framework, no template
engine, no middleware, no sessions; one SQLite connection per worker thread.

`?limit=N` serves only the first N rows, to match a ledger page of N tasks;
`&unit=ID` only the tasks that unit carries (lead or co) or a collective assignee
(各部门) does, as a unit liaison's ledger shows.

Served by gunicorn with the same settings as Duban (bench/ledger.py starts it):
    DUBAN_BENCH_DB=/path/duban.sqlite3 gunicorn --chdir bench ceiling_app:application
"""
from __future__ import annotations

import os
import sqlite3
import threading
from html import escape
from urllib.parse import parse_qs

DB_PATH = os.environ["DUBAN_BENCH_DB"]

# Leaders and units are aggregated per task in SQL, in written order, so the page
# is one query and one pass over its rows.
QUERY = """
WITH leaders AS (
    SELECT task_id, group_concat(name, '、') AS names FROM (
        SELECT tl.task_id, l.name FROM plans_taskleader tl JOIN org_leader l ON l.id = tl.leader_id
        ORDER BY tl.task_id, tl."order"
    ) GROUP BY task_id
), units AS (
    SELECT task_id,
           group_concat(CASE WHEN role = 'lead' THEN name END, ' ') AS lead,
           group_concat(CASE WHEN role = 'co' THEN name END, '、') AS co
    FROM (
        SELECT tu.task_id, tu.role, u.name FROM plans_taskunit tu JOIN org_unit u ON u.id = tu.unit_id
        ORDER BY tu.task_id, tu."order"
    ) GROUP BY task_id
)
SELECT t.number, t.title, coalesce(leaders.names, ''), coalesce(units.lead, ''), coalesce(units.co, ''),
       coalesce(t.deadline, t.deadline_text, '')
FROM plans_task t
LEFT JOIN leaders ON leaders.task_id = t.id
LEFT JOIN units ON units.task_id = t.id
WHERE t.withdrawn = 0 AND (? IS NULL OR t.id IN (
    SELECT tu.task_id FROM plans_taskunit tu JOIN org_unit u ON u.id = tu.unit_id
    WHERE tu.unit_id = ? OR u.is_collective = 1))
ORDER BY t.plan_id, t."order"
LIMIT ?
"""

HEAD = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>任务台账 · 督办系统</title></head>'
    "<body><main><h1>任务台账</h1><table><thead><tr><th>序号</th><th>工作任务</th><th>牵头领导</th>"
    "<th>责任单位</th><th>完成时限</th></tr></thead><tbody>"
)
TAIL = "</tbody></table></main></body></html>"

_local = threading.local()


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(f"file:{DB_PATH}?mode=ro", uri=True, check_same_thread=False)
        _local.conn = conn
    return conn


def render(limit: int = -1, unit: int | None = None) -> bytes:
    parts = [HEAD]
    for number, title, leaders, lead, co, deadline in _connection().execute(QUERY, (unit, unit, limit)):
        parts.append(
            f"<tr><td>{escape(number)}</td><td>{escape(title)}</td><td>{escape(leaders)}</td>"
            f'<td><span class="badge lead">{escape(lead)}</span> {escape(co)}</td><td>{escape(str(deadline))}</td></tr>'
        )
    parts.append(TAIL)
    return "".join(parts).encode()


def application(environ, start_response):
    # ?limit=N serves the first N rows (the size of one page of a paginated ledger).
    query = parse_qs(environ.get("QUERY_STRING", ""))
    limit = query.get("limit", ["-1"])[0]
    unit = query.get("unit", [""])[0]
    body = render(int(limit) if limit.isdigit() else -1, int(unit) if unit.isdigit() else None)
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
