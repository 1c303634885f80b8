"""Every URL of the project, with every role: who may see it, who may change through it.

The test walks ``get_resolver().url_patterns`` recursively, so a page added without a
rule in RULES fails the suite. Objects in the URLs belong to unit A (甲局): task 1,
its milestone, unit A's report slot and attachment, a notice to unit A, unit A's
extension and completion requests, a leader's instruction on task 1, liaison_a's
notification. Unit B's liaison must get 404 on all of them.

Expectations per role:
  OK     200, or a redirect that is not to the sign-in page (a page that sends the
         person on, e.g. "my tasks" → ledger for the office)
  LOGIN  a redirect to the sign-in page (anonymous)
  401 / 403 / 404 / 405 exactly that status (401: the REST API without credentials)

GET is tried for every role. POST is tried for the roles a rule marks as forbidden
(post=...): the answer must be a refusal and the database must not change.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
import time_machine
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

OK, LOGIN = "OK", "LOGIN"
ROLES = ("anon", "office", "leader", "liaison_a", "head_a", "liaison_b", "sysadmin", "secadmin", "auditor")
GROUPS = {
    "unit_a": ("liaison_a", "head_a"),
    "units": ("liaison_a", "head_a", "liaison_b"),
    "admins": ("sysadmin", "secadmin", "auditor"),
    "staff": ("office", "leader"),
    "signed_in": ROLES[1:],
}
NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))


def exp(*bases: dict, default=403, **overrides) -> dict[str, Any]:
    """Expected outcome per role: `default` for everyone signed in, LOGIN for anonymous,
    then groups (unit_a, units, admins, staff, signed_in), then single roles; `bases`
    are shapes (dicts of the same keys) applied before `overrides`."""
    given = {}
    for base in bases:
        given.update(base)
    given.update(overrides)
    out = {role: default for role in ROLES}
    out["anon"] = LOGIN
    for key in ("signed_in", "staff", "admins", "units", "unit_a"):
        if key in given:
            for role in GROUPS[key]:
                out[role] = given[key]
    for role in ROLES:
        if role in given:
            out[role] = given[role]
    return out


# Frequent shapes.
DENY = (403, 404)  # a refusal either way (e.g. admins: 403 by role, or 404 when the object is fetched first)
BUSINESS = dict(staff=OK, units=OK, admins=403)  # pages every business role opens (own data only)
TASK_A = dict(staff=OK, unit_a=OK, liaison_b=404, admins=403)  # a page about unit A's task
OFFICE = dict(office=OK)  # office only; 403 for everyone else signed in
EVERYONE = dict(signed_in=OK)


@dataclass
class Rule:
    get: dict[str, Any]
    kwargs: Callable[[Any], dict] = lambda w: {}
    post: Callable[[Any], dict] | None = None  # data for the forbidden roles' POST
    post_expect: dict[str, Any] | None = None  # when POST refusals differ from GET's
    note: str = ""


def _rule(get, kwargs=None, post=None, post_expect=None, note=""):
    return Rule(get=get, kwargs=kwargs or (lambda w: {}), post=post, post_expect=post_expect, note=note)


def post_only(kwargs, data, expect, note=""):
    """A POST-only endpoint: GET is refused to everyone signed in (405, or 403/404 when
    the role or object check comes first; LOGIN for anonymous); `expect` says who is
    refused on POST (OK = allowed, not tried here)."""
    return _rule(exp(default=(403, 404, 405)), kwargs, post=data, post_expect=expect, note=note)


A = lambda **kw: kw  # noqa: E731 - readability of the table below

RULES: dict[str, Rule] = {
    # --- home and accounts ---------------------------------------------------------------
    "web:home": _rule(exp(EVERYONE)),
    "accounts:login": _rule({**exp(EVERYONE), "anon": OK}),
    "accounts:otp_verify": _rule({role: LOGIN for role in ROLES}, note="without a pending sign-in: back to sign-in"),
    "accounts:logout": _rule({role: 405 for role in ROLES}, note="POST only"),
    "accounts:password_change": _rule(exp(EVERYONE)),
    "accounts:setup": _rule({**exp(EVERYONE), "anon": OK}, note="set-up codes: for people not signed in"),
    "accounts:two_factor": _rule(exp(EVERYONE)),
    "accounts:otp_enrol": _rule(exp(EVERYONE)),
    "accounts:sessions": _rule(exp(EVERYONE)),
    "accounts:user_list": _rule(exp(sysadmin=OK)),
    "accounts:user_create": _rule(exp(sysadmin=OK), post=lambda w: {
        "username": "intruder", "full_name": "入侵者", "role": "office"}),
    "accounts:user_edit": _rule(exp(sysadmin=OK), lambda w: {"pk": w.liaison_a.pk},
                                post=lambda w: {"full_name": "改名", "role": "office", "unit": ""}),
    "accounts:user_issue_password": _rule(exp(sysadmin=405), lambda w: {"pk": w.liaison_a.pk}, post=lambda w: {},
                                          post_expect=exp(sysadmin=OK)),
    "accounts:user_set_active": _rule(exp(sysadmin=405), lambda w: {"pk": w.liaison_a.pk},
                                      post=lambda w: {"active": "0"}, post_expect=exp(sysadmin=OK)),
    "accounts:security_policy": _rule(exp(secadmin=OK), post=lambda w: {"password_min_length": "4"}),
    "accounts:lockouts": _rule(exp(secadmin=OK)),
    "accounts:lockout_unlock": _rule(exp(secadmin=405), lambda w: {"pk": w.lockout.pk}, post=lambda w: {},
                                     post_expect=exp(secadmin=OK)),
    "accounts:second_factors": _rule(exp(secadmin=OK)),
    "accounts:second_factor_reset": _rule(exp(secadmin=405), lambda w: {"pk": w.office.pk}, post=lambda w: {},
                                          post_expect=exp(secadmin=OK)),
    "accounts:enrolment_code": post_only(lambda w: {"pk": w.office.pk}, lambda w: {}, exp(secadmin=OK)),
    # --- identity: sign-in paths (off in this world: 404 for everyone) and their admin pages --
    **{f"identity:{name}": _rule({role: 404 for role in ROLES}, note="sign-in path not configured here")
       for name in ("oidc_login", "oidc_callback", "cas_login", "cas_callback",
                    "wecom", "wecom_callback", "dingtalk", "dingtalk_callback")},
    "identity:overview": _rule(exp(sysadmin=OK)),
    "identity:test": post_only(lambda w: {"key": "ldap"}, lambda w: {}, exp(sysadmin=OK)),
    "identity:sync": post_only(lambda w: {}, lambda w: {}, exp(sysadmin=OK)),
    "identity:rule_create": _rule(exp(sysadmin=OK), post=lambda w: {"kind": "ou", "pattern": "ou=越权", "role": "office"}),
    "identity:rule_edit": _rule(exp(sysadmin=404), lambda w: {"pk": 999999}, post=lambda w: {"role": "office"}),
    "identity:rule_delete": post_only(lambda w: {"pk": 999999}, lambda w: {}, exp(sysadmin=404)),
    "accounts:approvals": _rule(exp(secadmin=OK)),
    "accounts:approval_decide": post_only(lambda w: {"pk": w.account_change.pk, "decision": "approve"}, lambda w: {},
                                          exp(secadmin=OK)),
    "jobs:overview": _rule(exp(sysadmin=OK)),
    "jobs:runs": _rule(exp(sysadmin=OK), lambda w: {"name": "remind"}),
    "jobs:message_retry": post_only(lambda w: {"pk": w.failed_message.pk}, lambda w: {}, exp(sysadmin=OK)),
    "accounts:outbound_hosts": _rule(exp(secadmin=OK), post=lambda w: {"host": "evil.example", "allow_private": "on"}),
    "accounts:outbound_host_delete": post_only(lambda w: {"pk": w.outbound_host.pk}, lambda w: {}, exp(secadmin=OK)),
    "accounts:audit_log": _rule(exp(auditor=OK)),
    "accounts:audit_export": _rule(exp(auditor=OK)),
    # --- plans: ledger, tasks, import ----------------------------------------------------------
    "plans:list": _rule(exp(BUSINESS)),
    "plans:detail": _rule(exp(BUSINESS), lambda w: {"plan_id": w.plan.pk}),
    "plans:source": _rule(exp(OFFICE), lambda w: {"plan_id": w.plan.pk}),
    "plans:ledger": _rule(exp(BUSINESS)),
    "plans:mine": _rule(exp(BUSINESS)),
    "plans:task": _rule(exp(TASK_A), lambda w: {"pk": w.task_a.pk}),
    "plans:leader": _rule(exp(staff=OK, units=404, admins=403), lambda w: {"pk": w.leader.leader_id}),
    "plans:restore": post_only(lambda w: {"pk": w.task_a.pk}, lambda w: {}, exp(office=OK)),
    # --- imports (duban.imports): the office only ------------------------------------------------
    "imports:upload": _rule(exp(OFFICE), post=lambda w: {}),
    "imports:preview": _rule(exp(office=404), lambda w: {"batch_id": w.batch.pk},
                             post=lambda w: {"action": "cancel"},
                             note="the batch is applied already: 404 for the office too"),
    "imports:history": _rule(exp(OFFICE), lambda w: {"plan_id": w.plan.pk}),
    "imports:undo": _rule(exp(OFFICE), lambda w: {"plan_id": w.plan.pk},
                          post=lambda w: {"import_id": w.plan.imports.get().pk}),
    # --- work plans -------------------------------------------------------------------------------
    "workplans:list": _rule(exp(TASK_A), lambda w: {"task_id": w.task_a.pk}),
    "workplans:add": _rule(exp(TASK_A, leader=403), lambda w: {"task_id": w.task_a.pk},
                           post=lambda w: {"add-title": "越权节点", "add-due": "2026-12-01", "add-unit": w.unit_a.pk}),
    "workplans:edit": _rule(exp(TASK_A, leader=403), lambda w: {"pk": w.milestone_a.pk},
                            post=lambda w: {"edit-title": "越权修改", "edit-due": "2026-12-01",
                                            "edit-unit": w.unit_a.pk, "edit-version": 1}),
    "workplans:complete": _rule(exp(TASK_A, leader=403), lambda w: {"pk": w.milestone_a.pk},
                                post=lambda w: {"complete-version": 1, "complete-done_on": "2026-11-01",
                                                "complete-evidence": "越权"}),
    "workplans:reopen": _rule(exp(TASK_A, leader=403), lambda w: {"pk": w.milestone_a.pk},
                              post=lambda w: {"reopen-version": 1, "reopen-reason": "越权"}),
    "workplans:delete": _rule(exp(default=405, admins=403), lambda w: {"pk": w.milestone_a.pk},
                              post=lambda w: {"version": 1},
                              post_expect=exp(leader=403, liaison_b=404, admins=403, office=OK, unit_a=OK)),
    "workplans:unquantified": _rule(exp(OFFICE)),
    # --- rounds (admins: an empty list page, or a refusal) ------------------------------------------
    "rounds:list": _rule(exp(BUSINESS)),
    "rounds:open": _rule(exp(OFFICE), post=lambda w: {}),
    "rounds:mine": _rule(exp(units=OK)),
    "rounds:cadence_create": post_only(None, lambda w: {"plan": w.plan.pk, "frequency": "monthly",
                                                        "starts_on": "2026-12-01"}, exp(office=OK)),
    "rounds:cadence_toggle": post_only(lambda w: {"cadence_id": w.cadence.pk}, lambda w: {}, exp(office=OK)),
    "rounds:detail": _rule(exp(BUSINESS, admins=DENY), lambda w: {"round_id": w.round.pk}),
    "rounds:close": post_only(lambda w: {"round_id": w.round.pk}, lambda w: {}, exp(office=OK)),
    "rounds:sheet": _rule(exp(units=OK, admins=DENY), lambda w: {"round_id": w.round.pk},
                          note="the fill-in sheet is for units; office and leaders read the round page"),
    "rounds:sheet_upload": _rule(exp(units=OK, admins=DENY), lambda w: {"round_id": w.round.pk}, post=lambda w: {}),
    "rounds:report": _rule(exp(TASK_A, admins=DENY), lambda w: {"report_id": w.report_a.pk},
                           post=lambda w: {"version": w.report_a.version, "progress_status": "in_progress",
                                           "percent": "90", "progress": "越权填报", "problems": "",
                                           "next_steps": "x", "action": "save"},
                           post_expect=exp(TASK_A, staff=403, admins=DENY)),
    "rounds:approve": post_only(lambda w: {"report_id": w.report_a.pk}, lambda w: {},
                                exp(staff=403, liaison_a=403, head_a=OK, liaison_b=404, admins=DENY)),
    "rounds:return": post_only(lambda w: {"report_id": w.report_a.pk}, lambda w: {"reason": "越权退回"},
                               exp(office=OK, leader=403, unit_a=403, liaison_b=404, admins=DENY)),
    "rounds:accept": post_only(lambda w: {"report_id": w.report_a.pk}, lambda w: {},
                               exp(office=OK, leader=403, unit_a=403, liaison_b=404, admins=DENY)),
    "rounds:versions": _rule(exp(TASK_A, admins=DENY), lambda w: {"report_id": w.report_a.pk}),
    "rounds:attach": post_only(lambda w: {"report_id": w.report_a.pk}, lambda w: {},
                               exp(staff=403, unit_a=OK, liaison_b=404, admins=DENY)),
    "rounds:attachment": _rule(exp(TASK_A, admins=DENY), lambda w: {"attachment_id": w.attachment_a.pk}),
    "rounds:detach": post_only(lambda w: {"attachment_id": w.attachment_a.pk}, lambda w: {},
                               exp(staff=403, unit_a=OK, liaison_b=404, admins=DENY)),
    "rounds:coordination": _rule(exp(BUSINESS)),
    "rounds:coordination_respond": post_only(lambda w: {"item_id": w.item_a.pk}, lambda w: {"response": "越权答复"},
                                             exp(staff=OK, unit_a=OK, liaison_b=404, admins=DENY),
                                             note="raised by unit A, addressed to 丙局"),
    # --- supervision ---------------------------------------------------------------------------------
    "supervision:index": _rule(exp(BUSINESS)),
    "supervision:rules": _rule(exp(OFFICE), post=lambda w: {}),
    "supervision:task": _rule(exp(TASK_A, admins=DENY), lambda w: {"task_id": w.task_a.pk}),
    "supervision:notice_new": _rule(exp(OFFICE, liaison_b=404, admins=404), lambda w: {"task_id": w.task_a.pk},
                                    post=lambda w: {}),
    "supervision:extension_new": post_only(lambda w: {"task_id": w.task_a.pk},
                                           lambda w: {"new_deadline": "2027-06-30", "reason": "越权"},
                                           exp(unit_a=OK, liaison_b=404, admins=DENY)),
    "supervision:completion_new": post_only(lambda w: {"task_id": w.task_a.pk}, lambda w: {"evidence": "越权"},
                                            exp(unit_a=OK, liaison_b=404, admins=DENY)),
    "supervision:reopen": _rule(exp(office=405, liaison_b=404, admins=404), lambda w: {"task_id": w.task_a.pk},
                                post=lambda w: {"reason": "越权"}, post_expect=exp(OFFICE, liaison_b=404, admins=404)),
    "supervision:instruction_new": post_only(lambda w: {"task_id": w.task_a.pk}, lambda w: {"text": "越权批示"},
                                             exp(leader=OK, liaison_b=404, admins=DENY)),
    "supervision:notice": _rule(exp(TASK_A, admins=DENY), lambda w: {"notice_id": w.notice_a.pk}),
    "supervision:notice_reply": post_only(lambda w: {"notice_id": w.notice_a.pk}, lambda w: {"text": "越权回复"},
                                          exp(unit_a=OK, liaison_b=404, admins=DENY)),
    "supervision:notice_close": _rule(exp(office=405, liaison_b=404, admins=404), lambda w: {"notice_id": w.notice_a.pk},
                                      post=lambda w: {"note": "越权办结"}, post_expect=exp(OFFICE, liaison_b=404, admins=404)),
    "supervision:notice_docx": _rule(exp(TASK_A, admins=DENY), lambda w: {"notice_id": w.notice_a.pk}),
    "supervision:notice_pdf": _rule(exp(TASK_A, admins=DENY), lambda w: {"notice_id": w.notice_a.pk}),
    "supervision:extension_document": _rule(exp(default=404), lambda w: {"request_id": w.extension_a.pk},
                                            note="the world's request is not decided: no reply to download (404); "
                                                 "unit B and the admins 404 whatever it is"),
    "supervision:closure_document": _rule(exp(default=404), lambda w: {"closure_id": 999999},
                                          note="no such closure: 404 for everyone signed in"),
    "supervision:extension_decide": post_only(lambda w: {"request_id": w.extension_a.pk}, lambda w: {"approve": "1"},
                                              exp(staff=OK, liaison_b=404, admins=DENY)),
    "supervision:completion_verify": _rule(exp(office=405, liaison_b=404, admins=404), lambda w: {"request_id": w.completion_a.pk},
                                           post=lambda w: {}, post_expect=exp(OFFICE, liaison_b=404, admins=404)),
    "supervision:completion_return": _rule(exp(office=405, liaison_b=404, admins=404), lambda w: {"request_id": w.completion_a.pk},
                                           post=lambda w: {"reason": "越权"}, post_expect=exp(OFFICE, liaison_b=404, admins=404)),
    "supervision:evidence": _rule(exp(TASK_A, admins=DENY), lambda w: {"file_id": w.evidence_a.pk}),
    "supervision:instruction_ack": post_only(lambda w: {"instruction_id": w.instruction_a.pk}, lambda w: {},
                                             exp(unit_a=OK, liaison_b=404, admins=DENY)),
    # --- items (duban.items): the kinds of 督办事项 ------------------------------------------------------
    "items:index": _rule(exp(BUSINESS)),
    "items:new_instruction": _rule(exp(OFFICE), post=lambda w: {}),
    "items:new_proposal": _rule(exp(OFFICE), post=lambda w: {}),
    "items:new_assigned": _rule(exp(OFFICE), post=lambda w: {}),
    "items:new_meeting": _rule(exp(OFFICE), post=lambda w: {}),
    "items:meeting": _rule(exp(staff=OK, units=404, admins=403), lambda w: {"pk": w.kinds_meeting.pk},
                           post=lambda w: {"text": "越权议定", "lead_units": "甲局"},
                           post_expect=exp(OFFICE, units=404, admins=403),
                           note="meetings are the office's and leaders'; units see their decisions as tasks"),
    "items:sign_off": post_only(lambda w: {"pk": w.kinds_instruction_a.pk}, lambda w: {"note": "越权阅示"},
                                exp(leader=OK, liaison_b=404, admins=DENY)),
    "items:contact": post_only(lambda w: {"pk": w.kinds_proposal_a.pk},
                               lambda w: {"c-on": "2026-11-01", "c-way": "phone", "c-note": "越权"},
                               exp(unit_a=OK, liaison_b=404, admins=DENY)),
    "items:reply": post_only(lambda w: {"pk": w.kinds_proposal_a.pk},
                             lambda w: {"replied_on": "2026-11-01", "text": "越权答复"},
                             exp(unit_a=OK, liaison_b=404, admins=DENY)),
    "items:satisfaction": post_only(lambda w: {"pk": w.kinds_proposal_a.pk}, lambda w: {"satisfaction": "satisfied"},
                                    exp(OFFICE, liaison_b=404, admins=DENY)),
    "items:rectify": post_only(lambda w: {"pk": w.kinds_assigned_a.pk},
                               lambda w: {"rectified_on": "2026-11-01", "note": "越权整改"},
                               exp(unit_a=OK, liaison_b=404, admins=DENY)),
    "items:document": _rule(exp(TASK_A, admins=DENY), lambda w: {"pk": w.kinds_document_a.pk}),
    "items:rules": _rule(exp(OFFICE), post=lambda w: {"proposal_reply_months": "1", "instruction_default_workdays": "1"}),
    "items:add_workday": post_only(lambda w: {}, lambda w: {"day-day": "2027-01-01", "day-is_workday": ""}, exp(OFFICE)),
    "items:delete_workday": post_only(lambda w: {"pk": w.kinds_workday.pk}, lambda w: {}, exp(OFFICE)),
    "items:intake_template": _rule(exp(OFFICE), lambda w: {"category": "proposal"}),
    "items:intake_upload": _rule(exp(OFFICE), lambda w: {"category": "proposal"}, post=lambda w: {}),
    "items:intake_preview": _rule(exp(OFFICE), lambda w: {"pk": w.kinds_batch.pk}, post=lambda w: {"action": "cancel"}),
    "items:carry_over": _rule(exp(OFFICE), post=lambda w: {"year": "2027", "deadline": "2027-06-30",
                                                          "task": [str(w.task_a.pk)]}),
    # --- notifications ---------------------------------------------------------------------------------
    "notifications:inbox": _rule(exp(EVERYONE)),
    "notifications:open": post_only(lambda w: {"notification_id": w.notification_a.pk}, lambda w: {},
                                    exp(default=404, liaison_a=OK),
                                    note="a notification is its recipient's alone: 404 for everyone else"),
    "notifications:read_all": _rule(exp(default=405), note="POST only; marks the person's own notifications read"),
    "notifications:preferences": _rule(exp(EVERYONE)),
    "notifications:unit_robots": _rule(exp(units=OK), post=lambda w: {"channel": "wecom", "url": "https://evil.example/hook"},
                                       note="unit people manage their own unit's robots; everyone else 403"),
    "notifications:unit_robot_toggle": post_only(lambda w: {"robot_id": w.robot_a.pk}, lambda w: {"active": "0"},
                                                 exp(unit_a=OK, liaison_b=404)),
    "notifications:unit_robot_delete": post_only(lambda w: {"robot_id": w.robot_a.pk}, lambda w: {},
                                                 exp(unit_a=OK, liaison_b=404)),
    # --- dashboards: the overview for every business role (a unit's people get their own
    # unit's view: its tasks, its report slots); the matrix and the league table compare
    # units with each other: office and leaders only; the weights: the office only ---------------
    "dashboards:overview": _rule(exp(BUSINESS), note="a unit's people: their unit's own view"),
    "dashboards:matrix": _rule(exp(staff=OK)),
    "dashboards:league": _rule(exp(staff=OK)),
    "dashboards:league_weights": _rule(exp(OFFICE), post=lambda w: {"on_time": "100", "completion": "0",
                                                                    "returned": "0", "overdue": "0"}),
    # --- indicators: the list for every business role (a unit's people: their tasks'
    # indicators); an indicator's trajectory like its task; adding and changing: the office
    # and the task's lead unit (甲局 leads task 1), leaders read only -----------------------------
    "indicators:list": _rule(exp(BUSINESS), note="a unit's people: their own tasks' indicators"),
    "indicators:detail": _rule(exp(TASK_A), lambda w: {"target_id": w.task_a.targets.get().pk}),
    "indicators:add": _rule(exp(TASK_A, leader=403), lambda w: {"task_id": w.task_a.pk},
                            post=lambda w: {"text": "越权指标", "comparator": ">=", "value": "10", "unit": "个"}),
    "indicators:edit": _rule(exp(TASK_A, leader=403), lambda w: {"target_id": w.task_a.targets.get().pk},
                             post=lambda w: {"baseline": "5", "fingerprint": __import__(
                                 "duban.indicators.actions", fromlist=["_"]).indicator_fingerprint(w.task_a.targets.get())}),
    # --- exports (duban.exports): the Excel ledger for every business role, of the tasks and
    # reports they may see (a unit outside a unit person's own tasks in ?unit=: 404, in
    # duban/exports/tests); the round briefing (督查通报) compares all units: the office and the
    # leaders, 403 for everyone else whatever the round; a leader's dispatch-meeting pack: the
    # office and that leader (another leader 403: duban/exports/tests), 403 for everyone else -----
    "exports:ledger_xlsx": _rule(exp(BUSINESS), note="a unit's people: their own unit's tasks"),
    "exports:league_xlsx": _rule(exp(staff=OK)),
    "exports:signing_key": _rule(exp(EVERYONE), note="a public key: anyone signed in may pass it on"),
    "exports:round_briefing": _rule(exp(staff=OK), lambda w: {"round_id": w.round.pk}),
    "exports:leader_pack": _rule(exp(staff=OK), lambda w: {"leader_id": w.leader.leader_id},
                                 note="the leader fixture's own pack"),
    "exports:year_summary": _rule(exp(staff=OK), lambda w: {"year": w.plan.year},
                                  note="of the tasks the person may see"),
    "exports:year_table_xlsx": _rule(exp(staff=OK), lambda w: {"year": w.plan.year},
                                     note="of the tasks the person may see"),
    # --- the office's document settings (duban.exports.settings_views): office only ---------------
    "docsettings:index": _rule(exp(OFFICE)),
    "docsettings:template": _rule(exp(OFFICE), lambda w: {"kind": "briefing"}),
    "docsettings:template_download": _rule(exp(OFFICE), lambda w: {"kind": "briefing"}),
    "docsettings:template_preview": _rule(exp(office=404), lambda w: {"kind": "briefing"},
                                          note="without ?subject= a preview has nothing to fill: 404"),
    "docsettings:template_upload": post_only(lambda w: {"kind": "briefing"}, lambda w: {}, exp(OFFICE)),
    "docsettings:template_publish": post_only(lambda w: {"kind": "briefing", "number": 1}, lambda w: {}, exp(OFFICE)),
    "docsettings:template_builtin": post_only(lambda w: {"kind": "briefing"}, lambda w: {}, exp(OFFICE)),
    "docsettings:number_pattern": post_only(lambda w: {}, lambda w: {"kind": "notice", "pattern": "越权〔{年}〕{序号}号"},
                                            exp(OFFICE)),
    "docsettings:ledger_layouts": _rule(exp(OFFICE)),
    "docsettings:ledger_layout_new": _rule(exp(OFFICE), post=lambda w: {"name": "越权样式", "col-title-on": "1"}),
    "docsettings:ledger_layout": _rule(exp(office=404), lambda w: {"layout_id": 999999},
                                       note="no such layout in the world: 404 for the office, 403 for the rest"),
    "docsettings:ledger_layout_delete": post_only(lambda w: {"layout_id": 999999}, lambda w: {}, exp(office=404)),
    # --- the REST API (/api/v1/, duban.api): the walker's session GET stands for any caller;
    # without credentials 401 (not a redirect: API clients are programs); admin roles 403;
    # unit B 404 on unit A's objects; writes refused as on the pages (POST-only actions answer
    # GET with 405). The pages: 接口令牌 for every business role (a token is its owner's only:
    # 404 to everyone else), 状态变化推送 for the office; the Swagger UI page like a page. ------------
    "api:schema": _rule(exp(BUSINESS, anon=401)),
    "api:docs": _rule(exp(BUSINESS)),
    "api:plan-list": _rule(exp(BUSINESS, anon=401)),
    "api:plan-detail": _rule(exp(BUSINESS, anon=401), lambda w: {"pk": w.plan.pk}),
    "api:task-list": _rule(exp(BUSINESS, anon=401)),
    "api:task-detail": _rule(exp(TASK_A, anon=401), lambda w: {"pk": w.task_a.pk}),
    "api:task-milestones": _rule(exp(TASK_A, anon=401), lambda w: {"pk": w.task_a.pk},
                                 post=lambda w: {"title": "越权节点", "due": "2026-12-01", "unit": w.unit_a.pk},
                                 post_expect=exp(TASK_A, leader=403, anon=401)),
    "api:milestone-detail": _rule(exp(TASK_A, anon=401), lambda w: {"pk": w.milestone_a.pk},
                                  note="PATCH and DELETE: duban/api/tests/test_milestones.py"),
    "api:milestone-complete": _rule(exp(default=405, admins=403, anon=401), lambda w: {"pk": w.milestone_a.pk},
                                    post=lambda w: {"version": 1, "done_on": "2026-11-01", "evidence": "越权"},
                                    post_expect=exp(TASK_A, leader=403, anon=401)),
    "api:milestone-reopen": _rule(exp(default=405, admins=403, anon=401), lambda w: {"pk": w.milestone_a.pk},
                                  post=lambda w: {"version": 1, "reason": "越权"},
                                  post_expect=exp(TASK_A, leader=403, anon=401)),
    "api:round-list": _rule(exp(BUSINESS, anon=401)),
    "api:round-detail": _rule(exp(BUSINESS, anon=401), lambda w: {"pk": w.round.pk},
                              note="the whole plan's round: unit B has a slot in it"),
    "api:report-list": _rule(exp(BUSINESS, anon=401)),
    "api:report-detail": _rule(exp(TASK_A, anon=401), lambda w: {"pk": w.report_a.pk},
                               note="PATCH: duban/api/tests/test_reports.py"),
    "api:report-submit": _rule(exp(default=405, admins=403, anon=401), lambda w: {"pk": w.report_a.pk},
                               post=lambda w: {"version": w.report_a.version},
                               post_expect=exp(TASK_A, staff=403, anon=401)),
    "api:notice-list": _rule(exp(BUSINESS, anon=401)),
    "api:notice-detail": _rule(exp(TASK_A, anon=401), lambda w: {"pk": w.notice_a.pk}),
    "api:indicator-list": _rule(exp(BUSINESS, anon=401)),
    "api:indicator-detail": _rule(exp(TASK_A, anon=401), lambda w: {"pk": w.task_a.targets.get().pk}),
    "api:item-list": _rule(exp(default=405, admins=403, anon=401),
                           post=lambda w: {"category": "proposal", "kind": "suggestion", "number": "99", "proposers": "越权",
                                           "title": "越权建议", "assigned_on": "2026-11-01", "lead_units": "甲局"},
                           post_expect=exp(OFFICE, anon=401)),
    "api:tokens": _rule(exp(BUSINESS), post=lambda w: {"name": "越权令牌", "expires": "90"}),
    "api:token_revoke": post_only(lambda w: {"token_id": w.api_token_a.pk}, lambda w: {},
                                  exp(default=404, liaison_a=OK, admins=403)),
    "api:webhooks": _rule(exp(OFFICE), post=lambda w: {"name": "越权推送", "url": "http://evil.example/hook"}),
    "api:webhook_toggle": post_only(lambda w: {"webhook_id": w.webhook.pk}, lambda w: {"active": "0"}, exp(office=OK)),
    "api:webhook_delete": post_only(lambda w: {"webhook_id": w.webhook.pk}, lambda w: {}, exp(office=OK)),
    "manual:index": _rule(exp(EVERYONE), note="the user manual: every role may read every role's manual"),
    "manual:page": _rule(exp(EVERYONE), lambda w: {"slug": "liaison"}),
}


# --- walking the URL patterns -------------------------------------------------------------------

def all_url_names(patterns=None, namespace: str | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) of every URL pattern of the project, recursively."""
    out = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace])) or None
            out += all_url_names(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            out.append((name, prefix + str(p.pattern)))
    return out


URLS = all_url_names()


def test_it_has_a_name_and_a_rule_for_every_url():
    unnamed = [route for name, route in URLS if not name]
    missing = [name for name, _ in URLS if name and name not in RULES]
    assert not unnamed, f"这些地址没有名称，无法设置访问规则：{unnamed}"
    assert not missing, (
        f"新页面缺少访问规则：{missing}。请在 duban/web/tests/test_isolation.py 的 RULES 中为它添加一条，"
        "写明各角色（含匿名、其他单位）GET/POST 时应得到的结果。"
    )
    stale = sorted(set(RULES) - {name for name, _ in URLS})
    assert not stale, f"RULES 中有已不存在的地址，请删除：{stale}"


# --- the world: unit A's objects ----------------------------------------------------------------

@pytest.fixture(autouse=True)
def _fast_and_frozen(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    plan: Any
    office: Any
    leader: Any
    liaison_a: Any
    head_a: Any
    liaison_b: Any
    sysadmin: Any
    secadmin: Any
    auditor: Any
    unit_a: Any = None
    task_a: Any = None
    milestone_a: Any = None
    batch: Any = None
    lockout: Any = None
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name):  # lazily built objects of other apps
        builders = BUILDERS
        if name in builders:
            value = builders[name](self)
            setattr(self, name, value)
            return value
        raise AttributeError(name)

    def user(self, role: str):
        return None if role == "anon" else getattr(self, role)


def _round(w):
    from duban.rounds.actions import open_round

    return open_round(w.plan, actor=w.office, name="2026年11月调度", period_start=dt.date(2026, 11, 1),
                      period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 11, 30))


