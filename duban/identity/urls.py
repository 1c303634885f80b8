from django.urls import path

from . import cas, inapp, views
from .models import Provider
from .oidc import AuthenticateView as OIDCAuthenticateView
from .oidc import CallbackView as OIDCCallbackView

app_name = "identity"
urlpatterns = [
    # Sign-in paths (everyone)
    path("oidc/login/", OIDCAuthenticateView.as_view(), name="oidc_login"),
    path("oidc/callback/", OIDCCallbackView.as_view(), name="oidc_callback"),
    path("cas/login/", cas.login, name="cas_login"),
    path("cas/callback/", cas.callback, name="cas_callback"),
    path("wecom/", inapp.start, {"provider": Provider.WECOM}, name="wecom"),
    path("wecom/callback/", inapp.callback, {"provider": Provider.WECOM}, name="wecom_callback"),
    path("dingtalk/", inapp.start, {"provider": Provider.DINGTALK}, name="dingtalk"),
    path("dingtalk/callback/", inapp.callback, {"provider": Provider.DINGTALK}, name="dingtalk_callback"),
    # System administrator: sign-in paths, directory rules and synchronisation
    path("", views.overview, name="overview"),
    path("test/<slug:key>/", views.test_path, name="test"),
    path("sync/", views.sync_now, name="sync"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
