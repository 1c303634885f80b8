"""The API's pages: a person's API tokens (接口令牌), the office's status-change
webhooks (状态变化推送), and the interactive API documentation."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from duban.accounts.permissions import office_required
from duban.audit.log import record
from duban.plans.permissions import task_roles_required

from .authentication import PolicySessionAuthentication
from .forms import TokenForm, WebhookForm
from .models import ApiToken, Webhook
from .tokens import create_token, revoke_token
from .webhooks import deliveries


# --- personal API tokens ---------------------------------------------------------------------

@task_roles_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """The person's tokens. A new token is shown once, on the answer to its creation;
    only its digest is kept."""
    form = TokenForm(request.POST or None, user=request.user)
    created = raw = None
    if request.method == "POST" and form.is_valid():
        created, raw = create_token(request.user, name=form.cleaned_data["name"], expires_at=form.expires_at())
        form = TokenForm(user=request.user)
    rows = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    return render(request, "api/tokens.html", {"form": form, "tokens": rows, "created": created, "raw": raw,
                                              "nav": "api_tokens"})


@task_roles_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)  # another's token: 404
    if revoke_token(token, actor=request.user):
        messages.success(request, f"已撤销令牌“{token.name}”，使用它的请求将被拒绝")
    else:
        messages.info(request, "该令牌已经撤销")
    return redirect("api:tokens")


# --- status-change webhooks (office) ---------------------------------------------------------

@office_required
@require_http_methods(["GET", "POST"])
def webhooks(request):
    form = WebhookForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        hook = form.save(commit=False)
        hook.created_by = request.user
        hook.save()
        record("api.webhook_add", actor=request.user, obj=hook, summary=f"添加状态变化推送“{hook.name}”：{hook.url}",
               after={"name": hook.name, "url": hook.url, "plan": hook.plan_id})
        messages.success(request, f"已添加状态变化推送“{hook.name}”")
        secret = form.generated_secret
        if not secret:
            return redirect("api:webhooks")
        form = WebhookForm()
    hooks = Webhook.objects.select_related("plan").order_by("id")
    return render(request, "api/webhooks.html", {"form": form, "hooks": hooks, "deliveries": deliveries(),
                                                "secret": secret, "nav": "api_webhooks"})


@office_required
@require_POST
def webhook_toggle(request, webhook_id: int):
    hook = get_object_or_404(Webhook, pk=webhook_id)
    wanted = request.POST.get("active")
    active = (wanted == "1") if wanted in ("0", "1") else not hook.active
    if Webhook.objects.filter(pk=hook.pk, active=not active).update(active=active) != 1:
        messages.info(request, f"该推送已经{'启用' if active else '停用'}（可能已由他人修改）")
        return redirect("api:webhooks")
    record("api.webhook_toggle", actor=request.user, obj=hook, summary=f"{'启用' if active else '停用'}状态变化推送“{hook.name}”",
           before={"active": not active}, after={"active": active})
    messages.success(request, f"已{'启用' if active else '停用'}“{hook.name}”")
    return redirect("api:webhooks")


@office_required
@require_POST
def webhook_delete(request, webhook_id: int):
    hook = get_object_or_404(Webhook, pk=webhook_id)
    record("api.webhook_delete", actor=request.user, obj=hook, summary=f"删除状态变化推送“{hook.name}”",
           before={"name": hook.name, "url": hook.url, "plan": hook.plan_id, "active": hook.active})
    hook.delete()
    messages.success(request, f"已删除“{hook.name}”及其推送记录")
    return redirect("api:webhooks")


# --- the schema and the interactive documentation ---------------------------------------------------------------

class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: JSON by default, YAML with ?format=yaml (or Accept:
    application/yaml). Business roles only (401 without credentials, 403 for admins)."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the drf-spectacular-sidecar package (served by the app itself,
    no CDN). Its start-up script is fetched from this same URL (?script), not inline,
    so the page runs under the Content-Security-Policy. Signed-in business roles only
    (the decorator in urls.py); "try it out" uses the session, with the CSRF token."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    authentication_classes = [PolicySessionAuthentication]
    permission_classes: list = []