def _report_a(w):
    from duban.rounds.models import Report

    return Report.objects.get(round=w.round, task=w.task_a, unit=w.unit_a)


def _attachment_a(w):
    from duban.rounds.actions import add_attachment

    return add_attachment(w.report_a, actor=w.liaison_a, name="说明.txt", data="佐证说明".encode())


def _cadence(w):
    from duban.rounds.models import Cadence

    return Cadence.objects.create(plan=w.plan, starts_on=dt.date(2026, 12, 1), created_by=w.office)


def _item_a(w):
    from duban.rounds.models import CoordinationItem
    from duban.org.models import Unit

    return CoordinationItem.objects.create(report=w.report_a, task=w.task_a, text="请丙局配合提供数据",
                                           raised_by_unit=w.unit_a, addressed_to_unit=Unit.objects.get(name="丙局"))


def _notice_a(w):
    from duban.supervision.actions import issue_notice

    return issue_notice(w.task_a, actor=w.office, level="notice", units=[w.unit_a], facts="进度滞后",
                        requirement="按期报送", reply_by=dt.date(2026, 12, 10))


def _extension_a(w):
    from duban.supervision.actions import request_extension

    return request_extension(w.task_a, actor=w.liaison_a, new_deadline=dt.date(2027, 3, 31), reason="资金未到位")


