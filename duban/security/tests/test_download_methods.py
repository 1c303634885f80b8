"""Downloads answer GET and HEAD only. A download changes nothing, but it is audited (下载
… / 导出 …): a POST (a form on another site, a stray script) must not make the file nor
record an event. The downloads are found, not listed: every URL of the project (the
access rules of duban/web/tests/test_isolation.py) is opened by a role that may open
it, and each answer sent as an attachment is a download."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from duban.audit.models import Event
from duban.web.tests.test_isolation import ROLES, RULES

from .walk import URL_NAMES, allowed, build_everything

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# Known downloads, so that the walk below cannot pass by finding none.
KNOWN = {"rounds:attachment", "rounds:sheet", "plans:source", "supervision:notice_docx", "supervision:notice_pdf",
         "exports:ledger_xlsx", "exports:round_briefing", "exports:leader_pack", "accounts:audit_export"}


def _is_download(response) -> bool:
    return response.status_code == 200 and response.get("Content-Disposition", "").startswith("attachment")


def test_every_download_refuses_post_and_records_nothing(world):
    build_everything(world)
    found, problems = set(), []
    for name in URL_NAMES:
        if name.startswith("api:"):
            continue  # the REST API states its methods per view (test_isolation, duban/api/tests)
        rule = RULES[name]
        url = reverse(name, kwargs=rule.kwargs(world))
        for role in ROLES[1:]:
            if not allowed(rule.get, role):
                continue
            client = Client()
            client.force_login(world.user(role))
            response = client.get(url)
            if not _is_download(response):
                continue
            found.add(name)
            head = client.head(url)
            if head.status_code != 200:
                problems.append(f"{role} HEAD {url}：{head.status_code}")
            events = Event.objects.count()
            post = client.post(url)
            if post.status_code != 405 or sorted(post.get("Allow", "").split(", ")) != ["GET", "HEAD"]:
                problems.append(f"{role} POST {url}：{post.status_code}（应为 405，只允许 GET、HEAD）")
            if Event.objects.count() != events:
                problems.append(f"{role} POST {url}：被拒绝的请求记录了审计事件")
            break
    assert KNOWN <= found, f"这些下载地址没有以附件形式打开：{sorted(KNOWN - found)}"
    assert not problems, "\n".join(problems)
