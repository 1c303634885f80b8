"""/api/: the REST API (v1/), its schema and documentation, and the pages for API
tokens and status-change webhooks."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from duban.plans.permissions import task_roles_required

from . import pages, views

app_name = "api"

router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("reports", views.ReportViewSet, basename="report")
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("items", views.ItemViewSet, basename="item")

urlpatterns = [
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", pages.token_revoke, name="token_revoke"),
    path("webhooks/", pages.webhooks, name="webhooks"),
    path("webhooks/<int:webhook_id>/toggle/", pages.webhook_toggle, name="webhook_toggle"),
    path("webhooks/<int:webhook_id>/delete/", pages.webhook_delete, name="webhook_delete"),
    # OpenAPI 3 schema: JSON by default, YAML with ?format=yaml or Accept: application/yaml.
    path("v1/schema/", pages.SchemaView.as_view(), name="schema"),
    path("v1/docs/", task_roles_required(pages.DocsView.as_view()), name="docs"),
    path("v1/", include(router.urls)),
]