def _completion_a(w):
    from duban.supervision.actions import claim_completion

    return claim_completion(w.task_a, actor=w.liaison_a, evidence="已完成",
                            files=[("完成证明.txt", "办结佐证".encode())])


def _evidence_a(w):
    return w.completion_a.files.get()


def _instruction_a(w):
    from duban.supervision.actions import write_instruction

    return write_instruction(w.task_a, actor=w.leader, text="抓紧推进")


def _notification_a(w):
    from duban.notifications.actions import notify

    return notify([w.liaison_a], kind="test", title="测试通知", url="/")[0]


def _robot_a(w):
    from duban.notifications.models import UnitRobot

    return UnitRobot.objects.create(unit=w.unit_a, channel="wecom", url="https://qyapi.example/hook?key=a")


BUILDERS: dict[str, Callable[[World], Any]] = {
    "round": _round, "report_a": _report_a, "attachment_a": _attachment_a, "cadence": _cadence,
    "item_a": _item_a, "notice_a": _notice_a, "extension_a": _extension_a, "completion_a": _completion_a,
    "instruction_a": _instruction_a, "notification_a": _notification_a, "robot_a": _robot_a,
    "evidence_a": _evidence_a,
}


def _api_token_a(w):
    from duban.api.tokens import create_token

    return create_token(w.liaison_a, name="甲局同步", expires_at=None)[0]


