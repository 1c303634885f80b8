"""The crawler: every role, every page a link reaches from the home page.

On the demo (the seed plan, its first round, the scheduled jobs run once) with a day's
work on top (milestones, a report with coordination items, a return and an acceptance,
a notice and its reply, an extension, an instruction, a completion), the test signs in
as each role, follows every same-site link and GET form from the home page (bounded:
a few pages per URL pattern) and fails on

- a server error, or a link that leads to an error;
- a code name in text a person reads (snake_case identifiers, None/True/False,
  ``model:id``, ``---------``) — text in <code>, <pre> and <kbd> shows code on purpose;
- a page (an error page too) outside the site's layout, or titled otherwise than
  "页面 - 督办系统";
- a date alone in a table cell or line that is not a non-wrapping <time>.

Every finding is listed with its page, so one run shows them all.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import import_module
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone
from lxml import html

from duban.accounts.models import Role, User

NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))
PER_PATTERN = 3  # distinct URLs visited per URL pattern (and query shape) per role
MAX_PAGES = 400  # per role

# What a person must never read: code names and Django's placeholders.
CODE_NAMES = [
    (re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])"), "代码名（snake_case）"),
    (re.compile(r"(?<![\w.])(?:None|True|False)(?![\w.])"), "None/True/False"),
    (re.compile(r"(?<![\w./-])[a-z][a-z_]*:\d+(?![\w.])"), "对象代码（类型:编号）"),
    (re.compile(r"-{5,}"), "占位符“---------”"),
]
READ_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
CODE_ELEMENTS = {"code", "pre", "kbd", "samp", "script", "style", "template"}
DATE_ALONE = re.compile(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?$")
# Pages that fill the screen on purpose, without the site's header: the meeting-room
# screen of the dashboard, and the API documentation (Swagger UI).
STANDALONE = ("//body[contains(@class,'dash-screen')]", "//div[@id='swagger-ui']")
# Links that end the session or act: never followed (they are POST forms anyway, but
# a GET to a sign-out address would end the crawl).
SKIP_PATHS = ("/accounts/logout/",)


@dataclass
class Finding:
    role: str
    url: str
    problem: str

    def __str__(self) -> str:
        return f"[{self.role}] {self.url}：{self.problem}"


@dataclass
class Crawl:
    role: str
    client: object
    findings: list[Finding] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    per_pattern: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pages: int = 0

    def add(self, url: str, problem: str) -> None:
        self.findings.append(Finding(self.role, url, problem))


def _pattern(url: str) -> str | None:
    """The URL pattern a link resolves to, with the names of its query parameters:
    pages of one pattern are visited a few times, not once per object."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    keys = sorted({k.split("=")[0] for k in parts.query.split("&") if k})
    return f"{match.route}?{'&'.join(keys)}"


def _same_site(base: str, href: str) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    url = urldefrag(urljoin(base, href))[0]
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _get_forms(tree, base: str) -> list[str]:
    """The URLs GET forms (filters, searches) lead to with the values they hold."""
    out = []
    for form in tree.xpath("//form"):
        if (form.get("method") or "get").lower() != "get":
            continue
        pairs = []
        for el in form.xpath(".//input[@name]|.//select[@name]"):
            if el.tag == "select":
                chosen = el.xpath(".//option[@selected]") or el.xpath(".//option")[:1]
                pairs.append((el.get("name"), chosen[0].get("value", chosen[0].text_content()) if chosen else ""))
            elif (el.get("type") or "text") in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    pairs.append((el.get("name"), el.get("value", "on")))
            elif (el.get("type") or "text") not in ("submit", "button", "file"):
                pairs.append((el.get("name"), el.get("value", "")))
        action = _same_site(base, form.get("action") or base)
        if action:
            out.append(action.split("?")[0] + "?" + urlencode(pairs))
    return out


