"""Object-id guessing across units (越权访问): unit B's liaison tries every URL that
carries an object id, with every id of every table (from just below its smallest to
just past its largest: a sequential scan), by GET and POST (and PATCH and DELETE on the
REST API), and

- never receives anything of unit A's: unit A's objects carry a secret phrase in
  their text (task titles, milestones, reports, notices, requests, instructions,
  evidence names and contents, coordination items, notifications, robots, tokens), and
  no answer — page, JSON, download (.docx, .pdf, .xlsx, evidence file), or header —
  contains it;
- is answered 404 on unit A's own objects (405 for a GET on a POST-only address), the
  same answer as for an id that does not exist;
- changes nothing of unit A's.

duban/web/tests/test_isolation.py checks each URL once per role with one object; this
walk adds every id, every method and the downloads' contents. The control: unit A's
liaison finds the secret on the same addresses, so the scan does look where it is.
"""
from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from duban.web.tests.test_isolation import RULES, snapshot

from .walk import URL_NAMES, body_text, build_everything

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SECRET = "甲局内部XK7"


def _object_kwarg(kwargs: dict) -> tuple[str | None, dict]:
    """The URL's object id (`pk` or `<noun>_id`) and the rest of its arguments (a
    document kind, a version number within it, a decision), which stay as the rule has
    them."""
    ids = [k for k in kwargs if k == "pk" or k.endswith("_id")]
    assert len(ids) <= 1, f"more than one object id: {sorted(ids)}"
    if not ids:
        return None, kwargs
    return ids[0], {k: v for k, v in kwargs.items() if k != ids[0]}


def _id_urls(world) -> list[tuple[str, str, dict]]:
    """(name, id kwarg, other kwargs) of every URL with an object id in it."""
    out = []
    for name in URL_NAMES:
        try:
            kwarg, others = _object_kwarg(RULES[name].kwargs(world))
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None
        if kwarg:
            out.append((name, kwarg, others))
    return out


def plant_secrets(world) -> None:
    """Unit A's things (tasks 1 and 2: A leads 1 and co-works on 2; unit B carries only
    task 3) get the secret phrase in their text."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from duban.api.models import ApiToken
    from duban.notifications.models import Notification, UnitRobot
    from duban.plans.models import Target, Task
    from duban.rounds.models import Attachment, CoordinationItem, Report
    from duban.supervision.models import CompletionRequest, ExtensionRequest, Instruction, Notice
    from duban.workplans.models import Milestone

    build_everything(world)
    a_tasks = Task.objects.filter(plan=world.plan, number__in=["1", "2"])
    secret = lambda field: {field: Concat(Value(SECRET), field)}  # noqa: E731
    a_tasks.update(**secret("title"))
    Target.objects.filter(task__in=a_tasks).update(**secret("text"))
    Milestone.objects.filter(task__in=a_tasks).update(**secret("title"))
    Report.objects.filter(task__in=a_tasks).update(progress=SECRET)
    Notice.objects.filter(task__in=a_tasks).update(**secret("facts"))
    Instruction.objects.filter(task__in=a_tasks).update(**secret("text"))
    ExtensionRequest.objects.filter(task__in=a_tasks).update(**secret("reason"))
    CompletionRequest.objects.filter(task__in=a_tasks).update(**secret("evidence"))
    CoordinationItem.objects.filter(task__in=a_tasks).update(**secret("text"))
    Notification.objects.filter(recipient=world.liaison_a).update(**secret("title"))
    UnitRobot.objects.filter(unit=world.unit_a).update(url=f"https://qyapi.example/hook?key={SECRET}")
    ApiToken.objects.filter(user=world.liaison_a).update(**secret("name"))
    # Items of the other kinds (duban.items) that unit A carries, and their files.
    from duban.items.models import AssignedItem, InstructionItem, ItemDocument

    a_items = Task.objects.filter(assignments__unit=world.unit_a).exclude(plan=world.plan)
    a_items.update(**secret("title"))
    InstructionItem.objects.filter(task__in=a_items).update(**secret("instruction"))
    AssignedItem.objects.filter(task__in=a_items).update(**secret("doc_number"))
    for doc in ItemDocument.objects.filter(task__in=a_items):
        ItemDocument.objects.filter(pk=doc.pk).update(original_name=f"{SECRET}.txt")
        with doc.file.open("wb") as fh:
            fh.write(SECRET.encode())
    att = world.attachment_a
    Attachment.objects.filter(pk=att.pk).update(original_name=f"{SECRET}.txt")
    with att.file.open("wb") as fh:
        fh.write(SECRET.encode())
    from duban.supervision.models import EvidenceFile

    evidence = world.evidence_a
    EvidenceFile.objects.filter(pk=evidence.pk).update(original_name=f"{SECRET}.txt")
    with evidence.file.open("wb") as fh:
        fh.write(SECRET.encode())


LOGS = {"audit.Event", "accounts.SignInFailure", "accounts.PasswordHistory", "accounts.UserSession",
        "jobs.Message", "jobs.JobRun"}


def ids_to_try() -> list[int]:
    """Every id of each of Duban's tables (logs aside), with the ids just below and just
    past each: everything that exists, and the next rows' ids."""
    out = {1, 2, 3}
    for model in apps.get_models():
        if model.__module__.startswith("duban.") and model._meta.label not in LOGS \
                and model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
            for pk in model._base_manager.values_list("pk", flat=True):
                out.update(range(max(1, pk - 1), pk + 3))
    return sorted(out)