def _webhook(w):
    from duban.api.models import Webhook

    return Webhook.objects.create(name="OA", url="http://oa.example/hook", secret="s" * 32, created_by=w.office)


def _failed_message(w):
    from duban.jobs.models import Message

    return Message.objects.create(channel="email", target="a@example.gov.cn", subject="测试", body="测试",
                                  status="failed", attempts=6, last_error="邮件发送失败（SMTPException）")


def _outbound_host(w):
    from duban.security.models import OutboundHost

    return OutboundHost.objects.get_or_create(host="oa.example.gov.cn", defaults={"note": "督查室OA"})[0]


def _kinds_instruction_a(w):
    from duban.items.actions import create_instruction

    return create_instruction(actor=w.office, leader=w.leader.leader, document_title="甲局专报", instruction="抓紧办理",
                              instructed_on=dt.date(2026, 11, 2), received_on=dt.date(2026, 11, 3),
                              lead_units=[w.unit_a], deadline=dt.date(2026, 12, 31))[0].task


def _kinds_proposal_a(w):
    from duban.items.actions import create_proposal

    return create_proposal(actor=w.office, kind="suggestion", number="101", proposers="张代表", title="关于增设公交线路的建议",
                           assigned_on=dt.date(2026, 10, 1), lead_units=[w.unit_a]).task