def _readable_texts(tree):
    """(text, element, in the flow) a person reads: text nodes outside code elements
    (in the page's flow, where a line can wrap), and the attributes browsers show
    (tooltips, placeholders, labels, button captions)."""
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if any(a.tag in CODE_ELEMENTS for a in el.iterancestors()) or el.tag in CODE_ELEMENTS:
            continue
        if el.text and el.text.strip():
            yield el.text.strip(), el, True
        for name in READ_ATTRIBUTES:
            if el.get(name):
                yield el.get(name), el, False
        if el.tag == "input" and el.get("type") in ("submit", "button") and el.get("value"):
            yield el.get("value"), el, False
        parent = el.getparent()
        if el.tail and el.tail.strip() and parent is not None and parent.tag not in CODE_ELEMENTS \
                and not any(a.tag in CODE_ELEMENTS for a in parent.iterancestors()):
            yield el.tail.strip(), parent, True


def check_page(crawl: Crawl, url: str, response) -> list[str]:
    """The findings on one HTML page; returns the links and GET forms to follow."""
    tree = html.fromstring(response.content.decode(response.charset or "utf-8"))
    title = (tree.findtext(".//title") or "").strip()
    if not re.fullmatch(r".+ - 督办系统", title):
        crawl.add(url, f"标题应为“页面 - 督办系统”，实为“{title}”")
    standalone = any(tree.xpath(x) for x in STANDALONE)
    if not standalone and (not tree.xpath("//header[contains(@class,'top')]") or not tree.xpath("//main[@id='main']")):
        crawl.add(url, f"页面（{response.status_code}）不在系统的页面框架内（无页头导航或正文区）")
    for text, el, in_flow in _readable_texts(tree):
        for pattern, what in CODE_NAMES:
            m = pattern.search(text)
            if m:
                crawl.add(url, f"{what}“{m.group(0)}”出现在 <{el.tag}>：{text[:80]}")
        if in_flow and DATE_ALONE.match(text) and el.tag != "time" and "nowrap" not in (el.get("class") or ""):
            crawl.add(url, f"日期“{text}”未用不换行的 <time> 显示（<{el.tag}>）")
    for option in tree.xpath("//select//option"):
        if option.text_content().strip() in ("", "---------"):
            crawl.add(url, f"下拉框“{option.getparent().get('name')}”有空白或“---------”选项")
    links = [_same_site(url, a.get("href")) for a in tree.xpath("//a[@href]")]
    return [u for u in links if u] + _get_forms(tree, url)