@pytest.fixture
def aligned_ids(db):
    """On PostgreSQL, sequences are not reset between tests, so each table's new rows
    would start at an id of their own and the walk would try the sum of all tables'
    ids (several times SQLite's, where every table starts at 1). Every sequence of
    Duban's tables is moved to one common next value first (only ever forward), so the
    world's rows share their ids across tables as on SQLite."""
    if connection.vendor != "postgresql":
        return
    tables = [(m._meta.db_table, m._meta.pk.column) for m in apps.get_models()
              if m.__module__.startswith("duban.") and m._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")]
    with connection.cursor() as cursor:
        sequences = []
        for table, column in tables:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column])
            name = cursor.fetchone()[0]
            if name:
                cursor.execute(f"SELECT last_value FROM {name}")
                sequences.append((name, cursor.fetchone()[0]))
        start = max((value for _, value in sequences), default=0) + 1
        for name, _ in sequences:
            cursor.execute("SELECT setval(%s, %s, false)", [name, start])


def everything_in(response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers + "\n" + (body_text(response) if response.status_code == 200 else
                             (b"".join(response.streaming_content) if response.streaming else response.content)
                             .decode("utf-8", "replace"))


def _request(client, method, url, name, world):
    rule = RULES[name]
    if method == "GET":
        return client.get(url)
    data = rule.post(world) if rule.post else {}
    if name.startswith("api:"):
        return getattr(client, method.lower())(url, data, content_type="application/json")
    return client.post(url, data)


@pytest.mark.usefixtures("aligned_ids")  # before `world` builds its rows
def test_unit_b_guessing_ids_gets_nothing_of_unit_a(world):
    plant_secrets(world)
    id_urls = _id_urls(world)
    ids = ids_to_try()
    assert len(ids) < 200, ids  # a bound on the walk's length (see aligned_ids)
    before = snapshot()
    leaks, tried = [], 0
    for name, kwarg, others in id_urls:
        client = Client()  # a fresh session per address: refusal messages do not pile up in it
        client.force_login(world.liaison_b)
        methods = ["GET", "POST"] + (["PATCH", "DELETE"] if name.startswith("api:") else [])
        for pk in ids:
            url = reverse(name, kwargs={**others, kwarg: pk})
            for method in methods:
                response = _request(client, method, url, name, world)
                tried += 1
                assert response.status_code < 500, f"{method} {url}：{response.status_code}"
                if SECRET in everything_in(response):
                    leaks.append(f"{method} {url} → {response.status_code}")
    assert tried > 500
    assert not leaks, "乙局联络员通过猜测编号看到了甲局的内容：\n" + "\n".join(leaks)
    touched = [row for row in changed_rows(before, snapshot()) if belongs_to_unit_a(row, world)]
    assert not touched, f"乙局联络员逐个编号提交后，甲局的数据被修改：{touched}"


def changed_rows(before: dict, after: dict) -> list[dict]:
    """Rows added, changed or removed between two snapshots (as they were, and as they are)."""
    out = []
    for label in set(before) | set(after):
        old, new = before.get(label, []), after.get(label, [])
        out += [{"table": label, **r} for r in old if r not in new] + [{"table": label, **r} for r in new if r not in old]
    return out


def belongs_to_unit_a(row: dict, world) -> bool:
    """Unit A's: about its tasks (1 and 2), its reports, its unit or its people.
    (Unit B may change its own things: its report on task 3, its indicators.)"""
    from duban.plans.models import Task
    from duban.rounds.models import Report

    tasks = set(Task.objects.filter(plan=world.plan, number__in=["1", "2"]).values_list("pk", flat=True))
    tasks |= set(Task.objects.filter(assignments__unit=world.unit_a).exclude(plan=world.plan).values_list("pk", flat=True))
    reports = set(Report.objects.filter(task__in=tasks).values_list("pk", flat=True))
    people = {world.liaison_a.pk, world.head_a.pk}
    return (row.get("task_id") in tasks or row.get("report_id") in reports or row.get("unit_id") == world.unit_a.pk
            or (row["table"] == "plans.task" and row["id"] in tasks)
            or (row["table"] == "rounds.report" and row["id"] in reports)
            or any(row.get(k) in people for k in ("user_id", "recipient_id", "requested_by_id", "uploaded_by_id")))


def _hides_from_b(expect: dict | None) -> bool:
    """404 for unit B, not for everyone (an address that is off answers 404 to all)."""
    return bool(expect) and expect["liaison_b"] == 404 and any(v != 404 for v in expect.values())


A_OBJECTS_404 = {name for name in URL_NAMES if _hides_from_b(RULES[name].get) or _hides_from_b(RULES[name].post_expect)}


@pytest.mark.parametrize("name", sorted(A_OBJECTS_404))
def test_unit_a_objects_answer_unit_b_exactly_as_a_missing_id(name, world):
    """404 on unit A's object, GET and POST, the same as for an id nobody has: B cannot
    even learn that the object exists (a GET on a POST-only address may say 405)."""
    build_everything(world)
    rule = RULES[name]
    kwargs = rule.kwargs(world)
    kwarg, others = _object_kwarg(kwargs)
    real = kwargs[kwarg]
    client = Client()
    client.force_login(world.liaison_b)
    answers = {}
    for pk in (real, 987654):
        url = reverse(name, kwargs={**others, kwarg: pk})
        before = snapshot()
        answers[pk] = [client.get(url).status_code] + [
            _request(client, method, url, name, world).status_code
            for method in ["POST"] + (["PATCH", "DELETE"] if name.startswith("api:") else [])]
        assert snapshot() == before, f"{url}：被拒绝的请求修改了数据"
    assert answers[real] == answers[987654], f"甲局对象与不存在的编号得到不同的回答：{answers}"
    assert set(answers[real]) <= {404, 405} and 404 in answers[real], answers


CONTROL = ["plans:task", "items:document", "supervision:notice_docx", "supervision:notice_pdf", "rounds:report", "rounds:attachment",
           "supervision:evidence",
           "api:task-detail", "notifications:unit_robots"]


def test_the_control_unit_a_sees_its_secret_on_those_addresses(world):
    plant_secrets(world)
    client = Client()
    client.force_login(world.liaison_a)
    missing = []
    for name in CONTROL:
        response = client.get(reverse(name, kwargs=RULES[name].kwargs(world)))
        if response.status_code != 200 or SECRET not in everything_in(response):
            missing.append(f"{name} → {response.status_code}")
    assert not missing, f"甲局联络员本应在这些地址看到本单位的内容：{missing}"
    # and unit B's own sheet of the shared round holds only unit B's rows
    client.force_login(world.liaison_b)
    sheet = client.get(reverse("rounds:sheet", kwargs={"round_id": world.round.pk}))
    assert sheet.status_code == 200 and SECRET not in everything_in(sheet)
    assert "推进社区养老服务" in everything_in(sheet)