def _kinds_assigned_a(w):
    from duban.items.actions import create_assigned

    return create_assigned(actor=w.office, source="inspection", issuer="市政府督查室", doc_number="市督查〔2026〕12号",
                           received_on=dt.date(2026, 10, 8), title="整改河道垃圾问题", lead_units=[w.unit_a],
                           deadline=dt.date(2026, 12, 31)).task


def _kinds_document_a(w):
    from duban.items.actions import attach_document

    return attach_document(w.kinds_assigned_a, actor=w.office, purpose="order", data="交办单内容".encode(),
                           name="交办单.txt")


def _kinds_meeting(w):
    from duban.items.actions import ItemFacts, create_decision, create_meeting

    meeting = create_meeting(actor=w.office, kind="standing", title="区政府第12次常务会议", held_on=dt.date(2026, 10, 20))
    create_decision(meeting, actor=w.office, text="会议原则同意方案，由甲局牵头。",
                    facts=ItemFacts(title="", lead_units=[w.unit_a], deadline=dt.date(2026, 12, 31)))
    return meeting


def _kinds_batch(w):
    from duban.items.models import IntakeBatch

    return IntakeBatch.objects.create(category="proposal", source_name="建议.xlsx", created_by=w.office, rows=[
        {"_row": 3, "kind": "人大代表建议", "number": "9", "proposers": "张代表", "title": "建议", "assigned_on": "2026-11-01",
         "lead_units": "甲局", "co_units": ""}])