def crawl_as(role: str, client) -> Crawl:
    crawl = Crawl(role, client)
    queue = ["/"]
    while queue and crawl.pages < MAX_PAGES:
        url = queue.pop(0)
        if url in crawl.seen or url.startswith(SKIP_PATHS) or url.startswith("/static/"):
            continue
        crawl.seen.add(url)
        pattern = _pattern(url)
        if pattern is None:
            crawl.add(url, "链接指向不存在的地址")
            continue
        if crawl.per_pattern[pattern] >= PER_PATTERN:
            continue
        crawl.per_pattern[pattern] += 1
        crawl.pages += 1
        response = client.get(url, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        if response.status_code >= 400:
            crawl.add(url, f"打开后得到 {response.status_code}（链接应只给能打开的人）")
        content_type = response.get("Content-Type", "")
        if "text/html" not in content_type:
            continue
        if response.headers.get("HX-Request") or b"<html" not in response.content[:500].lower():
            continue  # an htmx fragment, checked inside its page
        queue.extend(check_page(crawl, final, response))
    return crawl


# --- the world: the demo with a day's work on it ------------------------------------------------

def _day_of_work():
    """Events of most kinds on the tasks of the first demo unit, through the actions."""
    from duban.rounds import actions as rounds
    from duban.rounds.models import Report
    from duban.supervision import actions as sv
    from duban.supervision.models import Notice
    from duban.workplans import actions as wp

    office = User.objects.get(username="office")
    liaison = User.objects.get(username="unit01")
    unit = liaison.unit
    lead_reports = Report.objects.filter(unit=unit, role=Report.Role.LEAD).select_related("task").order_by("task__order")
    task = lead_reports.first().task
    leader = User.objects.filter(role=Role.LEADER, leader__in=task.leaders.all()).first()

    m = wp.add_milestone(task, actor=liaison, title="完成项目前期手续", due=dt.date(2026, 10, 31), owner="张三")
    m = wp.complete_milestone(m, actor=liaison, version=m.version, done_on=dt.date(2026, 10, 30), evidence="已取得批复")
    wp.add_milestone(task, actor=liaison, title="开工建设", due=dt.date(2026, 12, 20))

    draft = Report.objects.filter(unit=unit, status=Report.Status.DRAFT).first()
    if draft is not None:
        to_leader = f"leader:{leader.leader_id}" if leader else ""
        data = {"progress_status": "in_progress", "percent": 80, "progress": "已完成主体工程。",
                "problems": "资金缺口", "next_steps": "争取专项资金",
                "coordination": [{"to": to_leader, "text": "请协调专项资金"}] if to_leader else []}
        draft = rounds.save_report_draft(draft, actor=liaison, data=data, version=draft.version)
        rounds.submit_report(draft, actor=liaison)
    submitted = list(Report.objects.filter(status=Report.Status.SUBMITTED).order_by("pk")[:2])
    rounds.return_report(submitted[0], actor=office, reason="请补充量化数据")
    rounds.accept_report(submitted[1], actor=office)

    notice = sv.issue_notice(task, actor=office, level=Notice.Level.REMINDER, units=[unit], facts="进度滞后",
                             requirement="请说明原因", reply_by=dt.date(2026, 12, 5))
    sv.reply_notice(notice, actor=liaison, text="已加快推进")
    if task.deadline and task.deadline >= NOW.date():
        req = sv.request_extension(task, actor=liaison, new_deadline=task.deadline + dt.timedelta(days=60),
                                   reason="受天气影响")
        sv.decide_extension(req, actor=office, approve=True, note="同意")
    if leader is not None:
        instruction = sv.write_instruction(task, actor=leader, text="抓紧推进，确保年底前完成。")
        sv.acknowledge_instruction(instruction, actor=liaison)
    other = lead_reports.exclude(task=task).first()
    if other is not None:
        claim = sv.claim_completion(other.task, actor=liaison, evidence="已全部完成")
        sv.verify_completion(claim, actor=office)


@pytest.fixture
def demo_world(db, settings):
    from duban.jobs.runner import run_job
    from duban.web.demo import create_demo_accounts, load_demo_round, load_seed_plan

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOW, tick=False):
        load_seed_plan()
        create_demo_accounts()
        load_demo_round()
        for name in ("remind", "dashboard_snapshots"):
            run_job(name, trigger="demo")
        _day_of_work()
        yield


ROLES = {
    "督查室": "office",
    "区领导": "leader01",
    "单位联络员": "unit01",
    "单位负责人": "unit01h",
    "系统管理员": "sysadmin",
    "安全管理员": "secadmin",
    "审计员": "auditor",
}


def test_every_role_reads_only_chinese_on_every_page_it_reaches(demo_world, client):
    findings: list[Finding] = []
    pages = {}
    with time_machine.travel(NOW, tick=False):
        for label, username in ROLES.items():
            client.logout()
            client.force_login(User.objects.get(username=username))
            crawl = crawl_as(label, client)
            findings += crawl.findings
            pages[label] = crawl.pages
    assert all(n >= 5 for n in pages.values()), pages
    unique = list(dict.fromkeys(str(f) for f in findings))
    assert not unique, f"{len(unique)} 处问题（每角色访问页数 {pages}）：\n" + "\n".join(unique)


@pytest.mark.skipif(not hasattr(import_module(settings.ROOT_URLCONF), "handler404"),
                    reason="the site's own error pages (issue 13, 403/404/500) are not in yet")
@pytest.mark.parametrize("role", ["office", "leader", "liaison_a", "head_a", "sysadmin", "secadmin", "auditor"])
def test_an_address_that_does_not_exist_answers_inside_the_layout(role, request, db, client):
    person = request.getfixturevalue(role)
    User.objects.filter(pk=person.pk).update(full_name="测试人员")  # the fixtures' names are code-like
    client.force_login(person)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    crawl = Crawl(role, client)
    check_page(crawl, "/no-such-page/", response)
    assert not crawl.findings, "\n".join(map(str, crawl.findings))
