"""The API against its own OpenAPI schema, with schemathesis, over real HTTP.

pytest-django's live server runs the whole project (middleware included) on a
port; the schema is loaded from its URL with a real token, and for every operation
schemathesis generates requests from the schema (a bounded number each) and checks
that no answer is a server error, that every status code is documented and that
every JSON answer matches its documented schema. Detail and write operations run
twice: with generated ids (mostly 404s) and with the ids of real objects, so the
documented 200/201/400/403/409 answers are exercised too.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from duban.api.tokens import create_token

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 20


def _run(operation, base_url: str, headers: dict, failures: list, **fixed) -> int:
    calls = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(**fixed))
    def check(case):
        calls.append(case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30).status_code)

    try:
        check()
    except Exception as exc:  # noqa: BLE001 - every operation is tried; all failures are reported
        failures.append(f"{operation.label} {fixed or ''}\n{exc}")
    return len(calls)


def test_it_answers_as_its_schema_says(live_server, objects, office, liaison_a):
    # Thousands of generated requests in a minute: the API's rate limits (429, tested in
    # duban/security/tests) are raised to their maximum so that they do not answer here.
    from duban.security.models import SecurityPolicy

    policy = SecurityPolicy.current()
    policy.api_per_minute, policy.token_failures_per_minute = 100000, 1000
    policy.save()
    _, office_token = create_token(office, name="schemathesis", expires_at=None)
    _, unit_token = create_token(liaison_a, name="schemathesis", expires_at=None)
    schema_url = f"{live_server.url}/api/v1/schema/"
    # Without a token the schema is refused, as everything else.
    import requests

    assert requests.get(schema_url, timeout=10).status_code == 401
    schema = schemathesis.openapi.from_url(schema_url, headers={"Authorization": f"Bearer {office_token}"})
    real = {
        "/api/v1/tasks/{id}/": objects.task.pk, "/api/v1/tasks/{id}/milestones/": objects.task.pk,
        "/api/v1/milestones/{id}/": objects.milestone.pk, "/api/v1/milestones/{id}/complete/": objects.milestone.pk,
        "/api/v1/milestones/{id}/reopen/": objects.milestone.pk, "/api/v1/rounds/{id}/": objects.round.pk,
        "/api/v1/reports/{id}/": objects.report.pk, "/api/v1/reports/{id}/submit/": objects.report.pk,
        "/api/v1/notices/{id}/": objects.notice.pk, "/api/v1/indicators/{id}/": objects.target.pk,
        "/api/v1/plans/{id}/": objects.plan.pk,
    }
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    assert {op.method.upper() for op in operations} >= {"GET", "POST", "PATCH", "DELETE"}
    calls = 0
    for op in operations:
        # The milestone is deleted by a successful DELETE; it runs last, below.
        if op.method.upper() == "DELETE":
            continue
        for token in (office_token, unit_token):
            headers = {"Authorization": f"Bearer {token}"}
            if "{id}" in op.path:
                calls += _run(op, live_server.url, headers, failures)
                calls += _run(op, live_server.url, headers, failures, path_parameters={"id": real[op.path]})
            else:
                calls += _run(op, live_server.url, headers, failures)
    # A valid new milestone, so the documented 201 answer is checked too.
    add = schema["/api/v1/tasks/{id}/milestones/"]["POST"]
    valid = {"title": "接口测试节点", "due": "2026-12-31", "unit": objects.milestone.unit_id}
    for token in (office_token, unit_token):
        calls += _run(add, live_server.url, {"Authorization": f"Bearer {token}"}, failures,
                      path_parameters={"id": objects.task.pk}, body=valid)
    assert objects.task.milestones.filter(title="接口测试节点").exists()
    for op in operations:
        if op.method.upper() == "DELETE":
            calls += _run(op, live_server.url, {"Authorization": f"Bearer {office_token}"}, failures,
                          path_parameters={"id": real[op.path]})
    assert not failures, "\n\n".join(failures)
    assert calls > 300