def _kinds_workday(w):
    from duban.items.models import WorkdayOverride

    return WorkdayOverride.objects.create(day=dt.date(2027, 2, 7), is_workday=True, note="调休上班")


BUILDERS.update({"kinds_instruction_a": _kinds_instruction_a, "kinds_proposal_a": _kinds_proposal_a,
                 "kinds_assigned_a": _kinds_assigned_a, "kinds_document_a": _kinds_document_a,
                 "kinds_meeting": _kinds_meeting, "kinds_workday": _kinds_workday,
                 "kinds_batch": _kinds_batch})


def _account_change(w):
    from duban.accounts.approvals import request_access

    return request_access(w.liaison_a, role="unit_head", unit=w.unit_a, actor=w.sysadmin)


BUILDERS.update({"account_change": _account_change, "api_token_a": _api_token_a, "webhook": _webhook, "outbound_host": _outbound_host,
                 "failed_message": _failed_message})


@pytest.fixture
def world(plan, office, leader, liaison_a, head_a, liaison_b, sysadmin, secadmin, auditor, units):
    from duban.accounts.models import Lockout
    from duban.imports.models import ImportBatch
    from duban.plans.models import Task
    from duban.workplans.models import Milestone

    w = World(plan, office, leader, liaison_a, head_a, liaison_b, sysadmin, secadmin, auditor)
    w.unit_a = units["甲局"]
    w.task_a = Task.objects.get(plan=plan, number="1")
    w.milestone_a = Milestone.objects.create(task=w.task_a, title="甲局节点", due=dt.date(2026, 10, 1), unit=w.unit_a,
                                             done_on=None)
    w.batch = ImportBatch.objects.create(original_name="plan.txt", sha256="0" * 64, status="applied", file="x.txt",
                                         created_by=office)
    w.lockout = Lockout.objects.create(kind="account", key="liaison_b", until=NOW + dt.timedelta(minutes=30))
    return w


# --- checking -----------------------------------------------------------------------------------

# Logs and counters a refusal may write: the audit chain, refusal and request counts.
EXCLUDED_FROM_SNAPSHOT = {"audit.event", "audit.chainhead", "audit.refusal", "security.ratecount", "sessions.session",
                          "accounts.usersession", "accounts.signinfailure"}


def snapshot() -> dict[str, list]:
    """Every row of every model that a refused write must leave alone (logs excluded:
    a refusal may be recorded). The day's stored status lights are brought up to date
    first, as the first request of a day would (duban.status.middleware): a refused
    request that changes them after this has changed a task's facts."""
    from duban.status.store import ensure_current

    ensure_current()
    out = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in EXCLUDED_FROM_SNAPSHOT or model._meta.proxy or not model._meta.managed:
            continue
        rows = list(model._base_manager.order_by("pk").values())
        for row in rows:
            row.pop("last_login", None)  # signing the test person in stamps it
        out[label] = rows
    return out


def outcome(response) -> Any:
    if response.status_code in (301, 302, 303):
        location = response.get("Location", "")
        return LOGIN if reverse("accounts:login") in location.split("?")[0] else OK
    if response.status_code == 200:
        return OK
    if response.status_code == 204 and response.get("HX-Redirect"):
        return LOGIN if reverse("accounts:login") in response["HX-Redirect"] else OK
    return response.status_code


def matches(got, expected) -> bool:
    return got in expected if isinstance(expected, (set, tuple)) else got == expected


REFUSALS = {401, 403, 404, 405, LOGIN}


@pytest.mark.parametrize("name", sorted({n for n, _ in URLS if n in RULES}))
def test_it_enforces_the_access_rule(name, world, client):
    rule = RULES[name]
    url = reverse(name, kwargs=rule.kwargs(world))
    problems = []
    for role in ROLES:
        user = world.user(role)
        client.logout()
        if user is not None:
            client.force_login(user)
        got = outcome(client.get(url))
        if not matches(got, rule.get[role]):
            problems.append(f"GET  {role:<10} 期望 {rule.get[role]}，实际 {got}")
    if rule.post is not None:
        expected_post = rule.post_expect or rule.get
        for role in ROLES:
            expected = expected_post[role]
            if not all(e in REFUSALS for e in (expected if isinstance(expected, tuple) else (expected,))):
                continue  # allowed: not this test's business
            user = world.user(role)
            client.logout()
            if user is not None:
                client.force_login(user)
            before = snapshot()
            got = outcome(client.post(url, rule.post(world)))
            if not matches(got, expected):
                problems.append(f"POST {role:<10} 期望 {expected}，实际 {got}")
            changed = [label for label, rows in snapshot().items() if rows != before.get(label)]
            if changed:
                problems.append(f"POST {role:<10} 被拒绝却修改了数据：{changed}")
    assert not problems, f"{name}（{url}）：\n" + "\n".join(problems)
